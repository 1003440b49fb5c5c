package dev.ren.storage;

import dev.ren.access.RenCaller;
import dev.ren.internal.Printable;
import dev.ren.internal.Settings;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies expiring upload and download URLs. A signed URL is the whole authority for its one request:
 * the HTTP binding serves it without any other credentials and without asking the access policy, so it grants
 * exactly what was signed: one method ({@code PUT} for an upload URL, {@code GET} for a download URL) on one key of
 * one tenant, until it expires. The signature is an HMAC-SHA256 over the method, the tenant, the owner an upload
 * stores the object for, the key, the content type, the size limit and the expiry, each in a field of its own, so
 * changing any of them (or the key in the path) invalidates it, and a URL for tenant A can never reach tenant B's
 * object. The secret is random per instance unless one is given, so by default URLs do not survive a restart; give
 * every node the same secret to share URLs across nodes.
 *
 * <p>An upload URL stores at most one object: the upload {@link #claimUpload claims} it once its checks pass, and
 * a later claim fails with {@link PresignException.Reason#ALREADY_USED}; an upload that then stores nothing
 * {@link #releaseUpload gives it back}, so the client may retry until it expires. Used signatures are
 * remembered, by this instance, until they expire, at most {@link Builder#maxOutstandingUploads} at once; past
 * that, claims fail with {@link PresignException.Reason#TOO_MANY_UPLOADS} until some expire. Keys are
 * signed in their NFC form ({@link BlobKeys#canonical}).
 *
 * <p>URLs are relative: path and query under the servlet context, never built from a request's {@code Host}.
 * The HTTP layer prefixes the context path, or a configured public base URL.
 *
 * <pre>{@code
 * Presigner presigner = Presigner.builder().secret(secretBytes).build();   // or Presigner.create()
 * PresignedUrl put = presigner.generateUploadUrl("a.png", "image/png", 5 << 20, Duration.ofMinutes(10));
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class Presigner {

  /** Query parameter: expiry in unix seconds. */
  public static final String EXPIRES = "X-Ren-Expires";
  /** Query parameter: the signed content type (uploads). */
  public static final String CONTENT_TYPE = "X-Ren-Content-Type";
  /** Query parameter: the signed size limit in bytes (uploads). */
  public static final String SIZE_LIMIT = "X-Ren-Size-Limit";
  /** Query parameter: the base64url HMAC. */
  public static final String SIGNATURE = "X-Ren-Signature";
  /** Query parameter: the signed tenant (absent for the default tenant). */
  public static final String TENANT = "X-Ren-Tenant";
  /** Query parameter: the signed owner of the object an upload stores (absent when it has none). */
  public static final String OWNER = "X-Ren-Owner";
  /** Longest accepted time to live. */
  public static final Duration MAX_TTL = Duration.ofDays(7);
  /** Default bound on upload signatures used and not yet expired. */
  public static final int DEFAULT_MAX_OUTSTANDING_UPLOADS = 100_000;

  private final byte[] secret;
  private final Clock clock;
  private final String basePath;
  private final UsedSignatures usedUploads;

  private Presigner(Builder b) {
    this.secret = b.secret != null ? b.secret.clone() : randomSecret();
    this.clock = b.clock;
    this.basePath = b.basePath;
    this.usedUploads = new UsedSignatures(b.maxOutstandingUploads);
  }

  /** A presigner with a random secret, the system clock and base path {@code /api/storage}. */
  public static Presigner create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A URL for one {@code PUT} of {@code key} with exactly {@code contentType} and at most {@code sizeLimit}
   * bytes, valid for {@code ttl} (1 s – 7 days).
   */
  public PresignedUrl generateUploadUrl(String rawKey, String contentType, long sizeLimit, Duration ttl) {
    return generateUploadUrl(rawKey, contentType, sizeLimit, ttl, null, null);
  }

  /**
   * A URL for one {@code PUT} of {@code key} in {@code tenant} (null: the default tenant) with exactly
   * {@code contentType} and at most {@code sizeLimit} bytes, valid for {@code ttl} (1 s – 7 days); the object it
   * stores is written as {@code owner} ({@link PutOptions#withOwner}; null: it keeps the owner it has). The HTTP
   * binding signs the caller's tenant and, as owner, the object's current owner or else the caller.
   */
  public PresignedUrl generateUploadUrl(String rawKey, String contentType, long sizeLimit, Duration ttl,
      @Nullable String tenant, @Nullable String owner) {
    String key = BlobKeys.canonical(rawKey);
    String ct = BlobKeys.checkContentType(contentType);
    if (hasControl(ct)) {
      throw new IllegalArgumentException("content type '" + Printable.of(ct) + "' contains a control character");
    }
    if (sizeLimit < 1) {
      throw new IllegalArgumentException("size limit must be >= 1 byte, was " + sizeLimit);
    }
    checkScope(tenant, owner);
    long expires = expiry(ttl);
    String sig = sign("PUT", tenant, owner, key, ct, sizeLimit, expires);
    String url = path(key) + "?" + EXPIRES + "=" + expires + "&" + CONTENT_TYPE + "=" + encode(ct) + "&"
        + SIZE_LIMIT + "=" + sizeLimit + scope(tenant, owner) + "&" + SIGNATURE + "=" + sig;
    return new PresignedUrl(url, "PUT", Map.of("Content-Type", ct), ttl.toSeconds(), Instant.ofEpochSecond(expires));
  }

  /** A URL for {@code GET} of {@code key}, valid for {@code ttl} (1 s – 7 days). */
  public PresignedUrl generateDownloadUrl(String rawKey, Duration ttl) {
    return generateDownloadUrl(rawKey, ttl, null);
  }

  /** A URL for {@code GET} of {@code key} in {@code tenant} (null: the default tenant), valid for {@code ttl}. */
  public PresignedUrl generateDownloadUrl(String rawKey, Duration ttl, @Nullable String tenant) {
    String key = BlobKeys.canonical(rawKey);
    checkScope(tenant, null);
    long expires = expiry(ttl);
    String sig = sign("GET", tenant, null, key, "", -1, expires);
    String url = path(key) + "?" + EXPIRES + "=" + expires + scope(tenant, null) + "&" + SIGNATURE + "=" + sig;
    return new PresignedUrl(url, "GET", Map.of(), ttl.toSeconds(), Instant.ofEpochSecond(expires));
  }

  private static void checkScope(@Nullable String tenant, @Nullable String owner) {
    if (tenant != null) {
      RenCaller.checkTenant(tenant);
    }
    if (owner != null) {
      BlobKeys.checkOwner(owner);
    }
  }

  private static String scope(@Nullable String tenant, @Nullable String owner) {
    return (tenant == null ? "" : "&" + TENANT + "=" + encode(tenant))
        + (owner == null ? "" : "&" + OWNER + "=" + encode(owner));
  }

  /** Whether a request carries presign parameters at all (then it must verify, or be refused). */
  public static boolean isPresigned(Function<String, @Nullable String> params) {
    return params.apply(SIGNATURE) != null || params.apply(EXPIRES) != null;
  }

  /**
   * What a verified upload URL allows: one {@code PUT} of its key in {@link #tenant}, stored as {@link #owner}.
   *
   * @param contentType the signed content type
   * @param sizeLimit   the signed size limit in bytes
   * @param signature   the URL's signature, which {@link #claimUpload} uses up
   * @param expires     when the URL expires, in unix seconds
   * @param tenant      the signed tenant, or null for the default tenant
   * @param owner       the signed owner of the object it stores ({@link PutOptions#withOwner}), or null
   */
  public record UploadGrant(String contentType, long sizeLimit, String signature, long expires,
                            @Nullable String tenant, @Nullable String owner) {}

  /**
   * What a verified download URL allows: one {@code GET} of its key in {@link #tenant}.
   *
   * @param tenant  the signed tenant, or null for the default tenant
   * @param expires when the URL expires, in unix seconds
   */
  public record DownloadGrant(@Nullable String tenant, long expires) {}

  /**
   * Checks a presigned {@code PUT} of {@code key}; {@code params} looks up query parameters. Does not use the
   * URL up: see {@link #claimUpload}.
   *
   * @throws PresignException if parameters are missing or malformed, expired, or the signature does not match
   */
  public UploadGrant verifyUpload(String key, Function<String, @Nullable String> params) {
    String ct = require(params, CONTENT_TYPE);
    if (hasControl(ct)) {
      throw new PresignException(PresignException.Reason.MALFORMED, CONTENT_TYPE + " contains a control character");
    }
    long limit = number(params, SIZE_LIMIT);
    long expires = number(params, EXPIRES);
    String tenant = tenantOf(params);
    String owner = ownerOf(params);
    String signature = require(params, SIGNATURE);
    verify("PUT", tenant, owner, key, ct, limit, expires, signature);
    return new UploadGrant(ct, limit, signature, expires, tenant, owner);
  }

  /**
   * Uses up the verified upload URL of {@code grant}: call it once the upload's own checks passed, just before
   * storing.
   *
   * @throws PresignException {@link PresignException.Reason#ALREADY_USED} when it was claimed before (and not
   *                          given back), {@link PresignException.Reason#TOO_MANY_UPLOADS} when too many used
   *                          upload URLs are still valid to remember one more
   */
  public void claimUpload(UploadGrant grant) {
    switch (usedUploads.claim(grant.signature(), grant.expires(), clock.instant().getEpochSecond())) {
      case ALREADY_USED -> throw new PresignException(PresignException.Reason.ALREADY_USED,
          "this upload URL was already used; an upload URL allows one PUT, so request a new one");
      case FULL -> throw new PresignException(PresignException.Reason.TOO_MANY_UPLOADS,
          "more than " + usedUploads.capacity() + " upload URLs were used and have not expired yet; try again"
              + " later");
      case FIRST_USE -> {
        // the one use this URL allows
      }
    }
  }

  /** Gives back a claimed upload URL whose upload stored nothing, so it may be used again until it expires. */
  public void releaseUpload(UploadGrant grant) {
    usedUploads.release(grant.signature(), grant.expires());
  }

  /** Checks a presigned {@code GET} of {@code key}; see {@link #verifyUpload}. */
  public DownloadGrant verifyDownload(String key, Function<String, @Nullable String> params) {
    long expires = number(params, EXPIRES);
    String tenant = tenantOf(params);
    if (params.apply(OWNER) != null) {
      // a download URL never carries one; one that does was not made here
      throw new PresignException(PresignException.Reason.MALFORMED, "a download URL has no " + OWNER);
    }
    verify("GET", tenant, null, key, "", -1, expires, require(params, SIGNATURE));
    return new DownloadGrant(tenant, expires);
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable String tenantOf(Function<String, @Nullable String> params) {
    String t = params.apply(TENANT);
    if (t == null) {
      return null;
    }
    if (!RenCaller.isValidTenant(t)) {
      throw new PresignException(PresignException.Reason.MALFORMED, TENANT + " is not a tenant id");
    }
    return t;
  }

  private static @Nullable String ownerOf(Function<String, @Nullable String> params) {
    String o = params.apply(OWNER);
    if (o == null) {
      return null;
    }
    try {
      return BlobKeys.checkOwner(o);
    } catch (IllegalArgumentException e) {
      throw new PresignException(PresignException.Reason.MALFORMED, OWNER + " is not a user name");
    }
  }

  private void verify(String method, @Nullable String tenant, @Nullable String owner, String rawKey, String ct,
      long limit, long expires, String signature) {
    String key = BlobKeys.canonical(rawKey);
    byte[] expected = sign(method, tenant, owner, key, ct, limit, expires).getBytes(StandardCharsets.US_ASCII);
    // constant time: the comparison must not reveal how much of a guess was right
    if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
      throw new PresignException(PresignException.Reason.BAD_SIGNATURE,
          "the signature does not match this " + method + " of '" + Printable.of(key) + "'");
    }
    if (clock.instant().getEpochSecond() > expires) {
      throw new PresignException(PresignException.Reason.EXPIRED,
          "the signed URL expired at " + Instant.ofEpochSecond(expires));
    }
  }

  private static String require(Function<String, @Nullable String> params, String name) {
    String v = params.apply(name);
    if (v == null || v.isEmpty()) {
      throw new PresignException(PresignException.Reason.MALFORMED, "signed URL lacks " + name);
    }
    return v;
  }

  private static long number(Function<String, @Nullable String> params, String name) {
    String v = require(params, name);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new PresignException(PresignException.Reason.MALFORMED, name + " must be a number, was '"
          + Printable.of(v) + "'");
    }
  }

  private long expiry(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("expiry must be between 1 second and 7 days, was " + ttl.toSeconds()
          + " s");
    }
    return clock.instant().getEpochSecond() + ttl.toSeconds();
  }

  /**
   * One field per line. No field can hold a line break (keys, content types, tenants and owners refuse control
   * characters), and tenants and owners are never empty, so "" stands for none: two different requests never sign
   * the same text.
   */
  private String sign(String method, @Nullable String tenant, @Nullable String owner, String key, String ct,
      long limit, long expires) {
    String input = "ren-presign-v2\n" + method + "\n" + (tenant == null ? "" : tenant) + "\n"
        + (owner == null ? "" : owner) + "\n" + key + "\n" + ct + "\n" + limit + "\n" + expires;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] h = mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every JDK", e);
    }
  }

  private String path(String key) {
    StringBuilder sb = new StringBuilder(basePath);
    for (String segment : key.split("/", -1)) {
      sb.append('/').append(encode(segment));
    }
    return sb.toString();
  }

  /** Percent-encodes everything but RFC 3986 unreserved characters. */
  static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  private static byte[] randomSecret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }

  /**
   * Configures a {@link Presigner}. Each setting may be given once; a repeated one fails with
   * {@link IllegalStateException} (naming the old value, except for the secret, which is never shown).
   *
   * <p>Thread-safety: not thread-safe; the built presigner is.
   */
  public static final class Builder {
    private final Settings settings = new Settings();
    private byte @Nullable [] secret;
    private Clock clock = Clock.systemUTC();
    private String basePath = "/api/storage";
    private int maxOutstandingUploads = DEFAULT_MAX_OUTSTANDING_UPLOADS;

    private Builder() {}

    /** The HMAC secret, at least 32 bytes; random per instance when not set. */
    public Builder secret(byte[] key) {
      if (key.length < 32) {
        throw new IllegalArgumentException("secret must be at least 32 bytes, was " + key.length);
      }
      settings.once("secret", "a " + key.length + "-byte key (not shown)");
      this.secret = key.clone();
      return this;
    }

    /** The clock that stamps and checks expiries (the system clock by default). */
    public Builder clock(Clock c) {
      this.clock = settings.once("clock", Objects.requireNonNull(c, "clock"));
      return this;
    }

    /** Where the storage servlet is mapped, relative to the context ({@code /api/storage} by default). */
    public Builder basePath(String path) {
      if (!path.startsWith("/") || path.endsWith("/")) {
        throw new IllegalArgumentException("base path '" + Printable.of(path) + "' must start and not end with '/'");
      }
      this.basePath = settings.once("basePath", path);
      return this;
    }

    /**
     * Upload URLs that may be used and not yet expired at once (default {@value #DEFAULT_MAX_OUTSTANDING_UPLOADS});
     * each is remembered until it expires so that it cannot be used twice.
     */
    public Builder maxOutstandingUploads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("max outstanding uploads must be >= 1, was " + n);
      }
      this.maxOutstandingUploads = settings.once("maxOutstandingUploads", n);
      return this;
    }

    public Presigner build() {
      return new Presigner(this);
    }
  }
}
