package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.internal.Printable;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobKeys;
import dev.ren.storage.BlobPage;
import dev.ren.storage.BlobRead;
import dev.ren.storage.BlobStore;
import dev.ren.storage.UnreadableBlobException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;

import static dev.ren.servlet.http.JsonServlet.writeJson;

/**
 * The read routes: the listing ({@code GET /api/storage?prefix=&limit=&cursor=}), an object's info
 * ({@code GET {key}/metadata}) and its content ({@code GET|HEAD {key}}) with validators, conditionals and one
 * byte range ({@link Conditionals}). Each is authorized in the caller's tenant ({@link StorageAccess}): the listing
 * with {@code BLOB_LIST}, showing only the objects the caller may read; an object with {@code BLOB_GET} and its
 * owner. A signed download serves its one object with no other check ({@link #serveSigned}).
 *
 * <p>Thread-safety: immutable; safe for concurrent requests.
 */
final class ReadRoutes {

  private static final int DEFAULT_LIST_LIMIT = 100;
  /** How often serving retries when the object is replaced between reading its info and opening it. */
  private static final int MAX_SERVE_ATTEMPTS = 3;

  /** Decides, for the version about to be served (null: absent), whether the request may read it. */
  @FunctionalInterface
  private interface ReadCheck {
    void check(@Nullable BlobInfo current);
  }

  private final StorageAccess access;

  ReadRoutes(StorageAccess access) {
    this.access = access;
  }

  /**
   * {@code [{key,size,contentType,etag,lastModified,metadata}]} of the caller's tenant, only the objects the caller
   * may read (an owned namespace lists the caller's own); the next cursor (if any) in {@code X-Next-Cursor}.
   */
  void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    RenCaller caller = access.security().authorize(req, RenOperation.BLOB_LIST, access.resource(null, null));
    BlobStore store = access.storeOf(caller);
    StorageQueryParams q = StorageQueryParams.of(req);
    String prefix = q.get("prefix");
    int limit = DEFAULT_LIST_LIMIT;
    String l = q.get("limit");
    if (l != null && !l.isEmpty()) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        throw HttpError.badRequest("limit must be an integer 1-1000, was '" + Printable.of(l) + "'");
      }
    }
    BlobPage page = store.list(prefix == null ? "" : prefix, limit, q.get("cursor"),
        info -> access.visible(caller, info));
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    page.items().forEach(i -> out.add(StorageJson.info(i)));
    String next = page.nextCursor();
    if (next != null) {
      resp.setHeader("X-Next-Cursor", next);
    }
    writeJson(resp, 200, out);
  }

  /** The object's info, to a caller allowed {@code BLOB_GET} on it. */
  void metadata(String rawKey, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    BlobStore store = access.storeOf(access.caller(req));
    BlobInfo info = access.authorize(req, store, RenOperation.BLOB_GET, key);
    if (info == null) {
      throw notFound(key);
    }
    writeJson(resp, 200, StorageJson.info(info));
  }

  /** {@link #serve serves} the object to a caller allowed {@code BLOB_GET} on the version served. */
  void serveAuthorized(String rawKey, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    BlobStore store = access.storeOf(access.caller(req));
    RenSecurity security = access.security();
    serve(store, key, req, resp, current -> security.authorize(req, RenOperation.BLOB_GET,
        access.resource(key, current == null ? null : current.owner())));
  }

  /** {@link #serve serves} the object of a verified download URL, in its tenant; the signature is the authority. */
  void serveSigned(@Nullable String tenant, String key, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    serve(access.storeOf(tenant), BlobKeys.canonical(key), req, resp, current -> { });
  }

  /**
   * Streams the object (or its requested range) with {@code ETag}, {@code Last-Modified}, {@code nosniff} and a
   * {@code sandbox} CSP; {@code 304} when the request's validators match. Headers and bytes always describe one
   * version, the one {@code check} allowed: if the object is replaced between reading its info and opening it,
   * serving starts over (and checks again).
   */
  private void serve(BlobStore store, String key, HttpServletRequest req, HttpServletResponse resp,
      ReadCheck check) throws IOException {
    for (int attempt = 0; attempt < MAX_SERVE_ATTEMPTS; attempt++) {
      BlobInfo info;
      try {
        info = store.head(key).orElse(null);
      } catch (UnreadableBlobException damaged) {
        check.check(null); // a refused caller learns nothing about the object, not even that it is damaged
        throw damaged;
      }
      check.check(info);
      if (info == null) {
        throw notFound(key);
      }
      if (Conditionals.notModified(req, info)) {
        validators(resp, info);
        resp.setStatus(304);
        return;
      }
      Conditionals.ByteRange range;
      try {
        range = Conditionals.range(req, info);
      } catch (Conditionals.Unsatisfiable e) {
        validators(resp, info);
        resp.setHeader("Content-Range", e.contentRange());
        throw new HttpError(416, "range_not_satisfiable", "range '" + Printable.of(req.getHeader("Range"))
            + "' is outside the object's " + info.size() + " bytes");
      }
      Optional<BlobRead> opened = range == null ? store.get(key)
          : store.get(key, range.first(), range.length());
      if (opened.isEmpty()) {
        throw notFound(key);
      }
      try (BlobRead read = opened.get()) {
        if (!read.info().etag().equals(info.etag()) || !Objects.equals(read.info().owner(), info.owner())) {
          continue; // replaced between head and open: answer for one version only, the one checked
        }
        // set only now: a version that was replaced (and may be refused on the next attempt) leaves no header
        validators(resp, info);
        resp.setContentType(info.contentType());
        resp.setHeader("Content-Security-Policy", "sandbox");
        resp.setContentLengthLong(read.length());
        if (range != null) {
          resp.setStatus(206);
          resp.setHeader("Content-Range", range.contentRange());
        } else {
          resp.setStatus(200);
        }
        if (!"HEAD".equals(req.getMethod())) {
          try (OutputStream out = resp.getOutputStream()) {
            read.stream().transferTo(out);
          }
        }
        return;
      }
    }
    throw new HttpError(409, "conflict", "object '" + Printable.of(key) + "' kept changing while being read; retry");
  }

  private static void validators(HttpServletResponse resp, BlobInfo info) {
    resp.setHeader("ETag", Conditionals.quote(info.etag()));
    resp.setHeader("Last-Modified", Conditionals.httpDate(info.lastModified()));
    resp.setHeader("Accept-Ranges", "bytes");
    resp.setHeader("Cache-Control", "no-cache");
    resp.setHeader("X-Content-Type-Options", "nosniff");
  }

  private static HttpError notFound(String key) {
    return HttpError.notFound("object '" + Printable.of(key) + "' does not exist");
  }
}
