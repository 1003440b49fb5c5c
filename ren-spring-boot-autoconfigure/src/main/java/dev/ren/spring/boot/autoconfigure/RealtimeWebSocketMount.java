package dev.ren.spring.boot.autoconfigure;

import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.websocket.realtime.RealtimeWebSocketServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * Mounts the {@link RealtimeWebSocketServlet} once the servlet context is up, when the container offers Jakarta
 * WebSocket. Boot's servlet-context initializers run before the container's WebSocket initializer (embedded Tomcat
 * adds {@code WsSci} after Boot's own), so whether the {@code ServerContainer} exists is known only when servlets
 * start: this servlet starts with the context ({@code load-on-startup}) and then either starts the endpoint and
 * hands it every request, or logs a warning and answers {@code 404 websocket_unavailable}, without failing the
 * application.
 *
 * <p>Thread-safety: thread-safe; {@code init} runs once before any request.
 */
final class RealtimeWebSocketMount extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final System.Logger LOG = System.getLogger(RealtimeWebSocketMount.class.getName());

  private final transient RealtimeWebSocketServlet endpoint;
  private final String path;
  private volatile boolean mounted;

  RealtimeWebSocketMount(RealtimeWebSocketServlet endpoint, String path) {
    this.endpoint = endpoint;
    this.path = path;
  }

  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    if (!RealtimeWebSocketServlet.isSupported(config.getServletContext())) {
      LOG.log(Level.WARNING, "REN realtime over WebSocket is not mounted at " + path + ": the servlet container "
          + "has no Jakarta WebSocket (no servlet-context attribute jakarta.websocket.server.ServerContainer). "
          + "Add org.apache.tomcat.embed:tomcat-embed-websocket (Tomcat) or "
          + "org.eclipse.jetty.ee10.websocket:jetty-ee10-websocket-jakarta-server (Jetty); realtime over HTTP "
          + "and SSE works without it");
      return;
    }
    endpoint.init(config);
    mounted = true;
    LOG.log(Level.INFO, "REN realtime over WebSocket at " + path);
  }

  /** Whether the endpoint started (the container has Jakarta WebSocket). */
  boolean mounted() {
    return mounted;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    if (mounted) {
      endpoint.service(req, resp);
      return;
    }
    JsonServlet.sendError(req, resp, new HttpError(404, "websocket_unavailable",
        "realtime over WebSocket is not available: the server has no Jakarta WebSocket; use the HTTP and SSE API"));
  }

  @Override
  public void destroy() {
    if (mounted) {
      mounted = false;
      endpoint.destroy();
    }
    super.destroy();
  }
}
