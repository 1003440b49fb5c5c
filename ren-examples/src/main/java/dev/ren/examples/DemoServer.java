package dev.ren.examples;

import dev.ren.hub.RenHub;
import dev.ren.servlet.dropin.RenInitializer;
import dev.ren.servlet.RenServlet;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The runnable demo: embedded Jetty 12 serving the REN stream, every HTTP binding, and the live web app at
 * {@code /}.
 *
 * <pre>
 * java -jar ren-examples/target/ren-examples.jar [--port 3001] [--data DIR] [--heartbeat SECONDS]
 *     [--history EVENTS] [--cors ORIGINS] [--redis redis://host:port]
 * </pre>
 *
 * <p>Thread-safety: start and stop from one thread.
 */
public final class DemoServer implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(DemoServer.class.getName());

  /** Parsed command line. */
  public record Options(int port, String host, Path dataDir, int heartbeatSeconds, int history, String cors,
                        @Nullable URI redis) {

    public static Options parse(String... args) {
      int port = 3001;
      String host = "0.0.0.0";
      Path data = Path.of("data");
      int heartbeat = 15;
      int history = 65_536;
      String cors = "";
      URI redis = null;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--help") || a.equals("-h")) {
          throw new IllegalArgumentException(usage());
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value\n" + usage());
        }
        String v = args[++i];
        switch (a) {
          case "--port" -> port = intArg(a, v, 0, 65_535);
          case "--host" -> host = v;
          case "--data" -> data = Path.of(v);
          case "--heartbeat" -> heartbeat = intArg(a, v, 1, 600);
          case "--history" -> history = intArg(a, v, 2, 1 << 24);
          case "--cors" -> cors = v;
          case "--redis" -> redis = URI.create(v);
          default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
        }
      }
      return new Options(port, host, data, heartbeat, history, cors, redis);
    }

    static String usage() {
      return "usage: java -jar ren-examples.jar [--port 3001] [--host 0.0.0.0] [--data DIR] "
          + "[--heartbeat SECONDS] [--history EVENTS] [--cors ORIGINS] [--redis redis://host:port]";
    }

    private static int intArg(String name, String v, int min, int max) {
      try {
        int n = Integer.parseInt(v);
        if (n < min || n > max) {
          throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + n);
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be an integer, was '" + v + "'");
      }
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final RenHub hub;

  public DemoServer(Options options) throws IOException {
    Files.createDirectories(options.dataDir());
    server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    // storage and KV keys may arrive as one %2F-encoded segment
    http.setUriCompliance(UriCompliance.from(
        "DEFAULT,AMBIGUOUS_PATH_SEPARATOR,AMBIGUOUS_PATH_ENCODING,AMBIGUOUS_EMPTY_SEGMENT"));
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(16 * 1024);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(options.host());
    connector.setPort(options.port());
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.getServletHandler().setDecodeAmbiguousURIs(true);
    context.setInitParameter("ren.heartbeatSeconds", String.valueOf(options.heartbeatSeconds()));
    context.setInitParameter("ren.history", String.valueOf(options.history()));
    context.setInitParameter("ren.cors", options.cors());
    context.setInitParameter("ren.dataDir", options.dataDir().toAbsolutePath().toString());
    hub = Hubs.create(options);
    owned.add(hub);
    context.setAttribute(RenServlet.HUB_ATTRIBUTE, hub);
    context.addServletContainerInitializer(new RenInitializer());

    context.setBaseResource(ResourceFactory.of(context).newClassLoaderResource("dev/ren/examples/web", false));
    ServletHolder files = new ServletHolder("static", DefaultServlet.class);
    files.setInitParameter("dirAllowed", "false");
    files.setInitParameter("etags", "true");
    context.addServlet(files, "/");
    server.setHandler(context);
  }

  public DemoServer start() throws Exception {
    server.start();
    return this;
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** The hub every binding publishes to. */
  public RenHub hub() {
    return hub;
  }

  public URI uri() {
    return URI.create("http://localhost:" + port());
  }

  @Override
  public void close() throws Exception {
    server.stop();
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    DemoServer demo = new DemoServer(options).start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        demo.close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "shutdown failed", e);
      }
    }, "ren-demo-shutdown"));
    LOG.log(System.Logger.Level.INFO, "REN demo server ready at " + demo.uri() + "/ (stream: " + demo.uri()
        + RenServlet.DEFAULT_PATH + "?s=*)");
    demo.server.join();
  }
}
