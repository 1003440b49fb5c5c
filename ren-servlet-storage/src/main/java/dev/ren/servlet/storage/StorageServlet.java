package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.internal.Printable;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobConflictException;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobKeys;
import dev.ren.storage.BlobStore;
import dev.ren.storage.BlobTooLargeException;
import dev.ren.storage.PresignException;
import dev.ren.storage.Presigner;
import dev.ren.storage.PutOptions;
import dev.ren.storage.UnreadableBlobException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Objects;

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
 *       {@code {url, method, headers, expiresIn}}; one {@code PUT} to that URL stores silently (a second one is
 *       {@code 403 signature_used}); the URL is relative to the server ({@code /api/storage/...?X-Ren-...}),
 *       or absolute under the public base URL given to the constructor, never built from {@code Host};
 *       {@code POST /api/storage/confirm} {@code {key}} announces it ({@code 404} if it did not land);
 *       {@code POST /api/storage/download-url} {@code {key, expires_in}} → a signed {@code GET} URL.</li>
 *   <li>{@code POST /api/storage/upload?path={key}} and {@code DELETE /api/storage/delete?path={key}}.</li>
 * </ul>
 *
 * <p>Security ({@link RenSecurity}, given to the constructor or installed in the servlet context; without one the
 * servlet refuses to start). Every route works in the caller's tenant ({@link BlobStore#tenant}) and is put to the
 * access policy before it changes anything: {@code BLOB_GET} (an object, its metadata, {@code HEAD}),
 * {@code BLOB_LIST}, {@code BLOB_PUT} ({@code PUT}, {@code POST upload}), {@code BLOB_DELETE},
 * {@code BLOB_PRESIGN_UPLOAD}, {@code BLOB_PRESIGN_DOWNLOAD} and {@code BLOB_CONFIRM}, each on
 * {@code RenResource.storage(bucket, key, owner)} with the object's current owner, so
 * {@code AccessRules.owned("storage", ..)} keeps an object to its owner. A refusal is {@code 401} (anonymous) or
 * {@code 403}, and nothing is changed. An object created here is owned by the authenticated caller (never by
 * anything the request says); an overwrite keeps its owner; a listing shows only what the caller may read. A signed
 * URL is its own authority: it does its one request ({@code PUT} or {@code GET}) on its one key in the tenant it was
 * signed for, without credentials and without the policy, and a request that carries signature parameters is
 * served by its signature or refused, never by other credentials.
 *
 * <p>Stored content is served with {@code Content-Security-Policy: sandbox}, so an uploaded HTML page cannot run
 * script with this origin's privileges. A change that was stored but whose event could not be published is
 * answered {@code 503 {"error":"not_published","applied":true}}. A damaged object is a JSON
 * {@code 500 unreadable_object} naming its key, never a filesystem path. Upload bodies are read under the
 * servlet's body limits ({@link #bodyStream}).
 *
 * <pre>{@code
 * StorageServlet storage = new StorageServlet(BlobStore.fileSystem(dataDir.resolve("blobs"), hub), Presigner.create(),
 *     security);
 * context.addServlet(new ServletHolder(storage), "/api/storage");
 * context.addServlet(new ServletHolder(storage), "/api/storage/*");
 * }</pre>
 *
 * <p>Thread-safety: stateless apart from configuration; safe for concurrent requests.
 */
public final class StorageServlet extends JsonServlet {

  private static final System.Logger LOG = System.getLogger(StorageServlet.class.getName());
  /** Default largest object accepted over HTTP: 5 GiB. */
  public static final long DEFAULT_MAX_UPLOAD = 5L << 30;
  private static final String METADATA = "/metadata";

  private final StorageAccess access;
  private final long maxUploadBytes;
  private final ReadRoutes reads;
  private final PresignRoutes presigned;

  /** Security from the servlet context ({@link RenSecurity#ATTRIBUTE}). */
  public StorageServlet(BlobStore store, Presigner presigner) {
    this(store, presigner, DEFAULT_MAX_UPLOAD);
  }

