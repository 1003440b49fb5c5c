package dev.ren.servlet.http;

/**
 * An HTTP error with a status, a short machine-readable code and a message that names the problem; written as
 * {@code {"error": code, "message": message}} by {@link JsonServlet}.
 *
 * <p>Thread-safety: immutable.
 */
public final class HttpError extends RuntimeException {
  private final int status;
  private final String code;

  public HttpError(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
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
}
