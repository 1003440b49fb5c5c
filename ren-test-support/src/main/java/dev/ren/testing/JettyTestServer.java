package dev.ren.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.util.EnumSet;

/**
 * An embedded Jetty 12 (ee10) on an ephemeral port for tests: add servlets, start, talk to {@link #uri()}.
 * Encoded slashes ({@code %2F}) are accepted as the storage and KV bindings require; filters (such as REN's
 * client-id filter) are added with {@link #filter}.
 *
 * <pre>{@code
 * try (JettyTestServer server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/api/kv/*", new KvServlet(store)).start()) {
 *   HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/kv/demo/a")).build(), ofString());
 * }
 * }</pre>
 *
 * <p>Thread-safety: configure and start from one thread.
 */
public final class JettyTestServer implements AutoCloseable {

  private final Server server = new Server();
  private final ServerConnector connector;
  private final ServletContextHandler context = new ServletContextHandler();

  public JettyTestServer() {
    HttpConfiguration config = new HttpConfiguration();
    config.setUriCompliance(UriCompliance.from(
        "DEFAULT,AMBIGUOUS_PATH_SEPARATOR,AMBIGUOUS_PATH_ENCODING,AMBIGUOUS_EMPTY_SEGMENT"));
    config.setSendServerVersion(false);
    connector = new ServerConnector(server, new HttpConnectionFactory(config));
    connector.setPort(0);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    context.setContextPath("/");
    context.getServletHandler().setDecodeAmbiguousURIs(true);
    server.setHandler(context);
  }

  /** Maps a servlet (e.g. {@code "/api/kv/*"}). */
  public JettyTestServer servlet(String pathSpec, Servlet servlet) {
    ServletHolder holder = new ServletHolder(servlet);
    holder.setAsyncSupported(true);
    context.addServlet(holder, pathSpec);
    return this;
  }

  /** Maps a filter for requests (e.g. {@code "/*"}). */
  public JettyTestServer filter(String pathSpec, Filter filter) {
    FilterHolder holder = new FilterHolder(filter);
    holder.setAsyncSupported(true);
    context.addFilter(holder, pathSpec, EnumSet.of(DispatcherType.REQUEST));
    return this;
  }

  /** Sets a servlet-context attribute before start (e.g. the security every REN binding looks for). */
  public JettyTestServer attribute(String name, Object value) {
    context.setAttribute(name, value);
    return this;
  }

  /** The servlet context handler, for anything else a test needs to register. */
  public ServletContextHandler context() {
    return context;
  }

  public JettyTestServer start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty failed to start", e);
    }
    return this;
  }

  public int port() {
    return connector.getLocalPort();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** The server URI with a path (and query) appended, given raw (already percent-encoded). */
  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
  }

  public Server server() {
    return server;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty failed to stop", e);
    }
  }
}
