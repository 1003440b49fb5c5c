package dev.ren.hub;

/**
 * Under which names a stream sees a storage change (set with {@link RenHub.Builder#storageEventNames}).
 *
 * <p>A store publishes each change once, under its object name ({@code storage.object.created},
 * {@code storage.object.updated}, {@code storage.object.deleted}); the hub keeps it as one event (one id, one
 * ring slot, one log entry) and writes it to each stream under the names this setting allows and the stream's
 * filter selects. With {@link #BOTH}, a stream whose filter selects both names (no filter, {@code storage},
 * {@code storage:bucket}) gets two frames with the same {@code id:}: first the table name, then the object name.
 *
 * <p>Thread-safety: an enum; immutable.
 */
public enum StorageEventNames {
  /** Only {@code storage.put} and {@code storage.delete}. */
  TABLE,
  /** Only {@code storage.object.created}, {@code storage.object.updated} and {@code storage.object.deleted}. */
  OBJECT,
  /** Both, each change as two frames sharing one id (the default). */
  BOTH
}
