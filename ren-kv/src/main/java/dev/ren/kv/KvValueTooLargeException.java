package dev.ren.kv;

/**
 * A put whose value, as stored (compact JSON text), is longer than the store's
 * {@linkplain KvStore.Builder#maxValueBytes value limit}. Nothing was stored and nothing was published. It is bad
 * input, so it is an {@link IllegalArgumentException}; over HTTP it is {@code 413 payload_too_large}.
 *
 * <p>Thread-safety: immutable.
 */
public final class KvValueTooLargeException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final long size;
  private final long limit;

  /** A value of {@code size} bytes as stored, over {@code limit}. */
  public KvValueTooLargeException(long size, long limit) {
    super("value is " + size + " bytes as stored (compact JSON); the limit is " + limit);
    this.size = size;
    this.limit = limit;
  }

  /** The value's size as stored, in bytes. */
  public long size() {
    return size;
  }

  /** The limit it exceeded, in bytes. */
  public long limit() {
    return limit;
  }
}
