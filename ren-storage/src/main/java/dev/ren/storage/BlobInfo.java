package dev.ren.storage;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What is known about a stored object: its key, size in bytes, content type, etag (a hash of the content,
 * computed while it was written), when it last changed, and the user metadata stored with it.
 *
 * <p>Thread-safety: immutable.
 *
 * @param key          the object key (already validated by {@link BlobKeys})
 * @param size         content length in bytes
 * @param contentType  the media type given at upload ({@code application/octet-stream} when none was)
 * @param etag         lowercase hex content hash, unquoted
 * @param lastModified when the object became visible
 * @param metadata     user metadata, string to string, never null
 */
public record BlobInfo(String key, long size, String contentType, String etag, Instant lastModified,
                       Map<String, String> metadata) {

  /** Copies the metadata so the record stays immutable. */
  public BlobInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
    metadata = Map.copyOf(metadata);
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, was " + size);
    }
  }
}
