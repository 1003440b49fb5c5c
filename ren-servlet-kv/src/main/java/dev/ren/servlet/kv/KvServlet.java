package dev.ren.servlet.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.internal.Printable;
import dev.ren.kv.KvEntry;
import dev.ren.kv.KvInvalidJsonException;
import dev.ren.kv.KvKey;
import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvPage;
import dev.ren.kv.KvStore;
import dev.ren.kv.KvStoreFullException;
import dev.ren.kv.KvUnavailableException;
import dev.ren.kv.KvValueTooLargeException;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.OutputStream;
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
 * outside {@code [A-Za-z0-9_.-]{1,64}}, a body over the limit (for a list query, {@value #MAX_QUERY_BYTES} bytes) —
 * is a {@code 400}/{@code 413} JSON error and changes nothing.
 *
 * <p>A PUT's body never becomes a Jackson tree: it is checked and compacted by a streaming copy
 * ({@link KvNamespace#putJson}), so while it is stored a value costs its text (a tree of {@code [{},{},...]} costs
 * about thirty times that). The store's bounds are measured as stored (compact JSON), not as the body: a value over
 * the store's value limit is {@code 413 payload_too_large} ({@link KvValueTooLargeException}), a put the full store
 * cannot take is {@code 507 insufficient_storage} ({@link KvStoreFullException}); neither stores anything. A put or
 * delete that was applied but whose event could not be published is a {@code 503}
 * {@code {"error":"not_published",...,"applied":true}} ({@link dev.ren.AppliedButNotPublishedException}, mapped
 * by {@link JsonServlet#toHttpError}): the change stands, so the client must not retry it blindly.
 *
 * <p><b>Authorization and tenants.</b> Every route asks the servlet's {@link RenSecurity} before it touches the
 * store: {@code GET} is {@link RenOperation#KV_GET}, {@code PUT} {@link RenOperation#KV_PUT}, {@code DELETE}
 * {@link RenOperation#KV_DELETE} and the {@code POST} listing {@link RenOperation#KV_LIST}, each on
 * {@link RenResource#kv(String, String) RenResource.kv(ns, key)} (key null for a listing). A refused request is
 * {@code 401 unauthorized} (no caller) or {@code 403 forbidden} as JSON, before a PUT's body or a list query is read,
 * and changes nothing and publishes nothing. An allowed request works in the caller's tenant
 * ({@link RenCaller#tenant()}, {@link KvStore#tenant(String)}): its keys, listings and events are that tenant's only.
 * Path and {@code X-TTL} validation ({@code 400}) comes before authorization; it touches nothing.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new KvServlet(store, security)), "/api/kv/*");
 * // or: security.install(servletContext) and new KvServlet(store)
 * }</pre>
 *
 * <p>Thread-safety: thread-safe (the store is).
 */
public class KvServlet extends JsonServlet {

  private static final System.Logger LOG = System.getLogger(KvServlet.class.getName());

  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}");
  private static final int DEFAULT_LIST_LIMIT = KvNamespace.MAX_LIST_LIMIT;
  /**
   * The most a list query ({@code {prefix, limit, cursor}}) may take: its prefix (512 characters) and cursor (1,024)
   * fit many times over even escaped. The query is parsed into a tree, which for {@code [{},{},...]} costs about
   * thirty times the body, so a body of up to {@code maxBodyBytes} would cost ~30 MB; a query is small.
   */
  static final long MAX_QUERY_BYTES = 16 << 10;

  private final transient KvStore store;
  private final long maxBodyBytes;

  /**
   * A binding with the default body limit ({@value JsonServlet#DEFAULT_MAX_BODY} bytes; list queries 16 KiB) and the
   * {@link RenSecurity} installed in the servlet context ({@link RenSecurity#ATTRIBUTE}); without one the servlet
   * refuses to start.
   */
  public KvServlet(KvStore store) {
    this(store, DEFAULT_MAX_BODY);
  }

  /** A binding with the default body limit, authorizing every request with {@code security}. */
  public KvServlet(KvStore store, RenSecurity security) {
    this(store, DEFAULT_MAX_BODY, Objects.requireNonNull(security, "security"));
  }

  /**
   * A binding whose request bodies may be at most {@code maxBodyBytes}: a value as sent, before it is compacted;
   * a list query at most that and {@value #MAX_QUERY_BYTES} bytes.
   */
  public KvServlet(KvStore store, long maxBodyBytes) {
    this(store, maxBodyBytes, null);
  }

  /**
   * A binding whose request bodies may be at most {@code maxBodyBytes} (see {@link #KvServlet(KvStore, long)}),
   * authorizing every request with {@code security} (null: the one installed in the servlet context, else the
   * servlet refuses to start).
   */
  public KvServlet(KvStore store, long maxBodyBytes, @Nullable RenSecurity security) {
    super(null, security);
    this.store = Objects.requireNonNull(store, "store");
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Target t = target(req);
    String key = t.requireKey();
    KvNamespace ns = authorized(req, RenOperation.KV_GET, t);
    KvEntry e = ns.get(key).orElseThrow(
        () -> HttpError.notFound("no key '" + Printable.of(key) + "' in namespace '" + ns.name() + "'"));
    // the stored text as is, chunk by chunk: no tree, and no copy of a large value into one array
    resp.setStatus(200);
    resp.setContentType("application/json");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-store"); // the headers writeJson sets
    resp.setContentLength(e.jsonLength());
    try (OutputStream out = resp.getOutputStream()) {
      e.writeJson(out);
    }
  }

  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Target t = target(req);
    String key = t.requireKey();
    Duration ttl = ttl(req);
    KvNamespace ns = authorized(req, RenOperation.KV_PUT, t); // before a byte of the body is read
    byte[] text = readJsonText(req);
    // checked and compacted by a streaming copy: a value costs its text, never a tree (~30 times it for [{},...])
    long version = ttl == null ? ns.putJson(key, text) : ns.putJson(key, text, ttl);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("success", true);
    body.put("version", version);
    writeJson(resp, 200, body);
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Target t = target(req);
    String key = t.requireKey();
    boolean deleted = authorized(req, RenOperation.KV_DELETE, t).delete(key);
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
    KvNamespace ns = authorized(req, RenOperation.KV_LIST, t); // before the query is read
    ObjectNode q = readJsonObject(req, Math.min(maxBodyBytes, MAX_QUERY_BYTES), true);
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
    KvPage page = ns.list(prefix == null ? "" : prefix, limit, cursor == null || cursor.isEmpty() ? null : cursor);
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

  /**
   * The body of a PUT as it arrived, held to the rules of {@link #readJson} that come before parsing: a body that
   * is not JSON by its {@code Content-Type} is {@code 415} before it is read, one over the limit {@code 413}, one
   * that trickles {@code 408}. Parsing (empty, malformed, trailing content, nesting over
   * {@value JsonServlet#MAX_JSON_DEPTH}) is the store's, in {@link KvNamespace#putJson}, and answers
   * {@code 400 invalid_json} as {@link #readJson} does.
   */
  private byte[] readJsonText(HttpServletRequest req) throws IOException {
    if (req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null) {
      requireJsonContentType(req); // before a byte is read, as readJson does
    }
    byte[] body = readBody(req, maxBodyBytes);
    if (body.length > 0) {
      requireJsonContentType(req); // a body of undeclared length (HTTP/2 without content-length)
    }
    return body;
  }

  /**
   * The store's bounds: {@code 413} for one value too large, {@code 507} for a full store; a value that is not one
   * JSON value {@code 400 invalid_json}; a backend that cannot be reached {@code 503 kv_unavailable} with
   * {@code Retry-After: 1} ({@link KvUnavailableException}); the rest as usual.
   */
  @Override
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof KvInvalidJsonException invalid) {
      return new HttpError(400, "invalid_json", String.valueOf(invalid.getMessage()));
    }
    if (e instanceof KvValueTooLargeException tooLarge) {
      return HttpError.tooLarge(String.valueOf(tooLarge.getMessage()));
    }
    if (e instanceof KvStoreFullException full) {
      return new HttpError(507, "insufficient_storage", String.valueOf(full.getMessage()));
    }
    if (e instanceof KvUnavailableException unavailable) {
      LOG.log(System.Logger.Level.WARNING, req.getMethod() + " " + req.getRequestURI() + ": the KV store is"
          + " unavailable: " + unavailable.getMessage());
      return new HttpError(503, "kv_unavailable", "the KV store is unavailable; retry shortly")
          .withHeader("Retry-After", "1");
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

  /**
   * Refuses ({@code 401}/{@code 403}) unless the policy allows {@code op} on the target to the request's caller;
   * returns the target's namespace in the caller's tenant.
   */
  private KvNamespace authorized(HttpServletRequest req, RenOperation op, Target t) {
    RenCaller caller = security().authorize(req, op, RenResource.kv(t.ns, t.key));
    return store.tenant(caller.tenant()).namespace(t.ns);
  }

  private Target target(HttpServletRequest req) {
    String rest = rawRest(req);
    int slash = rest.indexOf('/');
    String nsRaw = slash < 0 ? rest : rest.substring(0, slash);
    if (nsRaw.isEmpty()) {
      throw new HttpError(400, "invalid_namespace", "the path must name a namespace: /api/kv/{ns}/{key}");
    }
    String ns;
    try {
      ns = KvKey.checkNamespace(decode(nsRaw)); // validated only: nothing is touched before authorization
    } catch (IllegalArgumentException e) {
      // not a plain mapping for toHttpError: the store's IllegalArgumentException means invalid_namespace only
      // here; from a key, value or cursor it is the generic bad_request that JsonServlet answers
      throw new HttpError(400, "invalid_namespace", String.valueOf(e.getMessage()));
    }
    String key = slash < 0 ? null : decode(rest.substring(slash + 1));
    return new Target(ns, key);
  }

  private record Target(String ns, @Nullable String key) {
    String requireKey() {
      if (key == null || key.isEmpty()) {
        throw new HttpError(400, "invalid_key", "the key must not be empty: /api/kv/{ns}/{key}");
      }
      return key;
    }
  }
}
