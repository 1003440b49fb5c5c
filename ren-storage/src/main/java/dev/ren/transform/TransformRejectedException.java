package dev.ren.transform;

/**
 * A job was not accepted because the queue is full (or the service is closed); nothing was queued and no event
 * was emitted. Try again later.
 *
 * <p>Thread-safety: immutable.
 */
public final class TransformRejectedException extends RuntimeException {
  public TransformRejectedException(String message) {
    super(message);
  }
}
