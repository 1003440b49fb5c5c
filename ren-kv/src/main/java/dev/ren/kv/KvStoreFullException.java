package dev.ren.kv;

/**
 * A put refused because storing it would take the store past one of its bounds
 * ({@linkplain KvStore.Builder#maxEntries entries} or {@linkplain KvStore.Builder#maxTotalBytes bytes}). Nothing
 * was stored and nothing was published; deleting entries (or their expiry) makes room again. Over HTTP it is
 * {@code 507 insufficient_storage}. A custom {@link KvBackend} with bounds of its own throws it too.
 *
 * <p>Thread-safety: immutable.
 */
public final class KvStoreFullException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Which bound refused the put. */
  public enum Bound {
    /** The number of entries ({@link KvStore.Builder#maxEntries}). */
    ENTRIES,
    /** The bytes held, as stored ({@link KvStore.Builder#maxTotalBytes}). */
    BYTES
  }

  private final Bound bound;
  private final long limit;

  /**
   * A put refused by {@code bound}.
   *
   * @param bound   the bound that refused it
   * @param limit   that bound's value
   * @param message what was asked and what is in use
   */
  public KvStoreFullException(Bound bound, long limit, String message) {
    super(message);
    this.bound = bound;
    this.limit = limit;
  }

  /** The bound that refused the put. */
  public Bound bound() {
    return bound;
  }

  /** The value of that bound (entries or bytes). */
  public long limit() {
    return limit;
  }
}
