package dev.ren.storage;

import dev.ren.RenPublisher;
import dev.ren.health.Health;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One bucket of objects that announces every change, under its object name: {@code storage.object.created} (the
 * key did not exist) or {@code storage.object.updated} (an overwrite) once an object is complete and visible (ns =
 * bucket, k = key, v = etag, uid = the object's owner, if it has one), {@code storage.object.deleted} (uid = the
 * owner it had) when an existing object was removed. Whether the key existed is decided atomically with the
 * write. Streams see each change also under its table name, {@code storage.put} / {@code storage.delete}, with
 * the same id ({@link dev.ren.hub.StorageEventNames}).
 *
 * <p>Tenants: a store works in the default tenant; {@link #tenant(String)} gives the same bucket as another tenant
 * sees it. Each tenant has its own objects (one key in two tenants is two objects), its listings show only its
 * own, and its events carry its tenant ({@link dev.ren.RenEvent#tenant()}), so only that tenant's streams receive
 * them. The default tenant keeps the layout of a store without tenants, so existing data opens unchanged.
 *
 * <p>Owners: an object may record the user that owns it ({@link BlobInfo#owner()}); {@link PutOptions#owner()}
 * says on whose behalf a write is made, and no write ever changes an object's owner. The store records owners;
 * deciding who may do what with them is the access policy's business (the HTTP binding consults it).
 *
 * <p>Keys follow {@link BlobKeys}: a bad key fails with {@link IllegalArgumentException} and touches nothing.
 * Content is streamed in both directions; its etag is a hash computed while it is written. Readers never see
 * a partial object, and concurrent writers to one key never produce a mix: the last complete write wins, or a
 * conditional write ({@link PutOptions#ifMatch}) fails with {@link BlobConflictException}.
 *
 * <pre>{@code
 * BlobStore store = BlobStore.fileSystem(Path.of("data/blobs"), hub);
 * BlobInfo info = store.put("photos/cat.png", in, PutOptions.of("image/png").withOwner("ana"));
 * try (BlobRead read = store.get("photos/cat.png").orElseThrow()) {
 *   read.stream().transferTo(out);
 * }
 * BlobStore acme = store.tenant("acme");            // the same bucket in tenant acme: other objects
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

  /**
   * Whether the store can serve now: its folder can be listed, and a probe file (named like the store's temp files,
   * so a crash leaves nothing a restart does not sweep) can be created, written and removed in it. Filesystem calls
   * are not interruptible: on a local disk this takes well under {@code timeout}; a network filesystem that hangs
   * holds the caller as it would hold a write. Never throws. A tenant's view answers for the store.
   */
  Health health(Duration timeout);

  /** The tenant this store works in, or null for the default tenant. */
  @Nullable String tenant();

  /**
   * This bucket in {@code tenant} (null: the default tenant): a view with its own objects, listings and events,
   * sharing this store's publisher and locks. Cheap; nothing is created on disk until the tenant's first write.
   *
   * @throws IllegalArgumentException if {@code tenant} is not a valid tenant id
   *                                  ({@link dev.ren.access.RenCaller#isValidTenant})
   */
  BlobStore tenant(@Nullable String tenant);

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
   * Removes the object only if its owner is still {@code owner} (null: it has none), checked under the key's lock,
   * so a delete authorized against one owner never removes an object that meanwhile became someone else's.
   *
   * @return true if something was removed (and {@code storage.delete} announced), false if there was no object
   * @throws BlobConflictException when the object has another owner (nothing removed)
   */
  boolean deleteIfOwner(String key, @Nullable String owner) throws IOException;

  /**
   * Lists objects whose key starts with {@code prefix}, in key order, after {@code cursor} (exclusive).
   *
   * @param limit 1–1000
   */
  default BlobPage list(String prefix, int limit, @Nullable String cursor) throws IOException {
    return list(prefix, limit, cursor, info -> true);
  }

  /**
   * Lists the objects {@code visible} accepts whose key starts with {@code prefix}, in key order, after
   * {@code cursor} (exclusive): a listing for a caller who may see only some objects (an owner's own). Hidden
   * objects are never named, not even by the cursor: a page that ends among hidden objects (a call looks at a
   * bounded number of objects) carries an opaque cursor, so a page may hold fewer than {@code limit} items, or none,
   * and still have a next one. Follow {@link BlobPage#nextCursor()} until it is null.
   *
   * @param limit   1–1000
   * @param visible whether the caller may see an object; called without any lock held
   * @throws IllegalArgumentException for a bad prefix or limit, or a cursor this store did not hand out
   */
  BlobPage list(String prefix, int limit, @Nullable String cursor, Predicate<BlobInfo> visible) throws IOException;

  /**
   * Announces an object that already landed (a presigned upload stores silently), and returns its info; empty
   * (and no event) when there is no such object. The announcement is {@code storage.object.created} when the key
   * did not exist before the silent upload(s) it confirms, else {@code storage.object.updated} (also when that is
   * not known, e.g. after a restart, and for a second confirm).
   */
  Optional<BlobInfo> confirm(String key) throws IOException;
}
