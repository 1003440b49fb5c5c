package dev.ren.kv;

/**
 * The store the entries live in cannot be reached (a remote {@link KvBackend} whose server is down, restarting
 * or too slow to answer in time). The operation may or may not have been applied when the failure came after the
 * request was sent; retrying a put or delete is safe (a put writes the same value again under a new version).
 * Over HTTP it is {@code 503 kv_unavailable} with {@code Retry-After}. The in-memory backend never throws it.
 *
 * <p>Thread-safety: immutable.
 */
public final class KvUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}, caused by {@code cause}. */
  public KvUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