  /** With {@code security}, whatever the servlet context holds. */
  public StorageServlet(BlobStore store, Presigner presigner, RenSecurity security) {
    this(store, presigner, DEFAULT_MAX_UPLOAD, null, Objects.requireNonNull(security, "security"));
  }

  /** @param maxUploadBytes the largest object a plain {@code PUT} or {@code POST upload} may store */
  public StorageServlet(BlobStore store, Presigner presigner, long maxUploadBytes) {
    this(store, presigner, maxUploadBytes, null);
  }

  /**
   * @param maxUploadBytes the largest object a plain {@code PUT} or {@code POST upload} may store
   * @param publicBaseUrl  where clients reach this server's context ({@code https://files.example.com/app}),
   *                       making signed URLs absolute; null for URLs relative to the server
   */
  public StorageServlet(BlobStore store, Presigner presigner, long maxUploadBytes, @Nullable URI publicBaseUrl) {
    this(store, presigner, maxUploadBytes, publicBaseUrl, null);
  }

  /**
   * @param maxUploadBytes the largest object a plain {@code PUT} or {@code POST upload} may store
   * @param publicBaseUrl  where clients reach this server's context ({@code https://files.example.com/app}),
   *                       making signed URLs absolute; null for URLs relative to the server
   * @param security       who may do what; null: the one installed in the servlet context
   */
  public StorageServlet(BlobStore store, Presigner presigner, long maxUploadBytes, @Nullable URI publicBaseUrl,
      @Nullable RenSecurity security) {
    super(null, security);
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("max upload must be >= 1 byte, was " + maxUploadBytes);
    }
    String base = null;
    if (publicBaseUrl != null) {
      String scheme = publicBaseUrl.getScheme();
      if (!("http".equals(scheme) || "https".equals(scheme)) || publicBaseUrl.getHost() == null
          || publicBaseUrl.getQuery() != null || publicBaseUrl.getFragment() != null) {
        throw new IllegalArgumentException("public base URL '" + Printable.of(publicBaseUrl.toString())
            + "' must be an http(s) URL without query or fragment");
      }
      String b = publicBaseUrl.toString();
      base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    }
    this.access = new StorageAccess(Objects.requireNonNull(store, "store"), this::security);
    this.maxUploadBytes = maxUploadBytes;
    this.reads = new ReadRoutes(access);
    this.presigned = new PresignRoutes(access, presigner, maxUploadBytes, base);
  }

  /**
   * The store's typed failures: too large → 413, conflict → 409, a refused or used signature → 403, too many
   * upload URLs in use → 429, a damaged object → 500 {@code unreadable_object} (its key, never its path); the
   * rest as usual.
   */
  @Override
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof BlobTooLargeException) {
      return HttpError.tooLarge(String.valueOf(e.getMessage()));
    }
    if (e instanceof BlobConflictException) {
      return HttpError.conflict(String.valueOf(e.getMessage()));
    }
    if (e instanceof UncheckedIOException u && u.getCause() instanceof UnreadableBlobException damaged) {
      LOG.log(System.Logger.Level.ERROR, "a stored object is damaged", damaged);
      return new HttpError(500, "unreadable_object", String.valueOf(damaged.getMessage()));
    }
    if (e instanceof PresignException p) {
      String code = switch (p.reason()) {
        case EXPIRED -> "signature_expired";
        case BAD_SIGNATURE -> "invalid_signature";
        case MALFORMED -> "malformed_signature";
        case ALREADY_USED -> "signature_used";
        case TOO_MANY_UPLOADS -> "too_many_uploads";
      };
      if (p.reason() == PresignException.Reason.TOO_MANY_UPLOADS) {
        return new HttpError(429, code, String.valueOf(p.getMessage())).withHeader("Retry-After", "60");
      }
      return new HttpError(403, code, String.valueOf(p.getMessage()));
    }
    return super.toHttpError(req, e);
  }

  // ------------------------------------------------------------------------------------------------ routing

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    StorageQueryParams q = StorageQueryParams.of(req);
    if (Presigner.isPresigned(q::get)) {
      // a signed URL names one object: the whole path is its key (never the listing, never a metadata route)
      String key = decode(rest);
      reads.serveSigned(presigned.verifyDownload(key, q), key, req, resp);
    } else if (rest.isEmpty()) {
      reads.list(req, resp);
    } else if (rest.endsWith(METADATA) && rest.length() > METADATA.length()) {
      reads.metadata(decode(rest.substring(0, rest.length() - METADATA.length())), req, resp);
    } else {
      reads.serveAuthorized(decode(rest), req, resp);
    }
  }

  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    if (rest.isEmpty()) {
      throw HttpError.methodNotAllowed("PUT");
    }
    String key = decode(rest);
    StorageQueryParams q = StorageQueryParams.of(req);
    if (Presigner.isPresigned(q::get)) {
      presigned.put(key, q, req, resp);
    } else {
      put(key, req, resp, true);
    }
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    switch (rest) {
      case "upload-url" -> presigned.uploadUrl(req, resp);
      case "download-url" -> presigned.downloadUrl(req, resp);
      case "confirm" -> presigned.confirm(req, resp);
      case "upload" -> put(requiredPath(req), req, resp, false);
      default -> throw HttpError.notFound("no storage route POST /api/storage/" + rest
          + "; use upload-url, download-url, confirm or upload?path=");
    }
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    if (rest.isEmpty()) {
      throw HttpError.methodNotAllowed("DELETE");
    }
    String path = StorageQueryParams.of(req).get("path");
    String key = rest.equals("delete") && path != null ? path : decode(rest);
    String canonical = BlobKeys.canonical(key);
    RenCaller caller = access.caller(req);
    BlobStore store = access.storeOf(caller);
    BlobInfo current = access.authorize(req, store, RenOperation.BLOB_DELETE, canonical);
    // only the version the policy was asked about: one that meanwhile became another's is a 409
    boolean deleted = store.deleteIfOwner(canonical, current == null ? null : current.owner());
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("key", key);
    body.put("deleted", deleted);
    writeJson(resp, 200, body);
  }

  // ------------------------------------------------------------------------------------------------ writes

  /**
   * A plain {@code PUT} (which honours {@code If-Match}) or an older client's {@code POST upload?path=}:
   * {@code BLOB_PUT} with the object's current owner, stored as that owner (or the caller, for a new object).
   */
  private void put(String rawKey, HttpServletRequest req, HttpServletResponse resp, boolean plainPut)
      throws IOException {
    String key = BlobKeys.canonical(rawKey);
    long declared = req.getContentLengthLong();
    if (declared > maxUploadBytes) {
      throw HttpError.tooLarge("object is " + declared + " bytes; the limit is " + maxUploadBytes);
    }
    PutOptions options = PutOptions.of(req.getContentType())
        .withMetadata(StorageJson.metadataHeader(req))
        .withMaxBytes(maxUploadBytes);
    String ifMatch = req.getHeader("If-Match");
    if (plainPut && ifMatch != null) {
      options = options.withIfMatch(ifMatch);
    }
    RenCaller caller = access.caller(req);
    BlobStore store = access.storeOf(caller);
    BlobInfo current = access.authorize(req, store, RenOperation.BLOB_PUT, key);
    // the store refuses (409) if, when the write lands, the object belongs to someone else than this owner
    options = options.withOwner(StorageAccess.ownerFor(caller, current));
    BlobInfo info;
    try (InputStream in = bodyStream(req)) {
      info = store.put(key, in, options);
    } catch (BlobConflictException e) {
      // not a plain mapping: the same conflict is a failed precondition when the request stated one
      if (plainPut && ifMatch != null) {
        throw new HttpError(412, "precondition_failed", String.valueOf(e.getMessage()));
      }
      throw e;
    }
    resp.setHeader("ETag", Conditionals.quote(info.etag()));
    writeJson(resp, 200, StorageJson.info(info));
  }

  private static String requiredPath(HttpServletRequest req) {
    String path = StorageQueryParams.of(req).get("path");
    if (path == null || path.isEmpty()) {
      throw HttpError.badRequest("query parameter 'path' (the object key) is required");
    }
    return path;
  }
}
