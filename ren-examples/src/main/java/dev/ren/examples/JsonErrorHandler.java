package dev.ren.examples;

import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * Jetty's server-level error handler for the demo: the errors Jetty produces before a request reaches the servlet
 * context (a malformed request line or header, a URI or headers too large, a body cut for being too slow, an
 * unusable URI) answer the same JSON as {@link dev.ren.servlet.dropin.JsonErrorServlet}, {@code {"error": code, "message": message}}:
 * no HTML, no Jetty message, no stack trace, no version. Errors inside the context go to the servlet through the
 * context's error page, as in the WAR.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
final class JsonErrorHandler extends ErrorHandler {

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = request.getAttribute(ERROR_STATUS) instanceof Integer s ? s : 500;
    response.setStatus(status);
    headers(response.getHeaders());
    response.write(true, ByteBuffer.wrap(body(status)), callback);
    return true;
  }

  /** The body Jetty sends for a request it could not parse (it has no request to hand to {@link #handle}). */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    headers(fields);
    return ByteBuffer.wrap(body(status));
  }

  private static void headers(HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
    fields.put(HttpHeader.CACHE_CONTROL, "no-store");
  }

  static byte[] body(int status) {
    return JsonServlet.errorBody(HttpError.forStatus(status));
  }

}
