package dev.ren.storage;

/**
 * A presigned request was refused; nothing was read or stored.
 *
 * <p>Thread-safety: immutable.
 */
public final class PresignException extends RuntimeException {

  /** Why the request was refused. */
  public enum Reason {
    MALFORMED, EXPIRED, BAD_SIGNATURE,
    /** An upload URL allows one {@code PUT}, and this one was made before. */
    ALREADY_USED,
    /** Too many used upload URLs have not expired yet to remember one more. */
    TOO_MANY_UPLOADS
  }

  private final Reason reason;

  public PresignException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
