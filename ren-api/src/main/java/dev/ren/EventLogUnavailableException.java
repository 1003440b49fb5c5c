package dev.ren;

/**
 * The event log could not record an event (for example Redis is unreachable). The mutation that caused the
 * event already happened; the caller decides whether to retry, compensate or report.
 *
 * <p>Thread-safety: immutable.
 */
public class EventLogUnavailableException extends RuntimeException {
  public EventLogUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public EventLogUnavailableException(String message) {
    super(message);
  }
}
