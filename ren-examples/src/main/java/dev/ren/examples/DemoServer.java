package dev.ren.examples;

import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.internal.Settings;
import dev.ren.kv.KvStore;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.dropin.RenInitializer;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.tokens.JwtTokens;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.EagerContentHandler;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The runnable demo: embedded Jetty 12 serving the REN stream, every HTTP binding ({@value #BINDINGS}), and the
 * live web app at {@code /}, and realtime over WebSocket at {@code /_rt/ws} (Jetty's Jakarta WebSocket container is
 * installed before the drop-in, which then mounts {@code ren-websocket-realtime}; the page's chat uses it). REN is
 * registered exactly as in the WAR, by the drop-in's {@link RenInitializer}, with
 * the demo's own hub (in memory, or on Redis Streams) put in the context first; with {@code --redis} its KV store
 * is on Redis too ({@link dev.ren.kv.redis.RedisKvBackend}), and so is realtime
 * ({@link dev.ren.realtime.redis.RedisRealtimeBackend}: sequences, history, presence), so demo nodes on one Redis
 * share their keys, channels and members.
 *
 * <pre>
 * java -jar ren-examples/target/ren-examples.jar [--port 3001] [--host 127.0.0.1] [--data DIR]
 *     [--heartbeat SECONDS] [--history EVENTS] [--cors ORIGINS] [--redis redis://host:port]
 *     [--users FILE] [--token-ttl SECONDS] [--publish-rate PER_SECOND[/BURST]] [--postgres JDBC_URL]
 * </pre>
 *
 * <p>Documents are kept in H2 under {@code --data}, or with {@code --postgres jdbc:postgresql://host/db?user=..}
 * in that PostgreSQL database ({@link PostgresDocuments}), which several demo servers may share.
 *
 * <p>Access: the demo installs a {@link RenSecurity} in its context before the drop-in's bindings start. Without
 * {@code --users} it runs OPEN ({@link RenSecurity#open()}): no authentication, every client may read and write
 * everything and receive every event; it says so in a warning on start and in a banner on its page
 * ({@code GET /demo/config}). With {@code --users FILE} (see {@link DemoUsers} for the syntax) API calls need HTTP
 * Basic credentials of a user in the file, each user works in its own tenant with the roles {@code read},
 * {@code write} or {@code admin}, and the page logs in with its own form and opens its streams with stream tokens
 * ({@code POST /api/maravilla/ren/token}, valid {@code --token-ttl} seconds, default 300) signed with a key of this
 * process. A wrong name or password is a {@code 401} JSON error without {@code WWW-Authenticate}, so browsers show
 * the page's form rather than their own dialog.
 *
 * <p>It listens on the loopback interface unless {@code --host} says otherwise ({@code --host 0.0.0.0} for every
 * interface, which it logs as a warning).
 *
 * <p>Slow and careless clients are bounded by {@link Limits}: an idle timeout, a request header size, a bounded
 * thread pool, request bodies read without a thread up to {@link Limits#eagerBodyBytes()} and cut with {@code 408}
 * below a minimum rate. Every error the container produces itself answers REN's JSON error (never Jetty's HTML
 * page): inside the context through the drop-in's error servlet at {@value #ERROR_PAGE}, as in the WAR, and before
 * the context through {@link JsonErrorHandler}.
 *
 * <p>{@link #close()} stops Jetty (which destroys the context, so the initializer closes the stores it created and
 * REN's servlet stops its writer and heartbeat threads) and then closes the hub; no REN thread is left.
 *
 * <p>Thread-safety: start and stop from one thread; {@link #close()} is idempotent.
 */
public final class DemoServer implements AutoCloseable {

  /** The bindings the demo registers (context parameter {@code ren.bindings}). */
  public static final String BINDINGS = "kv,db,storage,transforms,realtime";

  /** Where the drop-in maps its JSON error servlet; the context's default error page. */
  public static final String ERROR_PAGE = "/ren-error";

  private static final System.Logger LOG = System.getLogger(DemoServer.class.getName());

  /** Parsed command line. */
  public record Options(int port, String host, Path dataDir, int heartbeatSeconds, int history, String cors,
                        @Nullable URI redis, @Nullable Path users, int tokenTtlSeconds, String publishRate,
                        @Nullable String postgres) {

    /** The default lifetime of a stream token, in seconds. */
    public static final int DEFAULT_TOKEN_TTL_SECONDS = 300;

    /**
     * Parses the command line; an unknown, incomplete, malformed or repeated option is an
     * {@link IllegalArgumentException} carrying the usage.
     */
    public static Options parse(String... args) {
      Settings given = new Settings();
      int port = 3001;
      String host = "127.0.0.1";
      Path data = Path.of("data");
      int heartbeat = 15;
      int history = 65_536;
      String cors = "";
      URI redis = null;
      Path users = null;
      int tokenTtl = DEFAULT_TOKEN_TTL_SECONDS;
      String publishRate = "";
      String postgres = null;
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
            case "--users" -> users = given.once(a, Path.of(v));
            // RenSecurity's own bounds on a stream token's lifetime: 10 s to 24 h
            case "--token-ttl" -> tokenTtl = given.once(a, intArg(a, v, 10, 86_400));
            // realtime messages per caller, checked by the drop-in (ren.realtimePublishRate) at start
            case "--publish-rate" -> publishRate = given.once(a, rateArg(a, v));
            case "--postgres" -> postgres = given.once(a, postgresArg(v));
            default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
          }
        } catch (IllegalStateException e) {
          throw new IllegalArgumentException(e.getMessage() + "\n" + usage(), e);
        }
      }
      if (users == null && given.isSet("--token-ttl")) {
        throw new IllegalArgumentException("--token-ttl needs --users (an open demo mints no tokens)\n" + usage());
      }
      return new Options(port, host, data, heartbeat, history, cors, redis, users, tokenTtl, publishRate,
          postgres);
    }

    static String usage() {
      return "usage: java -jar ren-examples.jar [--port 3001] [--host 127.0.0.1] [--data DIR] "
          + "[--heartbeat SECONDS] [--history EVENTS] [--cors ORIGINS] [--redis redis://host:port] "
          + "[--users FILE] [--token-ttl SECONDS] [--publish-rate PER_SECOND[/BURST]] [--postgres JDBC_URL]";
    }

    private static String postgresArg(String v) {
      try {
        return PostgresDocuments.checkUrl(v);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "\n" + usage(), e);
      }
    }

    private static String rateArg(String name, String v) {
      if (!v.matches("[1-9][0-9]{0,5}(/[1-9][0-9]{0,5})?")) {
        throw new IllegalArgumentException(name + " must be PER_SECOND or PER_SECOND/BURST (each 1-999999), was '"
            + v + "'\n" + usage());
      }
      return v;
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
  private final MinimumBodyRate bodyRate;
  private final RenHub hub;
  /** The documents with {@code --postgres}, closed after Jetty; else the drop-in's H2 store. */
  private final @Nullable PostgresDocuments documents;
  /** The KV store on Redis with {@code --redis}, closed after Jetty; null: the drop-in makes its own. */
  private final @Nullable KvStore kv;
  /** Realtime on Redis with {@code --redis}, closed after Jetty; null: the drop-in makes its own. */
  private final @Nullable Realtime realtime;
  private final RenSecurity security;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A demo server with {@link Limits#defaults()}. */
  public DemoServer(Options options) throws IOException {
    this(options, Limits.defaults());
  }

  public DemoServer(Options options, Limits limits) throws IOException {
    this(options, limits, System::nanoTime);
  }

  /** {@code nanoTime} times the body rate check (tests move it by hand). */
  DemoServer(Options options, Limits limits, LongSupplier nanoTime) throws IOException {
    // first, so a malformed users file fails the start before anything is created
    DemoUsers users = options.users() != null ? DemoUsers.load(options.users()) : null;
    security = security(users, options.tokenTtlSeconds());
    Files.createDirectories(options.dataDir());
    QueuedThreadPool threads = new QueuedThreadPool(limits.maxThreads(), 8);
    threads.setName("ren-demo-http");
    server = new Server(threads);
    server.setErrorHandler(new JsonErrorHandler());
    HttpConfiguration http = new HttpConfiguration();
    // storage and KV keys may arrive as one %2F-encoded segment
    http.setUriCompliance(UriCompliance.from(
        "DEFAULT,AMBIGUOUS_PATH_SEPARATOR,AMBIGUOUS_PATH_ENCODING,AMBIGUOUS_EMPTY_SEGMENT"));
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(limits.maxRequestHeaderBytes());
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(options.host());
    connector.setPort(options.port());
    // an idle SSE stream hears a heartbeat every heartbeatSeconds: never cut it between two
    Duration idle = limits.idleTimeout();
    Duration twoBeats = Duration.ofSeconds(2L * options.heartbeatSeconds());
    connector.setIdleTimeout((twoBeats.compareTo(idle) > 0 ? twoBeats : idle).toMillis());
    server.addConnector(connector);
    warnIfBeyondLoopback(options.host(), users != null);

    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.getServletHandler().setDecodeAmbiguousURIs(true);
    context.setInitParameter("ren.bindings", BINDINGS);
    context.setInitParameter("ren.heartbeatSeconds", String.valueOf(options.heartbeatSeconds()));
    context.setInitParameter("ren.history", String.valueOf(options.history()));
    if (!options.publishRate().isEmpty()) {
      context.setInitParameter("ren.realtimePublishRate", options.publishRate());
    }
    context.setInitParameter("ren.cors", options.cors());
    context.setInitParameter("ren.dataDir", options.dataDir().toAbsolutePath().toString());
    context.setInitParameter("ren.errorPage", ERROR_PAGE);
    // every binding the drop-in registers, and the stream, find it here (it logs open mode as a warning)
    security.install(context.getServletContext());
    ErrorPageErrorHandler errorPages = new ErrorPageErrorHandler() {
      // Jetty writes error pages for GET, POST and HEAD only, and an empty body otherwise: REN's JSON for all
      @Override
      public boolean errorPageForMethod(String method) {
        return true;
      }
    };
    errorPages.addErrorPage(ErrorPageErrorHandler.GLOBAL_ERROR_PAGE, ERROR_PAGE);
    context.setErrorHandler(errorPages);
    context.setBaseResource(ResourceFactory.of(context).newClassLoaderResource("dev/ren/examples/web", false));
    ServletHolder files = new ServletHolder("static", DefaultServlet.class);
    files.setInitParameter("dirAllowed", "false");
    files.setInitParameter("etags", "true");
    context.addServlet(files, "/");
    context.addServlet(new ServletHolder("demo-access", new DemoAccessServlet(security, users != null)),
        DemoAccessServlet.PATH + "/*");

    // created last, so nothing above can fail with the hub's thread running; the initializer uses this hub
    // (maybe on Redis) instead of creating one and leaves it to close()
    hub = Hubs.create(options);
    context.setAttribute(RenServlet.HUB_ATTRIBUTE, hub);
    documents = postgresDocuments(options.postgres(), hub);
    if (documents != null) {
      context.setAttribute(DocumentStore.class.getName(), documents.store()); // the drop-in's db binding uses it
    }
    kv = Hubs.kv(options, hub);
    if (kv != null) {
      context.setAttribute(KvStore.class.getName(), kv); // the drop-in binds this one instead of its own
    }
    realtime = Hubs.realtime(options, hub);
    if (realtime != null) {
      context.setAttribute(Realtime.class.getName(), realtime); // likewise
    }
    // Jakarta WebSocket first: the drop-in mounts realtime at /_rt/ws when it finds the ServerContainer
    JakartaWebSocketServletContainerInitializer.configure(context, null);
    context.addServletContainerInitializer(new RenInitializer());
    // bodies up to eagerBodyBytes arrive before a thread is given to the request; a larger one is handed over
    // at that size and read on by the servlet; the rate check wraps both
    EagerContentHandler eager = new EagerContentHandler(MinimumBodyRate.refusingCutBodies(context),
        new EagerContentHandler.RetainedContentLoaderFactory(limits.eagerBodyBytes(), -1, false));
    bodyRate = new MinimumBodyRate(eager, limits.minBodyBytesPerSecond(), limits.bodyRateGrace(), nanoTime);
    server.setHandler(bodyRate);
  }

  /** The documents on PostgreSQL, or null without {@code --postgres}; a failure to open closes the hub. */
  private static @Nullable PostgresDocuments postgresDocuments(@Nullable String url, RenHub hub) {
    if (url == null) {
      return null;
    }
    try {
      return PostgresDocuments.open(url, hub);
    } catch (RuntimeException e) {
      hub.close();
      throw e;
    }
  }

  /**
   * Open mode without users; else HTTP Basic against them for API calls, chained after stream tokens (a key of this
   * process) for the page's streams, each user in its tenant, with the roles' policy ({@link DemoUsers#policy()}).
   */
  private static RenSecurity security(@Nullable DemoUsers users, int tokenTtlSeconds) {
    if (users == null) {
      LOG.log(System.Logger.Level.WARNING, "the REN demo is running OPEN: anyone can read and write every KV key, "
          + "document and blob, publish on every channel and receive every event; start with --users FILE to "
          + "require logins");
      return RenSecurity.open();
    }
    JwtTokens tokens = JwtTokens.randomKey(); // one process: the page's tokens die with it, which is fine here
    RenSecurity s = RenSecurity.builder(DemoUsers.policy())
        .authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens), users.basic()))
        .tokens(tokens)
        .streamTokenTtl(Duration.ofSeconds(tokenTtlSeconds))
        .build();
    LOG.log(System.Logger.Level.INFO, "the REN demo requires logins: " + users.size() + " user(s) from "
        + users.source() + " (HTTP Basic for API calls, stream tokens valid " + tokenTtlSeconds + " s)");
    return s;
  }

  private static void warnIfBeyondLoopback(String host, boolean users) {
    boolean loopback;
    try {
      loopback = InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      loopback = false; // Jetty fails to bind it at start and says so
    }
    if (loopback) {
      return;
    }
    LOG.log(System.Logger.Level.WARNING, users
        ? "the REN demo listens on " + host + ", beyond this machine, over plain HTTP: passwords and stream tokens "
            + "cross the network unencrypted. Put TLS in front of it, or use --host 127.0.0.1"
        : "the REN demo listens on " + host + ", beyond this machine, and runs OPEN: anyone who reaches it may read "
            + "and write everything. Use --host 127.0.0.1 unless the network is trusted, or start with --users FILE");
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

  /** Requests Jetty has parsed and handed on so far (tests). */
  long requestsSeen() {
    return bodyRate.requests();
  }

  /** The access every binding and the stream consult (open mode without {@code --users}). */
  public RenSecurity security() {
    return security;
  }

  /** The hub every binding publishes to. */
  public RenHub hub() {
    return hub;
  }

  /** The address to reach the demo at (on this machine when it listens on every interface). */
  public URI uri() {
    String host = connector.getHost();
    if (host == null || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "localhost";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + port());
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
      try {
        if (documents != null) {
          documents.close();
        }
      } finally {
        try {
          if (kv != null) {
            kv.close();
          }
          if (realtime != null) {
            realtime.close();
          }
        } finally {
          hub.close();
        }
      }
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
    DemoServer demo;
    try {
      demo = new DemoServer(options);
    } catch (IllegalArgumentException | NoSuchFileException e) {
      // a malformed or missing users file: the message names the file and the line
      System.err.println(e instanceof NoSuchFileException ? "no such file: " + e.getMessage() : e.getMessage());
      System.exit(2);
      return;
    }
    demo.start();
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
