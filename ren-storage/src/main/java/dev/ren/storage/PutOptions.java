package dev.ren.storage;

import org.jspecify.annotations.Nullable;

import java.util.Map;

/**
 * How to store one object: content type, user metadata, an optional precondition, a size limit, whether to
 * announce it with {@code storage.put} (presigned uploads store silently and announce on confirm), and on whose
 * behalf.
 *
 * <pre>{@code
 * store.put("a.png", in, PutOptions.of("image/png").withIfMatch(previousEtag).withMaxBytes(10 << 20));
 * store.put("a.png", in, PutOptions.of("image/png").withOwner(caller.user()));   // as the HTTP binding does
 * }</pre>
 *
 * <p>Ownership: a write never takes an object from its owner. Without an owner here the new version keeps the
 * owner the object has (none for a new object). With one, the new version is owned by it, and the write fails with
 * {@link BlobConflictException} (nothing stored) if, when it lands, the object is owned by another user: a write
 * authorized against one owner never replaces an object that meanwhile became someone else's.
 *
 * <p>Thread-safety: immutable.
 *
 * @param contentType media type; null means {@code application/octet-stream}
 * @param metadata    user metadata (at most 64 entries, 8 KiB in total)
 * @param ifMatch     store only if the current etag equals this ({@code "*"}: only if the object exists), or null
 * @param maxBytes    the size limit; more content fails with {@link BlobTooLargeException}
 * @param publish     whether to emit {@code storage.put} once the object is visible
 * @param owner       write as this user (see above), or null to keep the object's owner
 */
public record PutOptions(@Nullable String contentType, Map<String, String> metadata, @Nullable String ifMatch,
                         long maxBytes, boolean publish, @Nullable String owner) {

  public PutOptions {
    metadata = Map.copyOf(metadata);
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
    }
    if (owner != null) {
      BlobKeys.checkOwner(owner);
    }
  }

  /** Options that keep the object's owner. */
  public PutOptions(@Nullable String contentType, Map<String, String> metadata, @Nullable String ifMatch,
                    long maxBytes, boolean publish) {
    this(contentType, metadata, ifMatch, maxBytes, publish, null);
  }

  /** Content type only; no metadata, no precondition, no limit, announced, the owner kept. */
  public static PutOptions of(@Nullable String contentType) {
    return new PutOptions(contentType, Map.of(), null, Long.MAX_VALUE, true, null);
  }

  public PutOptions withMetadata(Map<String, String> m) {
    return new PutOptions(contentType, m, ifMatch, maxBytes, publish, owner);
  }

  public PutOptions withIfMatch(@Nullable String etag) {
    return new PutOptions(contentType, metadata, etag, maxBytes, publish, owner);
  }

  public PutOptions withMaxBytes(long limit) {
    return new PutOptions(contentType, metadata, ifMatch, limit, publish, owner);
  }

  public PutOptions withPublish(boolean announce) {
    return new PutOptions(contentType, metadata, ifMatch, maxBytes, announce, owner);
  }

  /** Writes as {@code user} (null: keeps the object's owner); see the class comment. */
  public PutOptions withOwner(@Nullable String user) {
    return new PutOptions(contentType, metadata, ifMatch, maxBytes, publish, user);
  }
}
