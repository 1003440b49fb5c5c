package dev.ren.servlet.dropin;

import dev.ren.servlet.Cors;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;

import dev.ren.hub.RenHub;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Drop-in registration: a WAR that contains the REN jars gets the SSE endpoint, the client-id filter and an HTTP
 * binding for every backend module present, with no code. Settings come from context init parameters
 * ({@code <context-param>} in web.xml, or {@code setInitParameter} on an embedded context):
 *
 * <table>
 *   <caption>Context parameters</caption>
 *   <tr><td>{@code ren.enabled}</td><td>{@code false} turns the whole registration off</td></tr>
 *   <tr><td>{@code ren.path}</td><td>stream path, default {@code /api/maravilla/ren}</td></tr>
 *   <tr><td>{@code ren.heartbeatSeconds}</td><td>default 15</td></tr>
 *   <tr><td>{@code ren.history}</td><td>events kept for resume, default 65536</td></tr>
 *   <tr><td>{@code ren.maxStreams}</td><td>default 10000</td></tr>
 *   <tr><td>{@code ren.cors}</td><td>comma-separated exact origins, default none</td></tr>
 *   <tr><td>{@code ren.dataDir}</td><td>where H2 and blobs live, default {@code <java.io.tmpdir>/ren-data}</td></tr>
 *   <tr><td>{@code ren.realtimeHistory}</td><td>messages kept per realtime channel, default 100 (0 = none)</td></tr>
 * </table>
 *
 * <p>An application (or the demo server) that builds its own hub or stores puts them in context attributes named
 * after their interface ({@link RenServlet#HUB_ATTRIBUTE}, {@code dev.ren.kv.KvStore}, ...) before the context
 * starts; this initializer then uses them instead of creating defaults, and closes only what it created.
 *
 * <p>Thread-safety: called once per context by the container.
 */
public final class RenInitializer implements ServletContainerInitializer {

  private static final System.Logger LOG = System.getLogger(RenInitializer.class.getName());

  @Override
  public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
    if ("false".equalsIgnoreCase(param(ctx, "ren.enabled", "true"))) {
      LOG.log(Level.INFO, "REN registration disabled by ren.enabled=false");
      return;
    }
    String path = param(ctx, "ren.path", RenServlet.DEFAULT_PATH);
    if (!path.matches("(/[A-Za-z0-9_.-]+)+")) {
      throw new IllegalArgumentException("ren.path '" + path + "' must be an absolute path like /api/maravilla/ren");
    }
    int heartbeat = intParam(ctx, "ren.heartbeatSeconds", 15, 1, 600);
    int history = intParam(ctx, "ren.history", 65_536, 2, 1 << 24);
    int maxStreams = intParam(ctx, "ren.maxStreams", 10_000, 1, 10_000_000);
    Cors cors = Cors.parse(param(ctx, "ren.cors", ""));
    Path dataDir = Path.of(param(ctx, "ren.dataDir",
        Path.of(System.getProperty("java.io.tmpdir"), "ren-data").toString()));

    List<AutoCloseable> owned = new ArrayList<>();
    RenHub hub = (RenHub) ctx.getAttribute(RenServlet.HUB_ATTRIBUTE);
    if (hub == null) {
      hub = RenHub.builder().capacity(history).build();
      ctx.setAttribute(RenServlet.HUB_ATTRIBUTE, hub);
      owned.add(hub);
    }

    FilterRegistration.Dynamic filter = ctx.addFilter("ren-client", new RenClientFilter(cors));
    filter.setAsyncSupported(true);
    filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/api/*", path, path + "/*");

    RenServletConfig config = RenServletConfig.builder()
        .heartbeat(Duration.ofSeconds(heartbeat))
        .maxStreams(maxStreams)
        .build();
    ServletRegistration.Dynamic stream = ctx.addServlet("ren-stream", new RenServlet(hub, config));
    stream.setAsyncSupported(true);
    stream.addMapping(path, path + "/*");

    Bindings.install(ctx, hub, dataDir, owned);

    ctx.addListener(new ServletContextListener() {
      @Override
      public void contextDestroyed(ServletContextEvent sce) {
        for (int i = owned.size() - 1; i >= 0; i--) {
          try {
            owned.get(i).close();
          } catch (Exception e) {
            LOG.log(Level.WARNING, "closing " + owned.get(i) + " failed", e);
          }
        }
      }
    });
    LOG.log(Level.INFO, "REN registered at " + ctx.getContextPath() + path + " (hub " + hub.nodeId() + ")");
  }

  static String param(ServletContext ctx, String name, String fallback) {
    String v = ctx.getInitParameter(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  static int intParam(ServletContext ctx, String name, int fallback, int min, int max) {
    String v = ctx.getInitParameter(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) {
        throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was '" + v + "'", e);
    }
  }
}
