package dev.ren.realtime;

/**
 * The shared store of a {@link Realtime} on several nodes ({@link RealtimeBackend}) cannot be reached: its server is
 * down, restarting or too slow to answer in time. The call changed nothing, or it may have been applied when the
 * failure came after the request was sent; no event was published for it. Over HTTP it is
 * {@code 503 realtime_unavailable} with {@code Retry-After}. Realtime in one process never throws it.
 *
 * <p>Thread-safety: immutable.
 */
public final class RealtimeUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}, caused by {@code cause}. */
  public RealtimeUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
