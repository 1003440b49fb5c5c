package dev.ren.servlet;

import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.Registration;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenFilter;
import dev.ren.hub.HubStats;
import dev.ren.hub.RenHub;
import dev.ren.hub.StreamCloseReason;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import dev.ren.internal.Printable;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.sse.SseFrames;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The SSE endpoint ({@code GET /api/maravilla/ren}) and the browser client ({@code GET .../client.js}).
 *
 * <p>A stream is an async request with its timeout disabled, written with non-blocking I/O by
 * {@link SseConnection}: no thread is held per connection. The query is validated before anything is written
 * ({@code s} filters, {@code cid}, {@code lastEventId} or the {@code Last-Event-ID} header; bad input is a
 * {@code 400} JSON error). The first frame is {@code ren.meta} carrying the client id, the node, and
 * {@code "reset": true} when the requested resume point is gone; its {@code id:} is the position the stream starts
 * after, so a client that reconnects before any event arrives still resumes without a gap. Beyond
 * {@code maxStreams} a client gets {@code retry:} and a closed stream (never an error status: a browser
 * {@code EventSource} gives up for good on one).
 *
 * <pre>{@code
 * RenHub hub = RenHub.create();
 * context.addServlet(new ServletHolder(new RenServlet(hub)), "/api/maravilla/ren/*");
 * }</pre>
 *
 * <p>With the no-argument constructor (drop-in registration) the hub is taken from the servlet context attribute
 * {@code dev.ren.hub.RenHub}.
 *
 * <p>Thread-safety: thread-safe.
 */
public class RenServlet extends HttpServlet {

  /** Servlet-context attribute under which the drop-in registration stores the hub. */
  public static final String HUB_ATTRIBUTE = RenHub.class.getName();
  /** Default mapping of the stream. */
  public static final String DEFAULT_PATH = "/api/maravilla/ren";

  private static final System.Logger LOG = System.getLogger(RenServlet.class.getName());
  private static final int MAX_QUERY = 4096;
  private static final String CLIENT_JS = "/dev/ren/servlet/ren.js";
  /** The {@code retry:} a stream gets when the token that opened it expired or its user was revoked. */
  static final long AUTHORITY_ENDED_RETRY_MILLIS = 1_000;

  private @Nullable RenHub hub;
  private final RenServletConfig config;
  private final Set<SseConnection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger active = new AtomicInteger();
  // set in init, cleared in destroy; the owned ones were started by this servlet and are stopped by it
  private @Nullable Executor executor;
  private @Nullable ScheduledFuture<?> heartbeatTask;
  private @Nullable ScheduledFuture<?> probeTask;
  private @Nullable ExecutorService ownedWriters;
  private @Nullable ScheduledExecutorService ownedScheduler;
  private @Nullable ScheduledExecutorService scheduler;
  // from the config, else the servlet context; null: no security, the stream delivers what config.access allows
  private @Nullable RenSecurity security;
  private @Nullable Registration revocations;
  // streams per principal (per remote address when anonymous); entries leave when their count reaches zero
  private final ConcurrentHashMap<StreamHolder, AtomicInteger> perCaller = new ConcurrentHashMap<>();
  // set by shutdown(): new streams are refused with retry:, and closing streams wake the waiting shutdown
  private volatile boolean shuttingDown;
  private final Object shutdownLock = new Object();
  private volatile byte @Nullable [] clientJs;
  private volatile @Nullable String clientJsEtag;

  /** Drop-in form: the hub comes from the servlet context ({@link #HUB_ATTRIBUTE}). */
  public RenServlet() {
    this(null, RenServletConfig.defaults());
  }

  public RenServlet(RenHub hub) {
    this(hub, RenServletConfig.defaults());
  }

  public RenServlet(@Nullable RenHub hub, RenServletConfig config) {
    this.hub = hub;
    this.config = config;
  }

