package dev.ren.storage;

import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What is known about a stored object: its key, size in bytes, content type, etag (a hash of the content,
 * computed while it was written), when it last changed, the user metadata stored with it, and its owner.
 *
 * <p>The owner is the user whose authenticated request created the object (the HTTP binding sets it from the
 * caller, never from the request's content); it is kept when the object is overwritten and it is what an
 * ownership rule ({@code AccessRules.owned("storage", ..)}) compares the caller with. Objects written without an
 * owner (by the application's own code, an anonymous caller, or before owners were recorded) have none.
 *
 * <p>Thread-safety: immutable.
 *
 * @param key          the object key (already validated by {@link BlobKeys})
 * @param size         content length in bytes
 * @param contentType  the media type given at upload ({@code application/octet-stream} when none was)
 * @param etag         lowercase hex content hash, unquoted
 * @param lastModified when the object became visible
 * @param metadata     user metadata, string to string, never null
 * @param owner        the user that owns the object, or null when it has none
 */
public record BlobInfo(String key, long size, String contentType, String etag, Instant lastModified,
                       Map<String, String> metadata, @Nullable String owner) {

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
    if (owner != null) {
      BlobKeys.checkOwner(owner);
    }
  }

  /** An object without an owner. */
  public BlobInfo(String key, long size, String contentType, String etag, Instant lastModified,
                  Map<String, String> metadata) {
    this(key, size, contentType, etag, lastModified, metadata, null);
  }

  /** This info with another owner (null: none). */
  BlobInfo withOwner(@Nullable String newOwner) {
    return Objects.equals(newOwner, owner) ? this
        : new BlobInfo(key, size, contentType, etag, lastModified, metadata, newOwner);
  }
}
