package dev.ren.client;

/**
 * The REN server answered the stream request with a status other than 200. A {@code 4xx} other than 408 and 429
 * is permanent (a malformed filter or client id does not fix itself) and closes the client; anything else is
 * retried with backoff.
 *
 * <p>Thread-safety: immutable.
 */
public final class StreamHttpErrorException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String body;

  public StreamHttpErrorException(int status, String body) {
    super("REN stream answered HTTP " + status + (body.isEmpty() ? "" : ": " + body));
    this.status = status;
    this.body = body;
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  /** The start of the response body (the server's JSON error), possibly empty. */
  public String body() {
    return body;
  }

  /** Whether reconnecting may help: false for client errors other than 408 and 429. */
  public boolean isRetryable() {
    return status < 400 || status >= 500 || status == 408 || status == 429;
  }
}
