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

  /**
   * The JSON error REN answers for an HTTP status the container chose: the code names the status in the words the
   * bindings use ({@code not_found}, {@code payload_too_large}, ...), the message is a fixed sentence. A status
   * below 400 or above 599 is treated as 500.
   */
  public static HttpError forStatus(int status) {
    return switch (status) {
      case 400 -> new HttpError(400, "bad_request", "the request is malformed");
      case 401 -> new HttpError(401, "unauthorized", "authentication is required");
      case 403 -> new HttpError(403, "forbidden", "access to this resource is denied");
      case 404 -> new HttpError(404, "not_found", "no resource at this path");
      case 405 -> new HttpError(405, "method_not_allowed", "this method is not allowed here");
      case 408 -> new HttpError(408, "request_timeout", "the request was not received in time");
      case 411 -> new HttpError(411, "length_required", "the request needs a Content-Length");
      case 413 -> new HttpError(413, "payload_too_large", "the request body is too large");
      case 414 -> new HttpError(414, "uri_too_long", "the request URI is too long");
      case 415 -> new HttpError(415, "unsupported_media_type", "this content type is not accepted here");
      case 429 -> new HttpError(429, "too_many_requests", "too many requests");
      case 431 -> new HttpError(431, "headers_too_large", "the request headers are too large");
      case 503 -> new HttpError(503, "unavailable", "the service is unavailable");
      default -> status >= 400 && status < 500
          ? new HttpError(status, "client_error", "the request was refused")
          : new HttpError(status >= 500 && status < 600 ? status : 500, "internal_error",
              "the server failed to handle this request");
    };
  }
}
