package dev.ren.storage;

/**
 * A presigned request was refused; nothing was read or stored.
 *
 * <p>Thread-safety: immutable.
 */
public final class PresignException extends RuntimeException {

  /** Why the request was refused. */
  public enum Reason { MALFORMED, EXPIRED, BAD_SIGNATURE }

  private final Reason reason;

  public PresignException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
