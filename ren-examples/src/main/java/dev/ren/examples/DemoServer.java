package dev.ren.examples;

import dev.ren.hub.RenHub;
import dev.ren.internal.Settings;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.dropin.RenInitializer;
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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The runnable demo: embedded Jetty 12 serving the REN stream, every HTTP binding ({@value #BINDINGS}), and the
 * live web app at {@code /}. REN is registered exactly as in the WAR, by the drop-in's {@link RenInitializer}, with
 * the demo's own hub (in memory, or on Redis Streams) put in the context first.
 *
 * <pre>
 * java -jar ren-examples/target/ren-examples.jar [--port 3001] [--data DIR] [--heartbeat SECONDS]
 *     [--history EVENTS] [--cors ORIGINS] [--redis redis://host:port]
 * </pre>
 *
 * <p>The demo runs OPEN: no authentication, every client may read and write everything and receive every event.
 * Bind it to a trusted interface ({@code --host 127.0.0.1}) outside a private network.
 *
 * <p>{@link #close()} stops Jetty (which destroys the context, so the initializer closes the stores it created and
 * REN's servlet stops its writer and heartbeat threads) and then closes the hub; no REN thread is left.
 *
 * <p>Thread-safety: start and stop from one thread; {@link #close()} is idempotent.
 */
public final class DemoServer implements AutoCloseable {

  /** The bindings the demo registers (context parameter {@code ren.bindings}). */
  public static final String BINDINGS = "kv,db,storage,transforms,realtime";

  private static final System.Logger LOG = System.getLogger(DemoServer.class.getName());

  /** Parsed command line. */
  public record Options(int port, String host, Path dataDir, int heartbeatSeconds, int history, String cors,
                        @Nullable URI redis) {

    /**
     * Parses the command line; an unknown, incomplete, malformed or repeated option is an
     * {@link IllegalArgumentException} carrying the usage.
     */
    public static Options parse(String... args) {
      Settings given = new Settings();
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
        try {
          switch (a) {
            case "--port" -> port = given.once(a, intArg(a, v, 0, 65_535));
            case "--host" -> host = given.once(a, v);
            case "--data" -> data = given.once(a, Path.of(v));
            case "--heartbeat" -> heartbeat = given.once(a, intArg(a, v, 1, 600));
            case "--history" -> history = given.once(a, intArg(a, v, 2, 1 << 24));
            case "--cors" -> cors = given.once(a, v);
            case "--redis" -> redis = given.once(a, URI.create(v));
            default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
          }
        } catch (IllegalStateException e) {
          throw new IllegalArgumentException(e.getMessage() + "\n" + usage(), e);
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
  private final RenHub hub;
  private final AtomicBoolean closed = new AtomicBoolean();

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
    context.setInitParameter("ren.bindings", BINDINGS);
    context.setInitParameter("ren.heartbeatSeconds", String.valueOf(options.heartbeatSeconds()));
    context.setInitParameter("ren.history", String.valueOf(options.history()));
    context.setInitParameter("ren.cors", options.cors());
    context.setInitParameter("ren.dataDir", options.dataDir().toAbsolutePath().toString());
    context.setBaseResource(ResourceFactory.of(context).newClassLoaderResource("dev/ren/examples/web", false));
    ServletHolder files = new ServletHolder("static", DefaultServlet.class);
    files.setInitParameter("dirAllowed", "false");
    files.setInitParameter("etags", "true");
    context.addServlet(files, "/");

    // created last, so nothing above can fail with the hub's thread running; the initializer uses this hub
    // (maybe on Redis) instead of creating one and leaves it to close()
    hub = Hubs.create(options);
    context.setAttribute(RenServlet.HUB_ATTRIBUTE, hub);
    context.addServletContainerInitializer(new RenInitializer());
    server.setHandler(context);
  }

  /** Starts Jetty; if that fails, everything created so far is closed before the exception is thrown. */
  public DemoServer start() throws Exception {
    try {
      server.start();
    } catch (Exception e) {
      try {
        close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
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

  /**
   * Stops Jetty (and with it the REN context), then closes the hub. Idempotent.
   *
   * @throws IllegalStateException if Jetty failed to stop (the hub is closed all the same)
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping Jetty", e);
    } catch (Exception e) {
      throw new IllegalStateException("Jetty failed to stop", e);
    } finally {
      hub.close();
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
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "shutdown failed", e);
      }
    }, "ren-demo-shutdown"));
    LOG.log(System.Logger.Level.INFO, "REN demo server ready at " + demo.uri() + "/ (stream: " + demo.uri()
        + RenServlet.DEFAULT_PATH + "?s=*)");
    demo.server.join();
  }
}
