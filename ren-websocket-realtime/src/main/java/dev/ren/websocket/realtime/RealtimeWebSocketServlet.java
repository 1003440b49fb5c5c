package dev.ren.websocket.realtime;

import dev.ren.Registration;
import dev.ren.RenOrigin;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.internal.Settings;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.realtime.RealtimeCalls;
import dev.ren.servlet.realtime.RealtimeServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Realtime channels and presence over one WebSocket per client, at {@value #PATH} (the protocol of Maravilla's
 * realtime client): a servlet that authenticates the upgrade request exactly like every HTTP binding and the SSE
 * stream ({@link RenSecurity#caller}: the container's principal, cookies, {@code Authorization: Bearer},
 * {@code ?token=}), resolves the caller's tenant, and upgrades it with the container's Jakarta WebSocket 2.1
 * {@link ServerContainer#upgradeHttpToWebSocket}. Every action is authorized and called through
 * {@link RealtimeCalls}, the class the HTTP binding uses, against the same {@link dev.ren.realtime.Realtime} and hub:
 * a message published here reaches SSE streams as {@code realtime.message}, one published over HTTP reaches
 * WebSocket subscribers, and presence changes from either side reach both.
 *
 * <h2>Protocol</h2>
 * One JSON object per text frame. Client to server ({@code action}):
 * <ul>
 *   <li>{@code subscribe {channel, token?, lastEventId?}}: the channel's messages and presence events from now;
 *       with {@code lastEventId} (a channel sequence number) on a history channel, first the messages after it,
 *       then live ones, with no gap and no duplicate; answered by {@code {"event":"subscribed","channel","seq"?,
 *       "truncated"?}} ({@code seq}: the last sequence number sent on a history channel; {@code truncated}: history
 *       no longer held some of the messages asked for);</li>
 *   <li>{@code unsubscribe {channel}}; {@code publish {channel, data, userId?, token?}};
 *       {@code presence:join|presence:update {channel, userId?, metadata, token?}}; {@code presence:leave
 *       {channel, userId?}}; {@code ping} (answered {@code {"event":"pong","ts","expiresAt"?}}, {@code expiresAt}
 *       when the socket's credentials expire); {@code auth {token}}: a fresh stream token of the same user and
 *       tenant renews the credentials of a socket opened with a token before they expire, so it is not closed at
 *       the expiry (answered {@code {"event":"authed","ts","expiresAt"}}; refused {@code unauthorized} otherwise,
 *       changing nothing).</li>
 * </ul>
 * Server to client ({@code event}): {@code message {channel, id, seq?, data, userId?, from?, ts}},
 * {@code presence:join|presence:update|presence:leave {channel, userId, metadata?, from?, ts}} for subscribed
 * channels, {@code reset {channel}} when a history channel's sequence started over below the number the client
 * holds (realtime restarted, the channel was dropped while idle, the shared store lost its data): the client
 * forgets that number, and what the channel holds now follows from {@code seq} 1 (at a {@code subscribe} with
 * {@code lastEventId}, before the history; live, before the message that showed it), and
 * {@code error {code, message, action?, channel?}} with {@code code} one of {@code unauthorized} (401/403 on HTTP),
 * {@code bad_request}, {@code rate_limited}, {@code too_large}, {@code full} (a realtime bound,
 * 507 on HTTP), {@code not_present}, {@code too_many_subscriptions}, {@code history_not_enabled},
 * {@code not_published}, {@code unavailable} (realtime on several nodes cannot reach its shared store; 503
 * {@code realtime_unavailable} on HTTP), {@code internal}. An error never closes the connection.
 *
 * <h2>Connection life</h2>
 * The connection's client id is the {@code cid} query parameter ({@code [A-Za-z0-9_-]{1,64}}; random when absent):
 * it is the {@code from} of what the connection publishes and the holder of the members it joins. Presence follows
 * the socket: when it closes (close frame or TCP close) the members it joined drop this connection's hold at once
 * (the member leaves unless another connection or stream of the user holds it), and a connection that sends no
 * frame for {@linkplain Builder#pingTimeout the ping timeout} (default 60 s; the client pings every 25 s) is closed
 * with {@code 1008}. It is also closed when the credentials it was opened with expire or the user is
 * {@linkplain RenSecurity#revoke revoked}; a token it was opened with is then refused ({@code 401}) until it expires,
 * as for an SSE stream, so a client that reconnects with the same URL stays out.
 *
 * <h2>Bounds</h2>
 * {@linkplain Builder#maxFrameBytes frames} of at most 64 KiB (a larger one is {@code too_large}, the connection
 * stays: frames are received in parts and measured, whatever the container's buffer sizes);
 * {@linkplain Builder#maxSubscriptions 256 subscriptions} per connection; a {@linkplain Builder#maxQueueBytes send
 * queue} of 1 MiB (about, in characters) per connection: a connection over it is cut with {@code 1008}, as the SSE
 * stream cuts a slow reader, and catches up by {@code lastEventId} when it reconnects (a catch-up is queued like
 * live messages: one larger than the queue cuts the connection too, after what the socket took, and the client
 * resumes from the sequence number it reached); the publish rate of {@link RealtimeCalls} per caller (shared with
 * HTTP when both get the same {@link RealtimeCalls}); at most {@link RenSecurity#maxStreamsPerCaller()} connections
 * per caller (user in tenant, else remote address; {@code 429} at the upgrade), and
 * {@linkplain Builder#maxConnections 10,000} in all ({@code 503}). Cross-origin upgrades (an {@code Origin} other
 * than the {@code Host}) are refused ({@code 403}) unless {@linkplain Builder#allowedOrigins allowed}: a browser
 * sends cookies with a WebSocket from any page.
 *
 * <pre>{@code
 * // embedded Jetty 12 (ee10): JakartaWebSocketServletContainerInitializer.configure(context, null);
 * // embedded Tomcat 11: ctx.addServletContainerInitializer(new org.apache.tomcat.websocket.server.WsSci(), null);
 * RealtimeCalls calls = new RealtimeCalls(realtime, security, RealtimeServlet.PublishRate.DEFAULT);
 * context.addServlet(new ServletHolder(new RealtimeServlet(calls)), RealtimeServlet.PATH);
 * context.addServlet(new ServletHolder(RealtimeWebSocketServlet.builder(hub, calls).build()),
 *     RealtimeWebSocketServlet.PATH);
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; one instance serves all connections of its context.
 */
public final class RealtimeWebSocketServlet extends JsonServlet {

  private static final System.Logger LOG = System.getLogger(RealtimeWebSocketServlet.class.getName());

  /** The mapping Maravilla's realtime client connects to. */
  public static final String PATH = "/_rt/ws";

  private final RenHub hub;
  private final RealtimeCalls calls;
  private final int maxFrameBytes;
  private final long maxQueueBytes;
  private final int maxSubscriptions;
  private final Duration pingTimeout;
  private final int maxConnections;
  private final Set<String> allowedOrigins;
  private final boolean anyOrigin;
  private final Set<RealtimeConnection> connections = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> perCaller = new ConcurrentHashMap<>();
  private volatile @Nullable ScheduledExecutorService executor;
  private volatile @Nullable Registration revocation;
  /** The ping-timeout and expiry sweep; cancelled with the executor. */
  private volatile java.util.concurrent.@Nullable ScheduledFuture<?> sweeper;

  private RealtimeWebSocketServlet(Builder b) {
    super(null, b.calls.security());
    this.hub = b.hub;
    this.calls = b.calls;
    this.maxFrameBytes = b.maxFrameBytes;
    this.maxQueueBytes = b.maxQueueBytes;
    this.maxSubscriptions = b.maxSubscriptions;
    this.pingTimeout = b.pingTimeout;
    this.maxConnections = b.maxConnections;
    this.allowedOrigins = Set.copyOf(b.allowedOrigins);
    this.anyOrigin = b.anyOrigin;
  }

  /** A builder for the endpoint over {@code hub} (the one {@code calls}' realtime publishes to) and {@code calls}. */
  public static Builder builder(RenHub hub, RealtimeCalls calls) {
    return new Builder(hub, calls);
  }

  /** Whether {@code context} has a Jakarta WebSocket container this endpoint can upgrade with. */
  public static boolean isSupported(ServletContext context) {
    return context.getAttribute(ServerContainer.class.getName()) instanceof ServerContainer;
  }

  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    if (!isSupported(config.getServletContext())) {
      throw new ServletException("RealtimeWebSocketServlet needs a Jakarta WebSocket container (the servlet-context"
          + " attribute " + ServerContainer.class.getName() + "); see its Javadoc for Jetty and Tomcat");
    }
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "ren-realtime-ws");
      t.setDaemon(true);
      return t;
    });
    ex.setRemoveOnCancelPolicy(true);
    long every = Math.max(50, Math.min(1000, pingTimeout.toMillis() / 4));
    sweeper = ex.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    executor = ex;
    revocation = security().onRevoke(this::revoke);
  }

  /**
   * Cuts every socket {@code user} holds; the tokens they were opened with are refused from now on until they
   * expire, since a client reconnects with the same URL, token and all.
   */
  private void revoke(String user) {
    RenSecurity sec = security();
    for (RealtimeConnection c : connections) {
      RenCaller holder = c.caller();
      if (user.equals(holder.user())) {
        String token = c.token();
        Instant expiresAt = holder.expiresAt();
        if (token != null && expiresAt != null) {
          sec.revokeToken(token, expiresAt);
        }
        c.cut(RealtimeConnection.POLICY, "revoked");
      }
    }
  }

  @Override
  public void destroy() {
    Registration r = revocation;
    if (r != null) {
      r.close();
    }
    for (RealtimeConnection c : connections) {
      c.cut(RealtimeConnection.POLICY, "shutting down");
    }
    java.util.concurrent.ScheduledFuture<?> sw = sweeper;
    if (sw != null) {
      sw.cancel(false);
    }
    ScheduledExecutorService ex = executor;
    if (ex != null) {
      ex.shutdown();
    }
    super.destroy();
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String upgrade = req.getHeader("Upgrade");
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      throw new HttpError(426, "upgrade_required", "this endpoint speaks WebSocket only (Upgrade: websocket)")
          .withHeader("Upgrade", "websocket");
    }
    checkOrigin(req);
    RenCaller caller = security().caller(req); // 401 invalid_credentials for credentials that do not hold
    String cid = req.getParameter("cid");
    if (cid == null || cid.isEmpty()) {
      cid = UUID.randomUUID().toString().replace("-", "");
    } else if (!RenOrigin.isValidClientId(cid)) {
      throw HttpError.badRequest("cid must match [A-Za-z0-9_-]{1,64}");
    }
    String key = caller.user() != null ? "u:" + caller.tenant() + ":" + caller.user() : "a:" + req.getRemoteAddr();
    if (connections.size() >= maxConnections) {
      throw new HttpError(503, "too_many_connections", "the realtime WebSocket endpoint holds its maximum of "
          + maxConnections + " connections").withHeader("Retry-After", "5");
    }
    AtomicInteger count = perCaller.computeIfAbsent(key, k -> new AtomicInteger());
    if (count.incrementAndGet() > security().maxStreamsPerCaller()) {
      release(key, count);
      throw new HttpError(429, "too_many_streams", "at most " + security().maxStreamsPerCaller()
          + " realtime connections per caller").withHeader("Retry-After", "5");
    }
    RealtimeConnection connection = new RealtimeConnection(this, calls, caller, cid, req.getRemoteAddr(), key,
        caller.expiresAt() != null ? RenAuthenticator.presentedToken(req) : null);
    ServerEndpointConfig config = ServerEndpointConfig.Builder.create(RealtimeConnection.class, PATH)
        .configurator(new OneConnection(connection)).build();
    ServerContainer container = (ServerContainer) getServletContext().getAttribute(ServerContainer.class.getName());
    try {
      container.upgradeHttpToWebSocket(req, resp, config, Map.of());
    } catch (DeploymentException | RuntimeException e) {
      release(key, count);
      LOG.log(System.Logger.Level.WARNING, "realtime WebSocket upgrade failed", e);
      throw new HttpError(400, "upgrade_failed", "the WebSocket upgrade failed");
    }
  }

  /** Refuses an upgrade from a page of another origin, unless allowed. */
  private void checkOrigin(HttpServletRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null || anyOrigin || allowedOrigins.contains(origin)) {
      return;
    }
    if (req.getAttribute(ALLOWED_ORIGINS_ATTRIBUTE) instanceof Set<?> cors && cors.contains(origin)) {
      return;
    }
    int sep = origin.indexOf("://");
    String host = req.getHeader("Host");
    if (sep > 0 && host != null && origin.substring(sep + 3).equalsIgnoreCase(host.trim())) {
      return;
    }
    throw new HttpError(403, "origin_not_allowed", "a realtime WebSocket from another origin needs"
        + " RealtimeWebSocketServlet.Builder.allowedOrigins");
  }

  private void release(String key, AtomicInteger count) {
    if (count.decrementAndGet() <= 0) {
      perCaller.remove(key, count);
    }
  }

  /** Closes connections past the ping timeout or their credentials' expiry. */
  private void sweep() {
    long now = System.nanoTime();
    long timeout = pingTimeout.toNanos();
    for (RealtimeConnection c : connections) {
      try {
        if (now - c.lastFrameNanos() > timeout) {
          c.cut(RealtimeConnection.POLICY, "no ping for " + pingTimeout.toMillis() + " ms");
        } else if (c.caller().expired(security().clock().instant())) {
          c.cut(RealtimeConnection.POLICY, "credentials expired");
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "realtime WebSocket sweep failed", e);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ for connections

  void opened(RealtimeConnection c) {
    connections.add(c);
    if (c.isClosed()) {
      connections.remove(c);
    }
  }

  void closed(RealtimeConnection c) {
    connections.remove(c);
    AtomicInteger count = perCaller.get(c.callerKey()); // cleanup runs once per connection: released once
    if (count != null) {
      release(c.callerKey(), count);
    }
  }

  /** Open connections (for tests and metrics). */
  public int connectionCount() {
    return connections.size();
  }

  RenHub hub() {
    return hub;
  }

  ScheduledExecutorService executor() {
    ScheduledExecutorService ex = executor;
    if (ex == null) {
      throw new IllegalStateException("RealtimeWebSocketServlet used before init");
    }
    return ex;
  }

  int maxFrameBytes() {
    return maxFrameBytes;
  }

  long maxQueueBytes() {
    return maxQueueBytes;
  }

  int maxSubscriptions() {
    return maxSubscriptions;
  }

  /** Hands the container this connection's endpoint; no subprotocol, no extensions, origin checked already. */
  private static final class OneConnection extends ServerEndpointConfig.Configurator {
    private final RealtimeConnection connection;

    OneConnection(RealtimeConnection connection) {
      this.connection = connection;
    }

    @Override
    public <T> T getEndpointInstance(Class<T> endpointClass) {
      return endpointClass.cast(connection);
    }

    @Override
    public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
      return "";
    }

    @Override
    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
      return List.of();
    }

    @Override
    public boolean checkOrigin(String originHeaderValue) {
      return true;
    }

    @Override
    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
      // nothing: the servlet authenticated the request before the upgrade
    }
  }

  /**
   * Configures a {@link RealtimeWebSocketServlet}. Each setting may be given once.
   *
   * <p>Thread-safety: not thread-safe.
   */
  public static final class Builder {
    private final RenHub hub;
    private final RealtimeCalls calls;
    private final Settings settings = new Settings();
    private int maxFrameBytes = 64 << 10;
    private long maxQueueBytes = 1L << 20;
    private int maxSubscriptions = 256;
    private Duration pingTimeout = Duration.ofSeconds(60);
    private int maxConnections = 10_000;
    private Set<String> allowedOrigins = Set.of();
    private boolean anyOrigin;

    private Builder(RenHub hub, RealtimeCalls calls) {
      this.hub = Objects.requireNonNull(hub, "hub");
      this.calls = Objects.requireNonNull(calls, "calls");
    }

    /** The largest client frame, in bytes of UTF-8, in [256, 16 MiB]; default 64 KiB. Over it: {@code too_large}. */
    public Builder maxFrameBytes(int bytes) {
      this.maxFrameBytes = settings.once("maxFrameBytes", (int) range("maxFrameBytes", bytes, 256, 16 << 20));
      return this;
    }

    /**
     * The most a connection may have waiting to be sent (in characters of JSON), in [1 KiB, 1 GiB]; default 1 MiB.
     * A connection over it is cut (slow consumer).
     */
    public Builder maxQueueBytes(long bytes) {
      this.maxQueueBytes = settings.once("maxQueueBytes", range("maxQueueBytes", bytes, 1 << 10, 1L << 30));
      return this;
    }

    /** The most channels one connection subscribes to, in [1, 100,000]; default 256. */
    public Builder maxSubscriptions(int channels) {
      this.maxSubscriptions = settings.once("maxSubscriptions",
          (int) range("maxSubscriptions", channels, 1, 100_000));
      return this;
    }

    /** How long a connection may send nothing before it is closed, in [100 ms, 1 h]; default 60 s. */
    public Builder pingTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("pingTimeout must be in [100 ms, 1 h], was " + timeout);
      }
      this.pingTimeout = settings.once("pingTimeout", timeout);
      return this;
    }

    /** The most open connections in all, in [1, 10,000,000]; default 10,000. */
    public Builder maxConnections(int connections) {
      this.maxConnections = settings.once("maxConnections",
          (int) range("maxConnections", connections, 1, 10_000_000));
      return this;
    }

    /**
     * Origins ({@code https://app.example.com}) whose pages may open the socket besides the server's own; the
     * single entry {@code *} allows every origin (only for token, not cookie, authentication).
     */
    public Builder allowedOrigins(Set<String> origins) {
      Set<String> o = settings.once("allowedOrigins", Set.copyOf(origins));
      this.anyOrigin = o.contains("*");
      this.allowedOrigins = o;
      return this;
    }

    private static long range(String name, long v, long min, long max) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + v);
      }
      return v;
    }

    public RealtimeWebSocketServlet build() {
      return new RealtimeWebSocketServlet(this);
    }
  }
}