  @Override
  public void init(ServletConfig servletConfig) throws ServletException {
    super.init(servletConfig);
    if (hub == null) {
      Object h = servletConfig.getServletContext().getAttribute(HUB_ATTRIBUTE);
      if (!(h instanceof RenHub)) {
        throw new ServletException("no RenHub in servlet context attribute " + HUB_ATTRIBUTE
            + "; pass one to the constructor or use RenInitializer");
      }
      hub = (RenHub) h;
    }
    Executor writers = config.executor;
    if (writers == null) {
      ExecutorService pool = ServletExecutors.newWriterPool();
      ownedWriters = pool;
      writers = pool;
    }
    executor = writers;
    ScheduledExecutorService scheduler = config.scheduler;
    if (scheduler == null) {
      scheduler = ServletExecutors.newHeartbeatScheduler();
      ownedScheduler = scheduler;
    }
    this.scheduler = scheduler;
    long ms = config.heartbeat.toMillis();
    heartbeatTask = scheduler.scheduleAtFixedRate(this::heartbeatAll, ms, ms, TimeUnit.MILLISECONDS);
    long probeMs = config.presenceProbe.toMillis();
    probeTask = scheduler.scheduleAtFixedRate(this::probeHeld, probeMs, probeMs, TimeUnit.MILLISECONDS);
    RenSecurity sec = config.security != null ? config.security
        : RenSecurity.find(servletConfig.getServletContext()).orElse(null);
    security = sec;
    if (sec != null) {
      revocations = sec.onRevoke(this::revoke);
    }
  }

  /** Ends every stream {@code user} holds, with {@code retry:} so its client may come back with new credentials. */
  private void revoke(String user) {
    RenSecurity sec = security;
    for (SseConnection c : connections) {
      RenCaller holder = c.caller();
      if (user.equals(holder.user())) {
        String token = c.token();
        Instant expiresAt = holder.expiresAt();
        if (sec != null && token != null && expiresAt != null) {
          sec.revokeToken(token, expiresAt); // an EventSource reconnects with the same URL, token and all
        }
        c.endWith(SseFrames.retry(AUTHORITY_ENDED_RETRY_MILLIS), StreamCloseReason.REVOKED);
      }
    }
  }

  /**
   * Graceful shutdown: every open stream gets a {@code retry:} ({@link RenServletConfig.Builder#shutdownRetry}, with
   * jitter) after the write in progress, if any, and is closed, so its client reconnects, to another node behind the
   * load balancer, after that delay, resuming from its last event id (events it had not received yet are replayed
   * there from the shared log, or it is told to reset); a stream opened from now on gets the same
   * {@code retry:} and is closed at once. Waits until every stream has ended or {@code timeout} has passed, then
   * closes what is left (a client that does not read) without waiting for it. Streams are counted closed with
   * {@link StreamCloseReason#SHUTDOWN}. Call it before the container stops accepting requests (a Spring context's
   * close, a load balancer's drain); {@link #destroy()} calls it with a 1 s timeout. Idempotent; callable from any
   * thread; the servlet's threads keep running until {@code destroy}.
   *
   * @return true if every stream ended with its {@code retry:} within the timeout
   */
  public boolean shutdown(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    shuttingDown = true;
    for (SseConnection c : connections) {
      c.endWith(shutdownRetry(), StreamCloseReason.SHUTDOWN);
    }
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    synchronized (shutdownLock) {
      while (!connections.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          shutdownLock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    boolean all = connections.isEmpty();
    for (SseConnection c : connections) {
      c.close(StreamCloseReason.SHUTDOWN);
    }
    return all;
  }

  /** Whether {@link #shutdown} was called. */
  public boolean isShutDown() {
    return shuttingDown;
  }

  private byte[] shutdownRetry() {
    long base = config.shutdownRetryMillis;
    return SseFrames.retry(base + (base == 0 ? 0 : ThreadLocalRandom.current().nextLong(base + 1)));
  }

  @Override
  public void destroy() {
    Registration r = revocations;
    if (r != null) {
      r.close();
      revocations = null;
    }
    ScheduledFuture<?> t = heartbeatTask;
    if (t != null) {
      t.cancel(false);
    }
    ScheduledFuture<?> p = probeTask;
    if (p != null) {
      p.cancel(false);
    }
    shutdown(Duration.ofSeconds(1));
    ScheduledExecutorService scheduler = ownedScheduler;
    if (scheduler != null) {
      scheduler.shutdownNow();
      ownedScheduler = null;
    }
    ExecutorService writers = ownedWriters;
    if (writers != null) {
      writers.shutdown(); // lets the closing writes finish; the threads end once idle
      ownedWriters = null;
    }
    super.destroy();
  }

  /** Number of open streams. */
  public int activeStreams() {
    return active.get();
  }

  private void heartbeatAll() {
    for (SseConnection c : connections) {
      c.heartbeat();
    }
  }

  /**
   * Probes the streams of client ids that hold presence ({@link RenHub#isClientHeld}), so a closed socket fails a
   * write and its members' grace period starts within two probe intervals instead of two heartbeats. Nothing is
   * done while no client holds presence; otherwise each stream costs one map lookup, and only held ones a write.
   */
  private void probeHeld() {
    RenHub h = hub;
    if (h == null || !h.anyClientHeld()) {
      return;
    }
    for (SseConnection c : connections) {
      String cid = c.clientId();
      if (cid != null && h.isClientHeld(cid)) {
        c.probe();
      }
    }
  }

  /**
   * Every answer is JSON or the stream: a method other than {@code GET}/{@code HEAD}/{@code OPTIONS} is a JSON
   * {@code 405}, a failure before the stream starts a logged JSON {@code 500}, never the container's HTML page.
   */
  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    String method = req.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS") && !method.equals("POST")) {
      JsonServlet.sendError(req, resp, HttpError.methodNotAllowed(Printable.of(method)));
      return;
    }
    try {
      super.service(req, resp);
    } catch (RuntimeException e) {
      if (req.isAsyncStarted()) {
        throw e; // the stream owns the response now
      }
      JsonServlet.sendError(req, resp, failure(req, e));
    }
  }

