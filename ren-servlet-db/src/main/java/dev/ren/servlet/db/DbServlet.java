package dev.ren.servlet.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.db.Collection;
import dev.ren.db.DeleteResult;
import dev.ren.db.Document;
import dev.ren.db.DocumentStore;
import dev.ren.db.DocumentStoreFullException;
import dev.ren.db.DuplicateIdException;
import dev.ren.db.FindOptions;
import dev.ren.db.IndexInfo;
import dev.ren.db.RevisionConflictException;
import dev.ren.db.UpdateResult;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The HTTP binding of a {@link DocumentStore}, mapped at {@code /api/db/*} (shapes of the Maravilla development
 * server; the caller's {@code X-Ren-Client} becomes the events' {@code src}):
 * <ul>
 *   <li>{@code PUT {c}} body = document → {@code {"id"}}</li>
 *   <li>{@code POST {c}} body {@code {filter?, options?:{limit, skip, sort}}} → array of documents</li>
 *   <li>{@code POST {c}/findOne} body = filter → the document (its revision in {@code X-Ren-Revision}) or
 *       {@code 404}</li>
 *   <li>{@code POST {c}/update} body {@code {filter, update, many?, expectedRevision?}} →
 *       {@code {matched, modified, matchedCount, modifiedCount}}; one document unless {@code many: true}</li>
 *   <li>{@code DELETE {c}/delete} body = filter → {@code {deleted, deletedCount}}; one document unless the query
 *       has {@code many=true}</li>
 *   <li>{@code GET {c}/indexes} → {@code [{name, fields}]}; {@code POST {c}/indexes} {@code {fields:[..]}} or
 *       {@code {keys:{path:1}}} → {@code {name}}; {@code DELETE {c}/indexes/{name}} → {@code {dropped:true}} or
 *       {@code 404}</li>
 * </ul>
 * A filter or document body may also be wrapped as {@code {"filter": {...}}}. Malformed JSON, a non-object
 * document, an unknown operator, a filter over one of the store's filter bounds (by default nested deeper than 32
 * levels, over 256 {@code $and}/{@code $or} branches, 1,000 {@code $in} values or 4,096 values; the message names
 * the setting) or a bad collection name ({@code [A-Za-z0-9_.-]{1,64}}) is a {@code 400}, a body over the limit
 * {@code 413}, a duplicate {@code _id} or a stale {@code expectedRevision} {@code 409}, and an insert or index that
 * would create a collection beyond the store's {@code maxCollections}
 * {@code 507 {"error":"insufficient_storage","message","setting":"maxCollections","limit"}}; nothing is written in
 * any of these cases. A read, update, delete or index call on a collection that does not exist answers as on an
 * empty one ({@code []}, {@code 404} for findOne and an index drop, zero counts) and creates nothing. A write that was applied
 * but whose event could not be published answers {@code 503} {@code {"error":"not_published",...,"applied":true}}
 * (see {@link dev.ren.AppliedButNotPublishedException}): the change is stored, so the client must not repeat it.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new DbServlet(store)), DbServlet.PATH);
 * }</pre>
 *
 * <p><b>Security.</b> Every route is authorized by the servlet's {@link RenSecurity} before the store is touched:
 * {@code PUT} as {@link RenOperation#DB_INSERT}, a find or findOne as {@code DB_FIND}, update {@code DB_UPDATE},
 * delete {@code DB_DELETE}, and listing, creating or dropping an index {@code DB_INDEX}, on
 * {@code RenResource.db(collection, null, null)}; refused is {@code 401} (anonymous) or {@code 403}, and nothing is
 * changed or published. Each caller works in its tenant's collections ({@link DocumentStore#tenant}), whose events
 * carry the tenant. The field {@value DocumentStore#OWNER_FIELD} is reserved: a document or update naming it is a
 * {@code 400}. In a collection the policy owns ({@code AccessRules.owned("db", pattern)}) an insert records the
 * caller's user as the document's owner, and a find, update or delete reaches only the caller's documents (and
 * those without an owner) unless the policy allows the caller every owner's (an administrator); the events of an
 * owned document carry its owner as {@code uid}, so only the owner's streams receive them.
 *
 * <p>Thread-safety: stateless apart from the store (thread-safe); safe for concurrent requests.
 */
public final class DbServlet extends JsonServlet {

  /** Default mapping. */
  public static final String PATH = "/api/db/*";

  private static final Set<String> FIND_KEYS = Set.of("filter", "options");
  private static final Set<String> UPDATE_KEYS = Set.of("filter", "update", "many", "expectedRevision");

  private final long maxBody;
  private final DbAccess access;

  /**
   * Largest body of a find, findOne, delete or index request: 64 KiB (or the document limit, if smaller). A filter is
   * parsed into a tree before its bounds are checked, and a tree costs about 30 times its JSON: a 1 MiB filter of
   * empty branches would cost ~30 MB per request, a few of them a small heap.
   */
  public static final long MAX_QUERY_BODY = 64 << 10;

  private long queryBody() {
    return Math.min(maxBody, MAX_QUERY_BODY);
  }

  /** A binding whose {@link RenSecurity} is the servlet context's ({@link RenSecurity#ATTRIBUTE}). */
  public DbServlet(DocumentStore store) {
    this(store, DEFAULT_MAX_BODY);
  }

  /** A binding whose {@link RenSecurity} is the servlet context's ({@link RenSecurity#ATTRIBUTE}). */
  public DbServlet(DocumentStore store, long maxBodyBytes) {
    this(store, maxBodyBytes, null);
  }

  /** A binding authorizing with {@code security} (null: the servlet context's). */
  public DbServlet(DocumentStore store, @Nullable RenSecurity security) {
    this(store, DEFAULT_MAX_BODY, security);
  }

  /** A binding authorizing with {@code security} (null: the servlet context's). */
  public DbServlet(DocumentStore store, long maxBodyBytes, @Nullable RenSecurity security) {
    super(null, security);
    this.access = new DbAccess(Objects.requireNonNull(store, "store"), this::security);
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be >= 1, was " + maxBodyBytes);
    }
    this.maxBody = maxBodyBytes;
  }

  /**
   * Maps the store's conflicts ({@link DuplicateIdException}, {@link RevisionConflictException}) to {@code 409} and
   * a full store ({@link DocumentStoreFullException}) to {@code 507 insufficient_storage} naming the setting and its
   * value (507, not 429: the store is full for everyone, whoever filled it; it frees up as collections are emptied);
   * everything else as {@link JsonServlet} does (bad input {@code 400}, an applied change whose event could not be
   * published {@code 503 not_published} with {@code "applied":true}).
   */
  @Override
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof DuplicateIdException || e instanceof RevisionConflictException) {
      return HttpError.conflict(String.valueOf(e.getMessage()));
    }
    if (e instanceof DocumentStoreFullException full) {
      return new HttpError(507, "insufficient_storage", String.valueOf(full.getMessage()),
          Map.of("setting", full.setting(), "limit", full.limit()));
    }
    return super.toHttpError(req, e);
  }

  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String[] p = path(req);
    if (p.length != 1) {
      throw HttpError.notFound("no such db route: PUT " + req.getRequestURI());
    }
    RenCaller caller = access.authorize(req, RenOperation.DB_INSERT, p[0], null);
    Collection c = access.storeOf(caller).collection(p[0]);
    ObjectNode doc = access.stamp(caller, p[0], readJsonObject(req, maxBody, false));
    String id = c.insertOne(doc);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("id", id);
    writeJson(resp, 200, body);
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String[] p = path(req);
    if (p.length == 1) {
      RenCaller caller = access.authorize(req, RenOperation.DB_FIND, p[0], null);
      find(req, resp, caller, access.storeOf(caller).collection(p[0]));
    } else if (p.length == 2 && p[1].equals("findOne")) {
      RenCaller caller = access.authorize(req, RenOperation.DB_FIND, p[0], null);
      Collection c = access.storeOf(caller).collection(p[0]);
      Optional<Document> doc = c.findOne(access.restrict(caller, RenOperation.DB_FIND, p[0],
          unwrapFilter(readJsonObject(req, queryBody(), true))));
      if (doc.isEmpty()) {
        throw HttpError.notFound("no document in '" + c.name() + "' matches the filter");
      }
      resp.setHeader("X-Ren-Revision", Long.toString(doc.get().revision()));
      writeJson(resp, 200, doc.get().json());
    } else if (p.length == 2 && p[1].equals("update")) {
      RenCaller caller = access.authorize(req, RenOperation.DB_UPDATE, p[0], null);
      update(req, resp, caller, access.storeOf(caller).collection(p[0]));
    } else if (p.length == 2 && p[1].equals("indexes")) {
      RenCaller caller = access.authorize(req, RenOperation.DB_INDEX, p[0], null);
      createIndex(req, resp, access.storeOf(caller).collection(p[0]));
    } else {
      throw HttpError.notFound("no such db route: POST " + req.getRequestURI());
    }
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String[] p = path(req);
    if (p.length == 2 && p[1].equals("indexes")) {
      RenCaller caller = access.authorize(req, RenOperation.DB_INDEX, p[0], null);
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (IndexInfo ix : access.storeOf(caller).collection(p[0]).listIndexes()) {
        ObjectNode o = out.addObject();
        o.put("name", ix.name());
        ArrayNode fields = o.putArray("fields");
        ix.fields().forEach(fields::add);
      }
      writeJson(resp, 200, out);
    } else {
      throw HttpError.notFound("no such db route: GET " + req.getRequestURI());
    }
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String[] p = path(req);
    if (p.length == 2 && p[1].equals("delete")) {
      RenCaller caller = access.authorize(req, RenOperation.DB_DELETE, p[0], null);
      Collection c = access.storeOf(caller).collection(p[0]);
      JsonNode filter = access.restrict(caller, RenOperation.DB_DELETE, p[0],
          unwrapFilter(readJsonObject(req, queryBody(), true)));
      DeleteResult r = "true".equals(req.getParameter("many")) ? c.deleteMany(filter) : c.deleteOne(filter);
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("deleted", r.deleted());
      body.put("deletedCount", r.deleted());
      writeJson(resp, 200, body);
    } else if (p.length == 3 && p[1].equals("indexes")) {
      RenCaller caller = access.authorize(req, RenOperation.DB_INDEX, p[0], null);
      if (!access.storeOf(caller).collection(p[0]).dropIndex(p[2])) {
        throw HttpError.notFound("no index '" + p[2] + "' on '" + p[0] + "'");
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("dropped", true);
      writeJson(resp, 200, body);
    } else {
      throw HttpError.notFound("no such db route: DELETE " + req.getRequestURI());
    }
  }

  private void find(HttpServletRequest req, HttpServletResponse resp, RenCaller caller, Collection c)
      throws IOException {
    ObjectNode body = readJsonObject(req, queryBody(), true);
    checkKeys(body, FIND_KEYS);
    FindOptions options = FindOptions.fromJson(body.get("options"));
    List<Document> docs = c.find(access.restrict(caller, RenOperation.DB_FIND, c.name(), body.get("filter")), options);
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (Document d : docs) {
      out.add(d.json());
    }
    writeJson(resp, 200, out);
  }

  private void update(HttpServletRequest req, HttpServletResponse resp, RenCaller caller, Collection c)
      throws IOException {
    ObjectNode body = readJsonObject(req, maxBody, false);
    checkKeys(body, UPDATE_KEYS);
    JsonNode update = body.get("update");
    if (update == null || !update.isObject()) {
      throw HttpError.badRequest("'update' must be an object: $set/$unset/$inc or a whole document");
    }
    DbAccess.checkUpdate(update);
    JsonNode filter = access.restrict(caller, RenOperation.DB_UPDATE, c.name(), body.get("filter"));
    boolean many = flag(body, "many");
    JsonNode expected = body.get("expectedRevision");
    UpdateResult r;
    if (expected != null && !expected.isNull()) {
      if (!expected.isIntegralNumber() || !expected.canConvertToLong()) {
        throw HttpError.badRequest("'expectedRevision' must be an integer, was " + expected);
      }
      if (many) {
        throw HttpError.badRequest("'expectedRevision' applies to one document; it cannot be used with many");
      }
      r = c.updateOne(filter, update, expected.longValue());
    } else {
      r = many ? c.updateMany(filter, update) : c.updateOne(filter, update);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("matched", r.matched());
    out.put("modified", r.modified());
    out.put("matchedCount", r.matched());
    out.put("modifiedCount", r.modified());
    writeJson(resp, 200, out);
  }

  private void createIndex(HttpServletRequest req, HttpServletResponse resp, Collection c) throws IOException {
    ObjectNode body = readJsonObject(req, queryBody(), false);
    checkKeys(body, Set.of("fields", "keys"));
    List<String> fields = new ArrayList<>();
    JsonNode list = body.get("fields");
    JsonNode keys = body.get("keys");
    if (list != null && list.isArray()) {
      for (JsonNode f : list) {
        if (!f.isTextual()) {
          throw HttpError.badRequest("'fields' must be an array of field paths");
        }
        fields.add(f.textValue());
      }
    } else if (keys != null && keys.isObject()) {
      keys.fieldNames().forEachRemaining(fields::add);
    } else {
      throw HttpError.badRequest("give the index as {\"fields\":[\"path\"]} or {\"keys\":{\"path\":1}}");
    }
    String name = c.createIndex(fields);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("name", name);
    writeJson(resp, 200, out);
  }

  private static boolean flag(ObjectNode body, String name) {
    JsonNode v = body.get(name);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw HttpError.badRequest("'" + name + "' must be true or false, was " + v);
    }
    return v.booleanValue();
  }

  /** {@code {"filter": {...}}} alone is a wrapped filter; anything else is the filter itself. */
  private static JsonNode unwrapFilter(ObjectNode body) {
    if (body.size() == 1 && body.has("filter") && body.get("filter").isObject()) {
      return body.get("filter");
    }
    return body;
  }

  private static void checkKeys(ObjectNode body, Set<String> allowed) {
    Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator();
    while (it.hasNext()) {
      String k = it.next().getKey();
      if (!allowed.contains(k)) {
        throw HttpError.badRequest("unknown field '" + (k.length() > 64 ? k.substring(0, 64) + "..." : k)
            + "' in request body; expected " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  private static String[] path(HttpServletRequest req) {
    String rest = rawRest(req);
    if (rest.isEmpty()) {
      throw HttpError.notFound("a collection name is required: /api/db/{collection}");
    }
    String[] parts = rest.split("/", -1);
    if (parts.length > 3) {
      throw HttpError.notFound("no such db route: " + req.getRequestURI());
    }
    for (int i = 0; i < parts.length; i++) {
      parts[i] = decode(parts[i]);
    }
    return parts;
  }
}
