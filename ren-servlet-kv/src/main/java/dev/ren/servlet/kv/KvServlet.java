package dev.ren.servlet.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.internal.Printable;
import dev.ren.kv.KvEntry;
import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvPage;
import dev.ren.kv.KvStore;
import dev.ren.kv.KvStoreFullException;
import dev.ren.kv.KvValueTooLargeException;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The KV binding (Maravilla dev-server shapes), mapped at {@code /api/kv/*}:
 * <ul>
 *   <li>{@code GET /api/kv/{ns}/{key}} → the stored JSON value, {@code 404} if absent</li>
 *   <li>{@code PUT /api/kv/{ns}/{key}} body = JSON value, optional {@code X-TTL: <seconds>} →
 *       {@code {"success":true,"version":n}}</li>
 *   <li>{@code DELETE /api/kv/{ns}/{key}} → {@code {"success":true,"deleted":bool}}</li>
 *   <li>{@code POST /api/kv/{ns}} body {@code {prefix?, limit?, cursor?}} →
 *       {@code {"result":[{"name":..,"expiration":<unix s>?}],"result_info":{"cursor":..|null}}}</li>
 * </ul>
 * The key is the rest of the path, percent-decoded once as UTF-8, so it may contain {@code /} (raw or
 * {@code %2F}), {@code :} and non-ASCII. Bad input — invalid JSON, a bad {@code X-TTL}, an empty key, a namespace
 * outside {@code [A-Za-z0-9_.-]{1,64}}, a body over the limit — is a {@code 400}/{@code 413} JSON error and changes
 * nothing. The store's bounds are measured as stored (compact JSON), not as the body: a value over the store's
 * value limit is {@code 413 payload_too_large} ({@link KvValueTooLargeException}), a put the full store cannot take
 * is {@code 507 insufficient_storage} ({@link KvStoreFullException}); neither stores anything. A put or delete that was applied but whose event could not be published is a {@code 503}
 * {@code {"error":"not_published",...,"applied":true}} ({@link dev.ren.AppliedButNotPublishedException}, mapped
 * by {@link JsonServlet#toHttpError}): the change stands, so the client must not retry it blindly.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new KvServlet(store)), "/api/kv/*");
 * }</pre>
 *
 * <p>Thread-safety: thread-safe (the store is).
 */
public class KvServlet extends JsonServlet {

  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}");
  private static final int DEFAULT_LIST_LIMIT = KvNamespace.MAX_LIST_LIMIT;

  private final transient KvStore store;
  private final long maxBodyBytes;

  /** A binding with the default body limit ({@value JsonServlet#DEFAULT_MAX_BODY} bytes). */
  public KvServlet(KvStore store) {
    this(store, DEFAULT_MAX_BODY);
  }

  /** A binding whose request bodies (values and list queries) may be at most {@code maxBodyBytes}. */
  public KvServlet(KvStore store, long maxBodyBytes) {
    this.store = Objects.requireNonNull(store, "store");
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Target t = target(req);
    KvEntry e = t.ns.get(t.requireKey()).orElseThrow(
        () -> HttpError.notFound("no key '" + Printable.of(t.key) + "' in namespace '" + t.ns.name() + "'"));
    writeJson(resp, 200, e.json()); // the stored text as is: no tree is built for a read
  }

  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Target t = target(req);
    String key = t.requireKey();
    Duration ttl = ttl(req);
    JsonNode value = readJson(req, maxBodyBytes);
    long version = ttl == null ? t.ns.put(key, value) : t.ns.put(key, value, ttl);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("success", true);
    body.put("version", version);
    writeJson(resp, 200, body);
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Target t = target(req);
    boolean deleted = t.ns.delete(t.requireKey());
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("success", true);
    body.put("deleted", deleted);
    writeJson(resp, 200, body);
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Target t = target(req);
    if (t.key != null) {
      throw new HttpError(405, "method_not_allowed",
          "POST lists a namespace: use POST /api/kv/{ns} without a key");
    }
    ObjectNode q = readJsonObject(req, maxBodyBytes, true);
    String prefix = optionalString(q, "prefix");
    String cursor = optionalString(q, "cursor");
    int limit = DEFAULT_LIST_LIMIT;
    JsonNode l = q.get("limit");
    if (l != null && !l.isNull()) {
      if (!l.isIntegralNumber() || !l.canConvertToInt() || l.intValue() < 1
          || l.intValue() > KvNamespace.MAX_LIST_LIMIT) {
        throw HttpError.badRequest("limit must be an integer from 1 to " + KvNamespace.MAX_LIST_LIMIT
            + ", was " + l);
      }
      limit = l.intValue();
    }
    KvPage page = t.ns.list(prefix == null ? "" : prefix, limit, cursor == null || cursor.isEmpty() ? null : cursor);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ArrayNode result = body.putArray("result");
    for (KvPage.Item it : page.keys()) {
      ObjectNode o = result.addObject();
      o.put("name", it.name());
      Long exp = it.expirationEpochSeconds();
      if (exp != null) {
        o.put("expiration", exp);
      }
    }
    body.putObject("result_info").put("cursor", page.cursor());
    writeJson(resp, 200, body);
  }

  /** The store's bounds: {@code 413} for one value too large, {@code 507} for a full store; the rest as usual. */
  @Override
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof KvValueTooLargeException tooLarge) {
      return HttpError.tooLarge(String.valueOf(tooLarge.getMessage()));
    }
    if (e instanceof KvStoreFullException full) {
      return new HttpError(507, "insufficient_storage", String.valueOf(full.getMessage()));
    }
    return super.toHttpError(req, e);
  }

  private static @Nullable String optionalString(ObjectNode q, String field) {
    JsonNode n = q.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw HttpError.badRequest(field + " must be a string, was " + n);
    }
    return n.textValue();
  }

  /** {@code X-TTL: <seconds>}: one header, a whole number from 1 to the store's maximum; absent → no TTL. */
  static @Nullable Duration ttl(HttpServletRequest req) {
    List<String> values = Collections.list(req.getHeaders("X-TTL"));
    if (values.isEmpty()) {
      return null;
    }
    long max = KvNamespace.MAX_TTL.toSeconds();
    String rule = "X-TTL must be one whole number of seconds from 1 to " + max;
    if (values.size() > 1) {
      throw new HttpError(400, "invalid_ttl", rule + ", got " + values.size() + " headers");
    }
    String raw = values.get(0).trim();
    if (!SECONDS.matcher(raw).matches()) {
      throw new HttpError(400, "invalid_ttl", rule + ", was '" + Printable.of(raw) + "'");
    }
    long seconds = Long.parseLong(raw);
    if (seconds < 1 || seconds > max) {
      throw new HttpError(400, "invalid_ttl", rule + ", was " + seconds);
    }
    return Duration.ofSeconds(seconds);
  }

  private Target target(HttpServletRequest req) {
    String rest = rawRest(req);
    int slash = rest.indexOf('/');
    String nsRaw = slash < 0 ? rest : rest.substring(0, slash);
    if (nsRaw.isEmpty()) {
      throw new HttpError(400, "invalid_namespace", "the path must name a namespace: /api/kv/{ns}/{key}");
    }
    KvNamespace ns;
    try {
      ns = store.namespace(decode(nsRaw));
    } catch (IllegalArgumentException e) {
      // not a plain mapping for toHttpError: the store's IllegalArgumentException means invalid_namespace only
      // here; from a key, value or cursor it is the generic bad_request that JsonServlet answers
      throw new HttpError(400, "invalid_namespace", String.valueOf(e.getMessage()));
    }
    String key = slash < 0 ? null : decode(rest.substring(slash + 1));
    return new Target(ns, key);
  }

  private record Target(KvNamespace ns, @Nullable String key) {
    String requireKey() {
      if (key == null || key.isEmpty()) {
        throw new HttpError(400, "invalid_key", "the key must not be empty: /api/kv/{ns}/{key}");
      }
      return key;
    }
  }
}
