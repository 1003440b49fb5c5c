package dev.ren.storage;

import org.jspecify.annotations.Nullable;

import java.util.Map;

/**
 * How to store one object: content type, user metadata, an optional precondition, a size limit, and whether to
 * announce it with {@code storage.put} (presigned uploads store silently and announce on confirm).
 *
 * <pre>{@code
 * store.put("a.png", in, PutOptions.of("image/png").withIfMatch(previousEtag).withMaxBytes(10 << 20));
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param contentType media type; null means {@code application/octet-stream}
 * @param metadata    user metadata (at most 64 entries, 8 KiB in total)
 * @param ifMatch     store only if the current etag equals this ({@code "*"}: only if the object exists), or null
 * @param maxBytes    the size limit; more content fails with {@link BlobTooLargeException}
 * @param publish     whether to emit {@code storage.put} once the object is visible
 */
public record PutOptions(@Nullable String contentType, Map<String, String> metadata, @Nullable String ifMatch,
                         long maxBytes, boolean publish) {

  public PutOptions {
    metadata = Map.copyOf(metadata);
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
    }
  }

  /** Content type only; no metadata, no precondition, no limit, announced. */
  public static PutOptions of(@Nullable String contentType) {
    return new PutOptions(contentType, Map.of(), null, Long.MAX_VALUE, true);
  }

  public PutOptions withMetadata(Map<String, String> m) {
    return new PutOptions(contentType, m, ifMatch, maxBytes, publish);
  }

  public PutOptions withIfMatch(@Nullable String etag) {
    return new PutOptions(contentType, metadata, etag, maxBytes, publish);
  }

  public PutOptions withMaxBytes(long limit) {
    return new PutOptions(contentType, metadata, ifMatch, limit, publish);
  }

  public PutOptions withPublish(boolean announce) {
    return new PutOptions(contentType, metadata, ifMatch, maxBytes, announce);
  }
}
