package dev.ren.transform;

/**
 * A job was not accepted: the queue is full, the submitting client already has its share of the queue, or the
 * service is closed. Nothing was queued and no event was emitted. Try again later.
 *
 * <p>Thread-safety: immutable.
 */
public final class TransformRejectedException extends RuntimeException {

  /** Why the job was not accepted. */
  public enum Reason { QUEUE_FULL, CLIENT_SHARE, CLOSED }

  private final Reason reason;

  public TransformRejectedException(String message) {
    this(Reason.QUEUE_FULL, message);
  }

  public TransformRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
