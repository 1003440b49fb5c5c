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
    JsonServlet.sendError(req, resp, HttpError.forStatus(status));
  }
}
