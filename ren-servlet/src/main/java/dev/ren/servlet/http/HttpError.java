package dev.ren.servlet.http;

import java.util.Map;

/**
 * An HTTP error with a status, a short machine-readable code and a message that names the problem; written as
 * {@code {"error": code, "message": message, ...details}} by {@link JsonServlet}.
 *
 * <p>Thread-safety: immutable.
 */
public final class HttpError extends RuntimeException {
  private final int status;
  private final String code;
  private final Map<String, Object> details;
  private final Map<String, String> headers;

  public HttpError(int status, String code, String message) {
    this(status, code, message, Map.of());
  }

  /** An error whose JSON body carries {@code details} beside {@code error} and {@code message}. */
  public HttpError(int status, String code, String message, Map<String, Object> details) {
    this(status, code, message, details, Map.of());
  }

  private HttpError(int status, String code, String message, Map<String, Object> details,
      Map<String, String> headers) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = Map.copyOf(details);
    this.headers = Map.copyOf(headers);
  }

  /** This error with a response header added (e.g. {@code Retry-After} on a {@code 503} or {@code 429}). */
  public HttpError withHeader(String name, String value) {
    Map<String, String> h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new HttpError(status, code, String.valueOf(getMessage()), details, h);
  }

  /** Response headers to send with the error (empty for most errors). */
  public Map<String, String> headers() {
    return headers;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Extra fields of the JSON body (empty for most errors). */
  public Map<String, Object> details() {
    return details;
  }

  public static HttpError badRequest(String message) {
    return new HttpError(400, "bad_request", message);
  }

  public static HttpError notFound(String message) {
    return new HttpError(404, "not_found", message);
  }

  public static HttpError conflict(String message) {
    return new HttpError(409, "conflict", message);
  }

  public static HttpError tooLarge(String message) {
    return new HttpError(413, "payload_too_large", message);
  }

  public static HttpError methodNotAllowed(String method) {
    return new HttpError(405, "method_not_allowed", "method " + method + " is not allowed here");
  }

  /** {@code 500 internal_error}: says nothing about the cause, which is logged, never sent. */
  public static HttpError internalError() {
    return new HttpError(500, "internal_error", "the server failed to handle this request");
  }

  /**
   * {@code 503 not_published}: the change was applied but its event could not be published (see
   * {@link dev.ren.AppliedButNotPublishedException}); the body says {@code "applied":true} so the client does not
   * retry a change that happened.
   */
  public static HttpError notPublished() {
    return new HttpError(503, "not_published",
        "the change was applied, but its event could not be published; other clients may not see it until they"
            + " refetch", Map.of("applied", true));
  }
}
