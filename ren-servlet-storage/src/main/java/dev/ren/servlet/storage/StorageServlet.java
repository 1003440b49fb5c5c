package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.storage.BlobConflictException;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobPage;
import dev.ren.storage.BlobRead;
import dev.ren.storage.BlobStore;
import dev.ren.storage.BlobTooLargeException;
import dev.ren.storage.PresignException;
import dev.ren.storage.PresignedUrl;
import dev.ren.storage.Presigner;
import dev.ren.storage.PutOptions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The HTTP binding of a {@link BlobStore} (Maravilla dev-server shapes), mapped at {@code /api/storage} and
 * {@code /api/storage/*}:
 * <ul>
 *   <li>{@code PUT|GET|DELETE /api/storage/{key}} — the key as a raw path or one {@code %2F}-encoded segment;
 *       {@code PUT} takes {@code Content-Type}, optional {@code X-Metadata: <json object>} and {@code If-Match};
 *       {@code GET} serves the stored type with {@code ETag}, {@code Last-Modified}, {@code Content-Length},
 *       {@code X-Content-Type-Options: nosniff}, honours {@code If-None-Match} (304) and one {@code Range}.</li>
 *   <li>{@code GET /api/storage?prefix=&limit=&cursor=} → {@code [{key,size,contentType,etag,lastModified,metadata}]}
 *       (the next cursor, if any, in {@code X-Next-Cursor}); {@code GET /api/storage/{key}/metadata}.</li>
 *   <li>{@code POST /api/storage/upload-url} {@code {key, content_type, size_limit, expires_in?}} →
 *       {@code {url, method, headers, expiresIn}}; a {@code PUT} to that URL stores silently;
 *       {@code POST /api/storage/confirm} {@code {key}} announces it ({@code 404} if it did not land);
 *       {@code POST /api/storage/download-url} {@code {key, expires_in}} → a signed {@code GET} URL.</li>
 *   <li>{@code POST /api/storage/upload?path={key}} and {@code DELETE /api/storage/delete?path={key}}.</li>
 * </ul>
 * Stored content is served with {@code Content-Security-Policy: sandbox}, so an uploaded HTML page cannot run
 * script with this origin's privileges.
 *
 * <pre>{@code
 * StorageServlet storage = new StorageServlet(BlobStore.fileSystem(dataDir.resolve("blobs"), hub), Presigner.create());
 * context.addServlet(new ServletHolder(storage), "/api/storage");
 * context.addServlet(new ServletHolder(storage), "/api/storage/*");
 * }</pre>
 *
 * <p>Thread-safety: stateless apart from configuration; safe for concurrent requests.
 */
public final class StorageServlet extends JsonServlet {

  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Default largest object accepted over HTTP: 5 GiB. */
  public static final long DEFAULT_MAX_UPLOAD = 5L << 30;
  private static final Duration DEFAULT_URL_TTL = Duration.ofHours(1);
  private static final int DEFAULT_LIST_LIMIT = 100;
  private static final long MAX_JSON = 64 * 1024;
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private final BlobStore store;
  private final Presigner presigner;
  private final long maxUploadBytes;

  public StorageServlet(BlobStore store, Presigner presigner) {
    this(store, presigner, DEFAULT_MAX_UPLOAD);
  }

  /** @param maxUploadBytes the largest object a plain {@code PUT} or {@code POST upload} may store */
  public StorageServlet(BlobStore store, Presigner presigner, long maxUploadBytes) {
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("max upload must be >= 1 byte, was " + maxUploadBytes);
    }
    this.store = store;
    this.presigner = presigner;
    this.maxUploadBytes = maxUploadBytes;
  }

  @FunctionalInterface
  private interface Action {
    void run() throws IOException;
  }

  /** Turns the store's typed failures into their 4xx answers. */
  private static void guarded(Action action) throws IOException {
    try {
      action.run();
    } catch (BlobTooLargeException e) {
      throw HttpError.tooLarge(e.getMessage());
    } catch (BlobConflictException e) {
      throw HttpError.conflict(e.getMessage());
    } catch (PresignException e) {
      String code = switch (e.reason()) {
        case EXPIRED -> "signature_expired";
        case BAD_SIGNATURE -> "invalid_signature";
        case MALFORMED -> "malformed_signature";
      };
      throw new HttpError(403, code, e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------------------ routing

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    guarded(() -> {
      if (rest.isEmpty()) {
        list(req, resp);
      } else if (rest.endsWith("/metadata") && rest.length() > "/metadata".length()) {
        metadata(decode(rest.substring(0, rest.length() - "/metadata".length())), resp);
      } else {
        String key = decode(rest);
        StorageQueryParams q = StorageQueryParams.of(req);
        if (Presigner.isPresigned(q::get)) {
          presigner.verifyDownload(key, q::get);
        }
        serve(key, req, resp);
      }
    });
  }

  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    if (rest.isEmpty()) {
      throw HttpError.methodNotAllowed("PUT");
    }
    String key = decode(rest);
    guarded(() -> {
      StorageQueryParams q = StorageQueryParams.of(req);
      if (Presigner.isPresigned(q::get)) {
        presignedPut(key, q, req, resp);
      } else {
        put(key, req, resp, true);
      }
    });
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    guarded(() -> {
      switch (rest) {
        case "upload-url" -> uploadUrl(req, resp);
        case "download-url" -> downloadUrl(req, resp);
        case "confirm" -> confirm(req, resp);
        case "upload" -> put(requiredPath(req), req, resp, false);
        default -> throw HttpError.notFound("no storage route POST /api/storage/" + rest
            + "; use upload-url, download-url, confirm or upload?path=");
      }
    });
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    if (rest.isEmpty()) {
      throw HttpError.methodNotAllowed("DELETE");
    }
    String path = StorageQueryParams.of(req).get("path");
    String key = rest.equals("delete") && path != null ? path : decode(rest);
    guarded(() -> {
      boolean deleted = store.delete(key);
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("key", key);
      body.put("deleted", deleted);
      writeJson(resp, 200, body);
    });
  }

  // ------------------------------------------------------------------------------------------------ writes

  private void put(String key, HttpServletRequest req, HttpServletResponse resp, boolean plainPut)
      throws IOException {
    long declared = req.getContentLengthLong();
    if (declared > maxUploadBytes) {
      throw HttpError.tooLarge("object is " + declared + " bytes; the limit is " + maxUploadBytes);
    }
    PutOptions options = PutOptions.of(req.getContentType())
        .withMetadata(metadataHeader(req))
        .withMaxBytes(maxUploadBytes);
    String ifMatch = req.getHeader("If-Match");
    if (plainPut && ifMatch != null) {
      options = options.withIfMatch(ifMatch);
    }
    BlobInfo info;
    try (InputStream in = req.getInputStream()) {
      info = store.put(key, in, options);
    } catch (BlobConflictException e) {
      if (ifMatch != null) {
        throw new HttpError(412, "precondition_failed", e.getMessage());
      }
      throw e;
    }
    resp.setHeader("ETag", quote(info.etag()));
    writeJson(resp, 200, infoJson(info, true));
  }

  private void presignedPut(String key, StorageQueryParams q, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    Presigner.UploadGrant grant = presigner.verifyUpload(key, q::get);
    String type = req.getContentType();
    if (type == null || !type.trim().equalsIgnoreCase(grant.contentType())) {
      throw new HttpError(415, "wrong_content_type", "this upload URL was signed for Content-Type '"
          + grant.contentType() + "', the request has '" + type + "'");
    }
    long declared = req.getContentLengthLong();
    if (declared > grant.sizeLimit()) {
      throw HttpError.tooLarge("object is " + declared + " bytes; this upload URL allows " + grant.sizeLimit());
    }
    BlobInfo info;
    try (InputStream in = req.getInputStream()) {
      info = store.put(key, in, PutOptions.of(grant.contentType()).withMetadata(metadataHeader(req))
          .withMaxBytes(grant.sizeLimit()).withPublish(false));
    }
    resp.setHeader("ETag", quote(info.etag()));
    writeJson(resp, 200, infoJson(info, true));
  }

  private void uploadUrl(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ObjectNode body = readJsonObject(req, MAX_JSON, false);
    String key = requiredText(body, "key");
    String type = text(body, "content_type", "contentType");
    long limit = number(body, maxUploadBytes, "size_limit", "sizeLimit");
    if (limit > maxUploadBytes) {
      throw HttpError.badRequest("size_limit " + limit + " exceeds this server's limit of " + maxUploadBytes);
    }
    long ttl = number(body, DEFAULT_URL_TTL.toSeconds(), "expires_in", "expiresIn");
    PresignedUrl url = presigner.generateUploadUrl(key, type == null ? "application/octet-stream" : type, limit,
        Duration.ofSeconds(ttl));
    writeJson(resp, 200, urlJson(req, url));
  }

  private void downloadUrl(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ObjectNode body = readJsonObject(req, MAX_JSON, false);
    String key = requiredText(body, "key");
    long ttl = number(body, DEFAULT_URL_TTL.toSeconds(), "expires_in", "expiresIn");
    if (store.head(key).isEmpty()) {
      throw HttpError.notFound("object '" + key + "' does not exist");
    }
    writeJson(resp, 200, urlJson(req, presigner.generateDownloadUrl(key, Duration.ofSeconds(ttl))));
  }

  private void confirm(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ObjectNode body = readJsonObject(req, MAX_JSON, false);
    String key = requiredText(body, "key");
    BlobInfo info = store.confirm(key).orElseThrow(
        () -> HttpError.notFound("object '" + key + "' has not been uploaded"));
    writeJson(resp, 200, infoJson(info, true));
  }

  // ------------------------------------------------------------------------------------------------ reads

  private void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    StorageQueryParams q = StorageQueryParams.of(req);
    String prefix = q.get("prefix") == null ? "" : q.get("prefix");
    int limit = DEFAULT_LIST_LIMIT;
    String l = q.get("limit");
    if (l != null && !l.isEmpty()) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        throw HttpError.badRequest("limit must be an integer 1-1000, was '" + l + "'");
      }
    }
    BlobPage page = store.list(prefix, limit, q.get("cursor"));
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    page.items().forEach(i -> out.add(infoJson(i, true)));
    if (page.nextCursor() != null) {
      resp.setHeader("X-Next-Cursor", page.nextCursor());
    }
    writeJson(resp, 200, out);
  }

  private void metadata(String key, HttpServletResponse resp) throws IOException {
    BlobInfo info = store.head(key).orElseThrow(() -> HttpError.notFound("object '" + key + "' does not exist"));
    writeJson(resp, 200, infoJson(info, true));
  }

  private void serve(String key, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    for (int attempt = 0; attempt < 3; attempt++) {
      BlobInfo info = store.head(key).orElseThrow(() -> HttpError.notFound("object '" + key + "' does not exist"));
      String etag = quote(info.etag());
      resp.setHeader("ETag", etag);
      resp.setHeader("Last-Modified", HTTP_DATE.format(info.lastModified().atZone(ZoneOffset.UTC)));
      resp.setHeader("Accept-Ranges", "bytes");
      resp.setHeader("Cache-Control", "no-cache");
      resp.setHeader("X-Content-Type-Options", "nosniff");
      if (notModified(req, info)) {
        resp.setStatus(304);
        return;
      }
      long[] range = range(req, info, etag);
      if (range != null && range[0] < 0) {
        resp.setHeader("Content-Range", "bytes */" + info.size());
        throw new HttpError(416, "range_not_satisfiable", "range '" + req.getHeader("Range")
            + "' is outside the object's " + info.size() + " bytes");
      }
      long offset = range == null ? 0 : range[0];
      long length = range == null ? -1 : range[1] - range[0] + 1;
      Optional<BlobRead> opened = store.get(key, offset, length);
      if (opened.isEmpty()) {
        throw HttpError.notFound("object '" + key + "' does not exist");
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
          resp.setHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + info.size());
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
    throw new HttpError(409, "conflict", "object '" + key + "' kept changing while being read; retry");
  }

  private static boolean notModified(HttpServletRequest req, BlobInfo info) {
    String inm = req.getHeader("If-None-Match");
    if (inm != null) {
      for (String tag : inm.split(",")) {
        String t = tag.trim();
        if (t.equals("*") || unquote(t).equals(info.etag())) {
          return true;
        }
      }
      return false;
    }
    String ims = req.getHeader("If-Modified-Since");
    if (ims != null) {
      try {
        Instant since = ZonedDateTime.parse(ims, HTTP_DATE).toInstant();
        return !info.lastModified().truncatedTo(ChronoUnit.SECONDS).isAfter(since);
      } catch (DateTimeParseException e) {
        return false; // an unparseable date is ignored, as RFC 9110 says
      }
    }
    return false;
  }

  /**
   * The one byte range asked for, as {@code [first, last]}; null to serve everything (no, several, malformed,
   * or stale-If-Range ranges); {@code [-1, -1]} when unsatisfiable.
   */
  private static long @Nullable [] range(HttpServletRequest req, BlobInfo info, String etag) {
    String h = req.getHeader("Range");
    if (h == null || !h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      return null;
    }
    String ifRange = req.getHeader("If-Range");
    if (ifRange != null && !ifRange.trim().equals(etag)) {
      return null;
    }
    String spec = h.substring("bytes=".length()).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    long size = info.size();
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      if (a.isEmpty()) {
        long n = Long.parseLong(b);
        if (n <= 0 || size == 0) {
          return new long[] {-1, -1};
        }
        return new long[] {Math.max(0, size - n), size - 1};
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
      if (first < 0 || last < first) {
        return null;
      }
      if (first >= size) {
        return new long[] {-1, -1};
      }
      return new long[] {first, Math.min(last, size - 1)};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------------------ JSON

  static ObjectNode infoJson(BlobInfo info, boolean withKey) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    if (withKey) {
      n.put("key", info.key());
    }
    n.put("size", info.size());
    n.put("contentType", info.contentType());
    n.put("etag", info.etag());
    n.put("lastModified", info.lastModified().toString());
    ObjectNode m = n.putObject("metadata");
    info.metadata().forEach(m::put);
    return n;
  }

  private static ObjectNode urlJson(HttpServletRequest req, PresignedUrl url) {
    StringBuffer full = req.getRequestURL();
    String origin = full.substring(0, full.length() - req.getRequestURI().length());
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("url", origin + req.getContextPath() + url.url());
    n.put("method", url.method());
    ObjectNode h = n.putObject("headers");
    url.headers().forEach(h::put);
    n.put("expiresIn", url.expiresIn());
    n.put("expiresAt", url.expiresAt().toString());
    return n;
  }

  private static java.util.Map<String, String> metadataHeader(HttpServletRequest req) {
    String h = req.getHeader("X-Metadata");
    if (h == null || h.isBlank()) {
      return java.util.Map.of();
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(h);
    } catch (IOException e) {
      throw HttpError.badRequest("X-Metadata must be a JSON object: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw HttpError.badRequest("X-Metadata must be a JSON object of string values");
    }
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (var e : node.properties()) {
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw HttpError.badRequest("X-Metadata value of '" + e.getKey() + "' must be a string, number or boolean");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static String requiredPath(HttpServletRequest req) {
    String path = StorageQueryParams.of(req).get("path");
    if (path == null || path.isEmpty()) {
      throw HttpError.badRequest("query parameter 'path' (the object key) is required");
    }
    return path;
  }

  private static String requiredText(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw HttpError.badRequest("'" + field + "' is required and must be a non-empty string");
    }
    return v.asText();
  }

  private static @Nullable String text(ObjectNode body, String... names) {
    for (String name : names) {
      JsonNode v = body.get(name);
      if (v != null && !v.isNull()) {
        if (!v.isTextual()) {
          throw HttpError.badRequest("'" + name + "' must be a string");
        }
        return v.asText();
      }
    }
    return null;
  }

  private static long number(ObjectNode body, long fallback, String... names) {
    for (String name : names) {
      JsonNode v = body.get(name);
      if (v != null && !v.isNull()) {
        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
          throw HttpError.badRequest("'" + name + "' must be an integer, was " + v);
        }
        return v.asLong();
      }
    }
    return fallback;
  }

  static String quote(String etag) {
    return "\"" + etag + "\"";
  }

  private static String unquote(String tag) {
    String t = tag.startsWith("W/") ? tag.substring(2) : tag;
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
  }
}
