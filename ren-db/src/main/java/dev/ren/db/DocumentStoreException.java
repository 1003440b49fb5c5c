package dev.ren.db;

/**
 * The database failed (I/O, a broken connection, a full disk); not caused by the caller's input.
 *
 * <p>Thread-safety: immutable.
 */
public final class DocumentStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DocumentStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
