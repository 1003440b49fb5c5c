package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.internal.Printable;
import dev.ren.servlet.http.HttpError;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobKeys;
import dev.ren.storage.BlobStore;
import dev.ren.storage.PresignedUrl;
import dev.ren.storage.Presigner;
import dev.ren.storage.PutOptions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

import static dev.ren.servlet.http.JsonServlet.bodyStream;
import static dev.ren.servlet.http.JsonServlet.readJsonObject;
import static dev.ren.servlet.http.JsonServlet.writeJson;

/**
 * The presigned-URL flow: {@code POST upload-url} and {@code POST download-url} sign URLs; a {@code PUT} to a
 * signed upload URL stores the object silently, within the signed type and size, once per URL; {@code POST confirm}
 * announces it. URLs are relative to the server (context path included) unless a public base URL is configured;
 * they never take the request's {@code Host}. Signature failures surface as {@link dev.ren.storage.PresignException},
 * which {@link StorageServlet} maps to {@code 403}.
 *
 * <p>Authority: minting an upload URL is {@code BLOB_PRESIGN_UPLOAD}, a download URL {@code BLOB_PRESIGN_DOWNLOAD},
 * confirming {@code BLOB_CONFIRM}, each asked with the object's current owner in the caller's tenant. The URL
 * signs that tenant and, for an upload, the owner the object will have (its current owner, else the caller), so
 * the signed request itself needs no credentials and is not put to the policy: it can do its one operation on its
 * one key of its one tenant and nothing else.
 *
 * <p>Thread-safety: immutable; safe for concurrent requests.
 */
final class PresignRoutes {

  private static final Duration DEFAULT_URL_TTL = Duration.ofHours(1);
  private static final long MAX_JSON = 64 * 1024;

  private final StorageAccess access;
  private final Presigner presigner;
  private final long maxUploadBytes;
  private final @Nullable String publicBase;

  PresignRoutes(StorageAccess access, Presigner presigner, long maxUploadBytes, @Nullable String publicBase) {
    this.access = access;
    this.presigner = presigner;
    this.maxUploadBytes = maxUploadBytes;
    this.publicBase = publicBase;
  }

  /** Verifies a signed {@code GET} of {@code key}: the tenant it was signed for (null: the default tenant). */
  @Nullable String verifyDownload(String key, StorageQueryParams q) {
    return presigner.verifyDownload(key, q::get).tenant();
  }

  /** {@code {key, content_type, size_limit, expires_in?}} → {@code {url, method, headers, expiresIn}}. */
  void uploadUrl(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ObjectNode body = readJsonObject(req, MAX_JSON, false);
    String key = BlobKeys.canonical(StorageJson.requiredText(body, "key"));
    String type = StorageJson.text(body, "content_type", "contentType");
    long limit = StorageJson.number(body, maxUploadBytes, "size_limit", "sizeLimit");
    if (limit > maxUploadBytes) {
      throw HttpError.badRequest("size_limit " + limit + " exceeds this server's limit of " + maxUploadBytes);
    }
    long ttl = StorageJson.number(body, DEFAULT_URL_TTL.toSeconds(), "expires_in", "expiresIn");
    RenCaller caller = access.caller(req);
    BlobInfo current = access.authorize(req, access.storeOf(caller), RenOperation.BLOB_PRESIGN_UPLOAD, key);
    PresignedUrl url = presigner.generateUploadUrl(key, type == null ? "application/octet-stream" : type, limit,
        Duration.ofSeconds(ttl), caller.tenant(), StorageAccess.ownerFor(caller, current));
    writeJson(resp, 200, StorageJson.url(req, publicBase, url));
  }

  /** {@code {key, expires_in?}} → a signed {@code GET} URL; {@code 404} for an absent object. */
  void downloadUrl(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ObjectNode body = readJsonObject(req, MAX_JSON, false);
    String key = BlobKeys.canonical(StorageJson.requiredText(body, "key"));
    long ttl = StorageJson.number(body, DEFAULT_URL_TTL.toSeconds(), "expires_in", "expiresIn");
    RenCaller caller = access.caller(req);
    if (access.authorize(req, access.storeOf(caller), RenOperation.BLOB_PRESIGN_DOWNLOAD, key) == null) {
      throw HttpError.notFound("object '" + Printable.of(key) + "' does not exist");
    }
    writeJson(resp, 200, StorageJson.url(req, publicBase,
        presigner.generateDownloadUrl(key, Duration.ofSeconds(ttl), caller.tenant())));
  }

  /**
   * A {@code PUT} to a signed upload URL: stored without an event, within the signed type and size, in the signed
   * tenant, as the signed owner. No other credentials are consulted: the signature is the authority.
   */
  void put(String key, StorageQueryParams q, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Presigner.UploadGrant grant = presigner.verifyUpload(key, q::get);
    String type = req.getContentType();
    if (type == null || !type.trim().equalsIgnoreCase(grant.contentType())) {
      throw new HttpError(415, "wrong_content_type", "this upload URL was signed for Content-Type '"
          + grant.contentType() + "', the request has '" + Printable.of(type) + "'");
    }
    long declared = req.getContentLengthLong();
    if (declared > grant.sizeLimit()) {
      throw HttpError.tooLarge("object is " + declared + " bytes; this upload URL allows " + grant.sizeLimit());
    }
    PutOptions options = PutOptions.of(grant.contentType()).withMetadata(StorageJson.metadataHeader(req))
        .withMaxBytes(grant.sizeLimit()).withPublish(false).withOwner(grant.owner());
    BlobStore store = access.storeOf(grant.tenant());
    // the URL stores one object: used up from here, given back only if nothing gets stored
    presigner.claimUpload(grant);
    BlobInfo info;
    try (InputStream in = bodyStream(req)) {
      info = store.put(key, in, options);
    } catch (IOException | RuntimeException e) {
      presigner.releaseUpload(grant);
      throw e;
    }
    resp.setHeader("ETag", Conditionals.quote(info.etag()));
    writeJson(resp, 200, StorageJson.info(info));
  }

  /** {@code {key}}: announces an object a signed upload stored; {@code 404} if it never landed. */
  void confirm(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ObjectNode body = readJsonObject(req, MAX_JSON, false);
    String key = BlobKeys.canonical(StorageJson.requiredText(body, "key"));
    RenCaller caller = access.caller(req);
    BlobStore store = access.storeOf(caller);
    if (access.authorize(req, store, RenOperation.BLOB_CONFIRM, key) == null) {
      throw HttpError.notFound("object '" + Printable.of(key) + "' has not been uploaded");
    }
    BlobInfo info = store.confirm(key).orElseThrow(
        () -> HttpError.notFound("object '" + Printable.of(key) + "' has not been uploaded"));
    writeJson(resp, 200, StorageJson.info(info));
  }
}
