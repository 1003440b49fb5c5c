package dev.ren.servlet.dropin;

import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The error page for every error the container produces itself (no servlet mapped, a bad request line, an
 * exception that escaped a servlet): the body is REN's JSON error, {@code {"error": code, "message": message}},
 * never the container's HTML page. The message is a fixed sentence per status: the container's own message, the
 * exception, a filesystem path or the server's version never reach the client.
 *
 * <p>The drop-in maps it at the path named by the context parameter {@code ren.errorPage}; the application's
 * {@code web.xml} points its default error page there (Servlet API 6 has no way to add an error page from code):
 *
 * <pre>{@code
 * <context-param><param-name>ren.errorPage</param-name><param-value>/ren-error</param-value></context-param>
 * <error-page><location>/ren-error</location></error-page>
 * }</pre>
 *
 * <p>A request for the page itself (not an error dispatch) is answered {@code 404}.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class JsonErrorServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    int status = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer s ? s : 404;
    JsonServlet.sendError(req, resp, errorFor(status));
  }

  /**
   * The JSON error REN answers for an HTTP status the container chose: the code names the status in the words the
   * bindings use ({@code not_found}, {@code payload_too_large}, ...), the message is a fixed sentence. A status
   * below 400 or above 599 is treated as 500.
   */
  public static HttpError errorFor(int status) {
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