  private static HttpError failure(HttpServletRequest req, RuntimeException e) {
    if (e instanceof HttpError h) {
      return h;
    }
    if (e instanceof IllegalArgumentException) {
      return HttpError.badRequest(String.valueOf(e.getMessage()));
    }
    LOG.log(Level.ERROR, "unexpected failure on " + req.getMethod() + " " + Printable.of(req.getRequestURI()), e);
    return HttpError.internalError();
  }

  /** {@code POST <path>/token}: a short-lived stream token for the authenticated caller. */
  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String pathInfo = req.getPathInfo();
    if (!"/token".equals(pathInfo)) {
      JsonServlet.sendError(req, resp, HttpError.methodNotAllowed("POST"));
      return;
    }
    RenSecurity sec = security;
    if (sec == null || sec.tokens().isEmpty()) {
      JsonServlet.sendError(req, resp, 404, "tokens_not_configured",
          "stream tokens need RenSecurity with RenTokens (RenSecurity.builder(..).tokens(..))");
      return;
    }
    RenCaller caller = sec.caller(req);
    if (!caller.authenticated()) {
      JsonServlet.sendError(req, resp, 401, "unauthorized", "a stream token is minted for an authenticated user");
      return;
    }
    if (caller.expiresAt() != null) {
      // a token may not mint a longer-lived one: an expiring credential would otherwise renew itself forever
      JsonServlet.sendError(req, resp, 403, "forbidden", "a stream token is minted from the user's own credentials,"
          + " not from another token");
      return;
    }
    resp.setHeader("Cache-Control", "no-store");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", sec.mintStreamToken(caller));
    body.put("expiresIn", sec.streamTokenTtl().getSeconds());
    JsonServlet.writeJson(resp, 200, body);
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String pathInfo = req.getPathInfo();
    if (pathInfo == null || pathInfo.equals("/") || pathInfo.isEmpty()) {
      openStream(req, resp);
    } else if (pathInfo.equals("/client.js")) {
      serveClient(req, resp);
    } else {
      JsonServlet.sendError(req, resp, 404, "not_found", "no such resource: " + pathInfo);
    }
  }

  private void openStream(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    RenHub h = hub;
    if (h == null) {
      throw new IllegalStateException("servlet not initialised");
    }
    String query = req.getQueryString();
    if (query != null && query.length() > MAX_QUERY) {
      JsonServlet.sendError(req, resp, 400, "query_too_long", "query is " + query.length() + " characters; at most "
          + MAX_QUERY);
      return;
    }
    RenFilter filter;
    try {
      filter = RenFilter.parse(req.getParameter("s"));
    } catch (IllegalArgumentException e) {
      JsonServlet.sendError(req, resp, 400, "invalid_filter", String.valueOf(e.getMessage()));
      return;
    }
    String cid = req.getParameter("cid");
    if (cid == null || cid.isEmpty()) {
      cid = req.getHeader(RenClientFilter.HEADER);
    }
    if (cid != null && !RenOrigin.isValidClientId(cid)) {
      JsonServlet.sendError(req, resp, 400, "invalid_client_id", "cid must match [A-Za-z0-9_-]{1,64}");
      return;
    }
    boolean generatedId = cid == null;
    String clientId = cid != null ? cid : randomClientId();
    String lastEventId = req.getParameter("lastEventId");
    if (lastEventId == null || lastEventId.isEmpty()) {
      lastEventId = req.getHeader("Last-Event-ID");
    }
    if (lastEventId != null && lastEventId.isEmpty()) {
      lastEventId = null;
    }
    Predicate<RenEvent> access;
    try {
      access = config.access.forRequest(req);
    } catch (SecurityException e) {
      JsonServlet.sendError(req, resp, 403, "forbidden", e.getMessage() == null ? "stream refused" : e.getMessage());
      return;
    }
    RenCaller caller = RenCaller.anonymous();
    @Nullable Instant endsAt = null;
    RenSecurity sec = security;
    if (sec != null) {
      StreamAuthority authority = StreamAuthority.of(sec, req, access); // 401 / 403 as HttpError, answered below
      caller = authority.caller();
      access = authority.check();
      endsAt = authority.endsAt();
    }
    StreamHolder streamHolder = StreamHolder.of(caller, req.getRemoteAddr());
    int maxPerCaller = sec != null ? sec.maxStreamsPerCaller() : Integer.MAX_VALUE;

    resp.setStatus(200);
    resp.setContentType("text/event-stream; charset=utf-8");
    resp.setHeader("Cache-Control", "no-cache");
    resp.setHeader("X-Accel-Buffering", "no");

    HubStats stats = h.stats();
    stats.streamOpened();
    if (shuttingDown) {
      stats.streamClosed(StreamCloseReason.SHUTDOWN);
      refuse(resp, shutdownRetry(), "shutting down, reconnect");
      return;
    }
    if (active.incrementAndGet() > config.maxStreams) {
      active.decrementAndGet();
      stats.streamClosed(StreamCloseReason.MAX_STREAMS);
      LOG.log(Level.DEBUG, "stream limit " + config.maxStreams + " reached; telling client to retry");
      refuse(resp, SseFrames.retry(config.overloadRetryMillis), "overloaded, retry later");
      return;
    }
    if (perCaller.computeIfAbsent(streamHolder, k -> new AtomicInteger()).incrementAndGet() > maxPerCaller) {
      active.decrementAndGet();
      releaseHolder(streamHolder);
      stats.streamClosed(StreamCloseReason.MAX_STREAMS);
      LOG.log(Level.DEBUG, "caller stream limit " + maxPerCaller + " reached; telling client to retry");
      refuse(resp, SseFrames.retry(config.overloadRetryMillis), "too many streams for this caller, retry later");
      return;
    }

    AsyncContext async = req.startAsync();
    async.setTimeout(0);
    ServletOutputStream out = resp.getOutputStream();
    // subscribe first so the meta frame can say where the stream starts and whether it was reset
    SseConnection[] holder = new SseConnection[1];
    Subscription sub;
    try {
      sub = h.subscribe(new SubscribeRequest(filter, lastEventId, generatedId ? null : clientId, access, caller),
          () -> {
            SseConnection c = holder[0];
            if (c != null) {
              c.signal();
            }
          });
    } catch (RuntimeException e) {
      active.decrementAndGet();
      releaseHolder(streamHolder);
      stats.streamClosed(StreamCloseReason.ERROR);
      // answered before complete(): the error is written while this dispatch still owns the response
      JsonServlet.sendError(req, resp, failure(req, e));
      async.complete();
      return;
    }
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("clientId", clientId);
    meta.put("node", h.nodeId());
    meta.put("filter", filter.toString());
    if (sub.reset()) {
      meta.put("reset", true);
    }
    byte[] initial = SseFrames.meta(sub.startId(), meta);
    Executor writers = executor;
    if (writers == null) {
      throw new IllegalStateException("RenServlet used before init or after destroy");
    }
    SseConnection conn = new SseConnection(async, out, writers, config.maxUnsentBytes, config.maxBatchBytes,
        initial, (c, why) -> closed(c, why, stats), caller,
        caller.expiresAt() != null ? RenAuthenticator.presentedToken(req) : null, streamHolder);
    connections.add(conn); // heartbeats and revocations may signal it from now on; it drains once armed
    ScheduledExecutorService timer = scheduler;
    if (endsAt != null && timer != null && sec != null) {
      long delay = Math.max(0, Duration.between(sec.clock().instant(), endsAt).toMillis());
      conn.endAfter(timer.schedule(() -> conn.endWith(SseFrames.retry(AUTHORITY_ENDED_RETRY_MILLIS),
          StreamCloseReason.TOKEN_EXPIRED), delay, TimeUnit.MILLISECONDS));
    }
    if (shuttingDown) { // shutdown() ran after our check above and may have missed this connection
      conn.endWith(shutdownRetry(), StreamCloseReason.SHUTDOWN);
    }
    async.addListener(conn);
    conn.attach(sub);
    out.setWriteListener(conn); // the container calls onWritePossible, which writes ren.meta first
    holder[0] = conn;
    // only now may signals drain (isReady needs the write listener); catches up on any that came before
    conn.arm();
  }

  private void closed(SseConnection c, StreamCloseReason reason, HubStats stats) {
    if (connections.remove(c)) {
      active.decrementAndGet();
      releaseHolder(c.holder());
      stats.streamClosed(reason);
      if (shuttingDown) {
        synchronized (shutdownLock) {
          shutdownLock.notifyAll();
        }
      }
    }
  }

  private void releaseHolder(StreamHolder holder) {
    perCaller.computeIfPresent(holder, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  private void refuse(HttpServletResponse resp, byte[] retry, String why) throws IOException {
    OutputStream out = resp.getOutputStream();
    out.write(retry);
    out.write((": " + why + "\n\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.flush();
  }

  private void serveClient(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    byte[] js = clientJs;
    if (js == null) {
      try (InputStream in = RenServlet.class.getResourceAsStream(CLIENT_JS)) {
        if (in == null) {
          JsonServlet.sendError(req, resp, 404, "not_found", "client.js is not packaged in this build");
          return;
        }
        js = in.readAllBytes();
      }
      clientJsEtag = "\"" + sha256(js).substring(0, 32) + "\"";
      clientJs = js;
    }
    String etag = clientJsEtag;
    resp.setHeader("ETag", etag);
    resp.setHeader("Cache-Control", "public, max-age=300, must-revalidate");
    String inm = req.getHeader("If-None-Match");
    if (inm != null && etag != null && (inm.equals(etag) || inm.equals("*"))) {
      resp.setStatus(304);
      return;
    }
    resp.setStatus(200);
    resp.setContentType("text/javascript; charset=utf-8");
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setContentLength(js.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(js);
    }
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One generator per thread: a shared SecureRandom serialised 1,000 simultaneous stream opens (JFR). */
  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

  private static String randomClientId() {
    byte[] b = new byte[12];
    RANDOM.get().nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
