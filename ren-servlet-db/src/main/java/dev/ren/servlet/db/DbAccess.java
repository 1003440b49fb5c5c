package dev.ren.servlet.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.access.AccessRules;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.db.DocumentStore;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How the document routes ask the access policy, and how they keep owned documents their owner's.
 *
 * <ul>
 *   <li>Every route is authorized first ({@link #authorize}: {@code 401}/{@code 403}, nothing read or written) and
 *       works in the caller's tenant ({@link DocumentStore#tenant}).</li>
 *   <li>{@value DocumentStore#OWNER_FIELD} is reserved: a client document or update that names it is a
 *       {@code 400}; the owner is only ever the authenticated caller's user, recorded on insert into a collection
 *       the policy owns ({@link AccessRules#isOwned AccessRules.isOwned("db", collection)}).</li>
 *   <li>In an owned collection a find, update or delete reaches only the caller's own documents and those without
 *       an owner (the filter is ANDed with that), unless the policy allows the operation on another user's document
 *       (an administrator).</li>
 * </ul>
 *
 * <p>Thread-safety: immutable; safe for concurrent requests.
 */
final class DbAccess {

  /** An owner no caller can be: asking about it tells whether the caller may act on every owner's documents. */
  private static final String ANOTHER_OWNER = "\u0000another owner";
  private static final String OWNER = DocumentStore.OWNER_FIELD;

  private final DocumentStore store;
  private final Supplier<RenSecurity> security;

  /** @param security the servlet's security, known once it is initialised */
  DbAccess(DocumentStore store, Supplier<RenSecurity> security) {
    this.store = store;
    this.security = security;
  }

  /**
   * Refuses {@code op} on {@code collection} unless the policy allows it; returns the caller.
   *
   * @throws HttpError {@code 401}/{@code 403} when refused
   */
  RenCaller authorize(HttpServletRequest req, RenOperation op, String collection, @Nullable String id) {
    return security.get().authorize(req, op, RenResource.db(collection, id, null));
  }

  /** The store as the caller's tenant sees it. */
  DocumentStore storeOf(RenCaller caller) {
    return store.tenant(caller.tenant());
  }

  /** Whether the policy makes {@code collection}'s documents their owners'. */
  boolean owned(String collection) {
    return security.get().policy() instanceof AccessRules rules && rules.isOwned("db", collection);
  }

  /**
   * {@code filter} narrowed to what {@code caller} may reach with {@code op}: unchanged outside an owned collection
   * or for a caller allowed on every owner's documents; else ANDed with "owned by the caller, or by no one".
   */
  JsonNode restrict(RenCaller caller, RenOperation op, String collection, @Nullable JsonNode filter) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (!owned(collection)
        || security.get().allows(caller, op, RenResource.db(collection, null, ANOTHER_OWNER))) {
      return filter == null ? f.objectNode() : filter; // an empty filter matches everything, as null does
    }
    ObjectNode unowned = f.objectNode();
    unowned.putObject(OWNER).put("$exists", false);
    ObjectNode mine;
    String user = caller.user();
    if (user == null) {
      mine = unowned;
    } else {
      mine = f.objectNode();
      ArrayNode or = mine.putArray("$or");
      or.addObject().put(OWNER, user);
      or.add(unowned);
    }
    if (filter == null || filter.isNull() || (filter.isObject() && filter.isEmpty())) {
      return mine;
    }
    ObjectNode and = f.objectNode();
    and.putArray("$and").add(filter).add(mine);
    return and;
  }

  /**
   * Refuses a client-given owner ({@code 400}) and, in an owned collection, records the caller's user as the
   * document's owner.
   */
  ObjectNode stamp(RenCaller caller, String collection, ObjectNode doc) {
    if (doc.has(OWNER)) {
      throw HttpError.badRequest("'" + OWNER + "' is reserved: the owner of a document is its authenticated"
          + " creator, set by the server");
    }
    String user = caller.user();
    if (user != null && owned(collection)) {
      doc.put(OWNER, user);
    }
    return doc;
  }

  /** Refuses ({@code 400}) an update that would set, change or remove a document's owner. */
  static void checkUpdate(JsonNode update) {
    Iterator<Map.Entry<String, JsonNode>> it = update.properties().iterator();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (namesOwner(e.getKey())) {
        throw ownerRefused();
      }
      if (e.getKey().startsWith("$") && e.getValue().isObject()) {
        Iterator<String> paths = e.getValue().fieldNames();
        while (paths.hasNext()) {
          if (namesOwner(paths.next())) {
            throw ownerRefused();
          }
        }
      }
    }
  }

  private static boolean namesOwner(String path) {
    return path.equals(OWNER) || path.startsWith(OWNER + ".");
  }

  private static HttpError ownerRefused() {
    return HttpError.badRequest("'" + OWNER + "' is reserved: an update cannot set, change or remove a document's"
        + " owner");
  }
}
