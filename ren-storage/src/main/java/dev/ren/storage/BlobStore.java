package dev.ren.storage;

import dev.ren.RenPublisher;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * One bucket of objects that announces every change: {@code storage.put} (ns = bucket, k = key, v = etag) once
 * an object is complete and visible, {@code storage.delete} when an existing object was removed.
 *
 * <p>Keys follow {@link BlobKeys}: a bad key fails with {@link IllegalArgumentException} and touches nothing.
 * Content is streamed in both directions; its etag is a hash computed while it is written. Readers never see
 * a partial object, and concurrent writers to one key never produce a mix: the last complete write wins, or a
 * conditional write ({@link PutOptions#ifMatch}) fails with {@link BlobConflictException}.
 *
 * <pre>{@code
 * BlobStore store = BlobStore.fileSystem(Path.of("data/blobs"), hub);
 * BlobInfo info = store.put("photos/cat.png", in, "image/png", Map.of("owner", "ana"));
 * try (BlobRead read = store.get("photos/cat.png").orElseThrow()) {
 *   read.stream().transferTo(out);
 * }
 * }</pre>
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
public interface BlobStore {

  /** The bucket used when none is named. */
  String DEFAULT_BUCKET = "default";

  /**
   * A filesystem store for the {@value #DEFAULT_BUCKET} bucket under {@code root} (created if missing).
   * Leftover temp files from an earlier crash are removed here.
   *
   * @throws UncheckedIOException if the root cannot be created or read
   */
  static BlobStore fileSystem(Path root, RenPublisher publisher) {
    return fileSystem(root, DEFAULT_BUCKET, publisher);
  }

  /** A filesystem store for {@code bucket} under {@code root/bucket}; see {@link #fileSystem(Path, RenPublisher)}. */
  static BlobStore fileSystem(Path root, String bucket, RenPublisher publisher) {
    return new FileSystemBlobStore(root, bucket, publisher);
  }

  /** The bucket name: the {@code ns} of this store's events. */
  String bucket();

  /** Stores {@code data} under {@code key} and announces it; see {@link #put(String, InputStream, PutOptions)}. */
  default BlobInfo put(String key, InputStream data, @Nullable String contentType, Map<String, String> metadata)
      throws IOException {
    return put(key, data, PutOptions.of(contentType).withMetadata(metadata));
  }

  /**
   * Streams {@code data} to a new version of {@code key}; it becomes visible atomically once complete. Does not
   * close {@code data}.
   *
   * @throws IllegalArgumentException  for a bad key, content type or metadata (nothing stored)
   * @throws BlobTooLargeException     past {@link PutOptions#maxBytes} (nothing stored)
   * @throws BlobConflictException     when {@link PutOptions#ifMatch} does not match (nothing stored)
   * @throws IOException               if reading {@code data} or writing fails (nothing stored)
   */
  BlobInfo put(String key, InputStream data, PutOptions options) throws IOException;

  /** Opens the whole object, or empty if absent. */
  default Optional<BlobRead> get(String key) throws IOException {
    return get(key, 0, -1);
  }

  /**
   * Opens {@code length} bytes from {@code offset} ({@code length < 0}: to the end), or empty if absent.
   * The range is clipped to the object; an {@code offset} past the end gives an empty read.
   */
  Optional<BlobRead> get(String key, long offset, long length) throws IOException;

  /** The object's info, or empty if absent. */
  Optional<BlobInfo> head(String key) throws IOException;

  /** Removes the object; announces {@code storage.delete} and returns true only if something was removed. */
  boolean delete(String key) throws IOException;

  /**
   * Lists objects whose key starts with {@code prefix}, in key order, after {@code cursor} (exclusive).
   *
   * @param limit 1–1000
   */
  BlobPage list(String prefix, int limit, @Nullable String cursor) throws IOException;

  /**
   * Announces {@code storage.put} for an object that already landed (a presigned upload stores silently), and
   * returns its info; empty (and no event) when there is no such object.
   */
  Optional<BlobInfo> confirm(String key) throws IOException;
}
