package dev.ren.storage;

/**
 * An upload exceeded its size limit ({@link PutOptions#maxBytes}); nothing was stored.
 *
 * <p>Thread-safety: immutable.
 */
public final class BlobTooLargeException extends RuntimeException {
  private final long limit;

  public BlobTooLargeException(long limit) {
    super("object exceeds the size limit of " + limit + " bytes");
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }
}
