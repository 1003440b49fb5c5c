package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.internal.Printable;
import dev.ren.servlet.http.HttpError;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobPage;
import dev.ren.storage.BlobRead;
import dev.ren.storage.BlobStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

import static dev.ren.servlet.http.JsonServlet.writeJson;

/**
 * The read routes: the listing ({@code GET /api/storage?prefix=&limit=&cursor=}), an object's info
 * ({@code GET {key}/metadata}) and its content ({@code GET|HEAD {key}}) with validators, conditionals and one
 * byte range ({@link Conditionals}).
 *
 * <p>Thread-safety: immutable; safe for concurrent requests.
 */
final class ReadRoutes {

  private static final int DEFAULT_LIST_LIMIT = 100;
  /** How often serving retries when the object is replaced between reading its info and opening it. */
  private static final int MAX_SERVE_ATTEMPTS = 3;

  private final BlobStore store;

  ReadRoutes(BlobStore store) {
    this.store = store;
  }

  /** {@code [{key,size,contentType,etag,lastModified,metadata}]}, the next cursor (if any) in {@code X-Next-Cursor}. */
  void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
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
    BlobPage page = store.list(prefix == null ? "" : prefix, limit, q.get("cursor"));
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    page.items().forEach(i -> out.add(StorageJson.info(i)));
    String next = page.nextCursor();
    if (next != null) {
      resp.setHeader("X-Next-Cursor", next);
    }
    writeJson(resp, 200, out);
  }

  void metadata(String key, HttpServletResponse resp) throws IOException {
    writeJson(resp, 200, StorageJson.info(head(key)));
  }

  /**
   * Streams the object (or its requested range) with {@code ETag}, {@code Last-Modified}, {@code nosniff} and a
   * {@code sandbox} CSP; {@code 304} when the request's validators match. Headers and bytes always describe one
   * version: if the object is replaced between reading its info and opening it, serving starts over.
   */
  void serve(String key, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    for (int attempt = 0; attempt < MAX_SERVE_ATTEMPTS; attempt++) {
      BlobInfo info = head(key);
      resp.setHeader("ETag", Conditionals.quote(info.etag()));
      resp.setHeader("Last-Modified", Conditionals.httpDate(info.lastModified()));
      resp.setHeader("Accept-Ranges", "bytes");
      resp.setHeader("Cache-Control", "no-cache");
      resp.setHeader("X-Content-Type-Options", "nosniff");
      if (Conditionals.notModified(req, info)) {
        resp.setStatus(304);
        return;
      }
      Conditionals.ByteRange range;
      try {
        range = Conditionals.range(req, info);
      } catch (Conditionals.Unsatisfiable e) {
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
        if (!read.info().etag().equals(info.etag())) {
          continue; // replaced between head and open: answer for one version only
        }
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

  private BlobInfo head(String key) throws IOException {
    return store.head(key).orElseThrow(() -> notFound(key));
  }

  private static HttpError notFound(String key) {
    return HttpError.notFound("object '" + Printable.of(key) + "' does not exist");
  }
}
