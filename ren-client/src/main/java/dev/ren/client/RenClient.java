package dev.ren.client;

import dev.ren.RenOrigin;
import dev.ren.hub.RenFilter;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A REN stream client: subscribes to a REN server's SSE endpoint and hands every message to listeners, with
 * the options of the REN documentation's browser client.
 *
 * <ul>
 *   <li>Every event type reaches {@link #on(Listener) listeners}, including ones this client has never heard of;
 *       {@link RenMessage} keeps the raw id, type and data and decodes a {@link dev.ren.RenEvent} where it can.</li>
 *   <li>After a dropped connection it reconnects with {@code Last-Event-ID} (header and {@code lastEventId} query),
 *       so nothing published in the gap is lost; when the server no longer has that point it says so in
 *       {@code ren.meta} and {@link #onReset(Runnable) reset listeners} run so the application can refetch.</li>
 *   <li>Backoff: {@code initialBackoff} (1 s), doubling, capped at {@code maxBackoff} (15 s), reset once a
 *       connection delivers its first message; each wait is drawn from [d/2, d] so clients of a restarted server
 *       do not return all at once. A server's {@code retry:} is a lower bound for the next wait.</li>
 *   <li>A connection on which no byte (heartbeat included) arrives for 2.5 x {@code heartbeat} is dropped and
 *       reopened.</li>
 *   <li>A {@code 4xx} answer other than 408/429 is permanent: the client reports a
 *       {@link StreamHttpErrorException} and closes.</li>
 *   <li>Listener exceptions are caught and logged; they never stop the stream or other listeners.</li>
 * </ul>
 *
 * <pre>{@code
 * RenClient ren = RenClient.builder(URI.create("http://localhost:3001/api/maravilla/ren"))
 *     .subscriptions("kv", "db:todos")
 *     .build();
 * ren.on(m -> { if (m.event() != null) System.out.println(m.event()); });
 * ren.onReset(todos::reload);
 * ren.start();
 * http.send(ren.withClientHeader(HttpRequest.newBuilder(uri)).PUT(body).build(), ofString()); // src = my id
 * ren.close();
 * }</pre>
 *
 * <p>Thread-safety: thread-safe. Callbacks run on the callback executor (by default one thread per client, so
 * they are serialised and in stream order). {@link #close()} is idempotent and may be called from a callback.
 */
public final class RenClient implements AutoCloseable {

  /** The request header that tells the server which client caused a mutation (it becomes {@code src}). */
  public static final String CLIENT_HEADER = "X-Ren-Client";

  private static final System.Logger LOG = System.getLogger(RenClient.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_ERROR_BODY = 2048;

  /** Connection state; see {@link #onStateChange}. */
  public enum State {
    /** Built, not yet started. */
    IDLE,
    /** A request is on its way. */
    CONNECTING,
    /** The server accepted the stream (200, {@code text/event-stream}). */
    OPEN,
    /** Waiting for the backoff before the next attempt. */
    WAITING,
    /** Closed for good, by {@link #close()}, a permanent error, or a drop without auto-reconnect. */
    CLOSED
  }

  /** Receives every message of the stream. */
  @FunctionalInterface
  public interface Listener {
    void onMessage(RenMessage message);
  }

  /** Removes a registered callback; closing twice is harmless. */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  // ---------------------------------------------------------------- configuration (immutable)
  private final URI endpoint;
  private final List<String> subscriptions;
  private final String clientId;
  private final boolean autoReconnect;
  private final long initialBackoffMs;
  private final long maxBackoffMs;
  private final long readTimeoutNanos;
  private final Executor callbacks;
  private final @Nullable ExecutorService ownedCallbacks;
  private final HttpClient http;
  private final Level logLevel;

  // ---------------------------------------------------------------- callbacks (copy-on-write, any thread)
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> resetListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<State>> stateListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<Throwable>> errorListeners = new CopyOnWriteArrayList<>();

  // ---------------------------------------------------------------- connection state, guarded by lock
  private final Object lock = new Object();
  private State state = State.IDLE;
  private @Nullable Connection current;
  private @Nullable ScheduledFuture<?> pendingReconnect;
  private int failures;
  private long serverRetryMs = -1;

  // written by the connection's delivery thread at dispatch points, read when reconnecting
  private volatile @Nullable String lastEventId;

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ScheduledExecutorService scheduler;

  private RenClient(Builder b) {
    this.endpoint = b.endpoint;
    this.subscriptions = List.copyOf(b.subscriptions);
    this.clientId = b.clientId != null ? b.clientId : randomClientId();
    this.autoReconnect = b.autoReconnect;
    this.initialBackoffMs = b.initialBackoff.toMillis();
    this.maxBackoffMs = b.maxBackoff.toMillis();
    this.readTimeoutNanos = b.heartbeat.toNanos() * 5 / 2;
    this.lastEventId = b.lastEventId;
    this.logLevel = b.debug ? Level.INFO : Level.DEBUG;
    if (b.executor != null) {
      this.callbacks = b.executor;
      this.ownedCallbacks = null;
    } else {
      ExecutorService ex = Executors.newSingleThreadExecutor(daemon("ren-client-callbacks-" + clientId));
      this.callbacks = ex;
      this.ownedCallbacks = ex;
    }
    this.http = b.httpClient != null ? b.httpClient
        : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("ren-client-" + clientId));
  }

  /** A builder for a client of the stream at {@code endpoint} (e.g. {@code http://host/api/maravilla/ren}). */
  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  // ---------------------------------------------------------------- public surface

  /** Opens the stream (asynchronously); later calls do nothing. Register listeners first to see the meta frame. */
  public RenClient start() {
    if (closed.get()) {
      throw new IllegalStateException("client " + clientId + " is closed");
    }
    if (started.compareAndSet(false, true)) {
      long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), readTimeoutNanos / 5);
      scheduler.scheduleAtFixedRate(this::checkReadTimeout, period, period, TimeUnit.NANOSECONDS);
      scheduler.execute(this::connect);
    }
    return this;
  }

  /** Registers a listener for every message (all types, {@code ren.meta} included). */
  public Registration on(Listener listener) {
    return register(listeners, Objects.requireNonNull(listener, "listener"));
  }

  /** Runs {@code action} when the server says the resume point was gone ({@code ren.meta} with reset). */
  public Registration onReset(Runnable action) {
    return register(resetListeners, Objects.requireNonNull(action, "action"));
  }

  /** Observes state changes. */
  public Registration onStateChange(Consumer<State> listener) {
    return register(stateListeners, Objects.requireNonNull(listener, "listener"));
  }

  /** Observes connection errors (I/O, timeouts, {@link StreamHttpErrorException}). */
  public Registration onError(Consumer<Throwable> listener) {
    return register(errorListeners, Objects.requireNonNull(listener, "listener"));
  }

  /** This client's id: sent as {@code cid} on the stream and by {@link #withClientHeader} on mutations. */
  public String clientId() {
    return clientId;
  }

  /** The id the next connection resumes after, or null before any. */
  public @Nullable String lastEventId() {
    return lastEventId;
  }

  /** The current state. */
  public State state() {
    synchronized (lock) {
      return state;
    }
  }

  /** Adds {@code X-Ren-Client: <clientId>} to a request, so the events it causes carry this client as src. */
  public HttpRequest.Builder withClientHeader(HttpRequest.Builder request) {
    return request.header(CLIENT_HEADER, clientId);
  }

  /** Waits until the stream is open; false on timeout or when the client closed first. */
  public boolean awaitConnected(Duration timeout) throws InterruptedException {
    return awaitState(State.OPEN, timeout);
  }

  /** Waits until the client is closed and its callback thread (if it owns one) has finished. */
  public boolean awaitClosed(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!awaitState(State.CLOSED, timeout)) {
      return false;
    }
    ExecutorService own = ownedCallbacks;
    return own == null || own.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Closes the stream for good; idempotent, callable from any thread including callbacks. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Connection c;
    boolean changed;
    synchronized (lock) {
      c = current;
      current = null;
      if (pendingReconnect != null) {
        pendingReconnect.cancel(false);
      }
      changed = setState(State.CLOSED);
    }
    if (c != null) {
      c.cancel(null);
    }
    scheduler.shutdownNow();
    if (changed) {
      fireState(State.CLOSED);
    }
    if (ownedCallbacks != null) {
      ownedCallbacks.shutdown(); // queued callbacks, the CLOSED notification included, still run
    }
    LOG.log(logLevel, () -> "REN client " + clientId + " closed");
  }

  @Override
  public String toString() {
    return "RenClient[" + clientId + " " + endpoint + " " + state() + "]";
  }

  // ---------------------------------------------------------------- connection lifecycle

  private void connect() {
    Connection c;
    boolean changed;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      pendingReconnect = null;
      c = new Connection();
      current = c;
      changed = setState(State.CONNECTING);
    }
    if (changed) {
      fireState(State.CONNECTING);
    }
    c.open();
  }

  private void opened(Connection c) {
    synchronized (lock) {
      if (current != c || !setState(State.OPEN)) {
        return;
      }
    }
    LOG.log(logLevel, () -> "REN client " + clientId + " connected to " + endpoint);
    fireState(State.OPEN);
  }

  private void firstMessage(Connection c) {
    synchronized (lock) {
      if (current == c) {
        failures = 0;
      }
    }
  }

  private void ended(Connection c, @Nullable Throwable cause) {
    long delay;
    synchronized (lock) {
      if (current != c || state == State.CLOSED) {
        return;
      }
      current = null;
    }
    if (cause != null) {
      LOG.log(logLevel, () -> "REN client " + clientId + " stream failed: " + cause);
      fireError(cause);
    } else {
      LOG.log(logLevel, () -> "REN client " + clientId + " stream ended by the server");
    }
    boolean permanent = cause instanceof StreamHttpErrorException && !((StreamHttpErrorException) cause).isRetryable();
    if (!autoReconnect || permanent) {
      if (permanent) {
        LOG.log(Level.WARNING, "REN client " + clientId + " gives up: " + cause.getMessage());
      }
      close();
      return;
    }
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      delay = nextDelayMs();
      try {
        pendingReconnect = scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        return; // closing concurrently
      }
      if (!setState(State.WAITING)) {
        return;
      }
    }
    LOG.log(logLevel, () -> "REN client " + clientId + " reconnects in " + delay + " ms");
    fireState(State.WAITING);
  }

  /** Guarded by lock. Exponential backoff from initialBackoff, capped, equal jitter; server retry is a floor. */
  private long nextDelayMs() {
    long base = baseDelayMs(initialBackoffMs, maxBackoffMs, failures);
    failures++;
    return Math.max(jitteredMs(base, ThreadLocalRandom.current().nextDouble()), serverRetryMs);
  }

  /** initial * 2^failures, capped at max. */
  static long baseDelayMs(long initialMs, long maxMs, int failures) {
    long base = initialMs << Math.min(failures, 30);
    return base <= 0 || base > maxMs ? maxMs : base;
  }

  /** "Equal jitter": a wait in [base/2, base] for {@code random} in [0, 1). */
  static long jitteredMs(long base, double random) {
    long half = base / 2;
    return half + (long) ((base - half) * random);
  }

  private void checkReadTimeout() {
    Connection c;
    synchronized (lock) {
      c = current;
    }
    if (c != null && System.nanoTime() - c.lastByteNanos > readTimeoutNanos) {
      c.cancel(new HttpTimeoutException("no data (not even a heartbeat) for "
          + TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos) + " ms"));
    }
  }

  // ---------------------------------------------------------------- callback dispatch

  private void deliver(RenMessage m) {
    run(() -> {
      for (Listener l : listeners) {
        try {
          l.onMessage(m);
        } catch (Throwable t) {
          LOG.log(Level.WARNING, "REN client listener failed on " + m.type() + "; the stream goes on", t);
        }
      }
      if (m.isReset()) {
        for (Runnable r : resetListeners) {
          try {
            r.run();
          } catch (Throwable t) {
            LOG.log(Level.WARNING, "REN client reset listener failed; the stream goes on", t);
          }
        }
      }
    });
  }

  private void fireState(State s) {
    run(() -> {
      for (Consumer<State> l : stateListeners) {
        try {
          l.accept(s);
        } catch (Throwable t) {
          LOG.log(Level.WARNING, "REN client state listener failed", t);
        }
      }
    });
  }

  private void fireError(Throwable cause) {
    run(() -> {
      for (Consumer<Throwable> l : errorListeners) {
        try {
          l.accept(cause);
        } catch (Throwable t) {
          LOG.log(Level.WARNING, "REN client error listener failed", t);
        }
      }
    });
  }

  private void run(Runnable task) {
    try {
      callbacks.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "REN client " + clientId + " dropped a callback after close");
    }
  }

  /** Guarded by lock. */
  private boolean setState(State s) {
    if (state == s || state == State.CLOSED) {
      return false;
    }
    state = s;
    lock.notifyAll();
    return true;
  }

  private boolean awaitState(State wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (state != wanted) {
        if (state == State.CLOSED) {
          return false;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  private <T> Registration register(List<T> list, T item) {
    list.add(item);
    return () -> list.remove(item);
  }

  URI streamUri(@Nullable String resumeFrom) {
    StringBuilder q = new StringBuilder();
    String raw = endpoint.toString();
    q.append(raw).append(raw.indexOf('?') >= 0 ? '&' : '?');
    if (!subscriptions.isEmpty()) {
      q.append("s=").append(enc(String.join(",", subscriptions))).append('&');
    }
    q.append("cid=").append(enc(clientId));
    if (resumeFrom != null) {
      q.append("&lastEventId=").append(enc(resumeFrom));
    }
    return URI.create(q.toString());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String randomClientId() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------- one connection attempt

  /**
   * One HTTP exchange. The HTTP client's threads deliver its body (serially, per the Flow contract) into the
   * parser; {@link #cancel} may come from the scheduler (read timeout) or from {@link #close()}.
   */
  private final class Connection implements Flow.Subscriber<List<ByteBuffer>>, SseParser.Handler {
    private final AtomicBoolean finished = new AtomicBoolean();
    private final SseParser parser;
    volatile long lastByteNanos = System.nanoTime();
    private volatile Flow.@Nullable Subscription subscription;
    private volatile @Nullable CompletableFuture<HttpResponse<Void>> future;
    private volatile @Nullable StreamHttpErrorException httpError;
    private volatile @Nullable String errorBody;
    private boolean gotMessage; // delivery thread only

    Connection() {
      String from = lastEventId;
      this.parser = new SseParser(this, from == null ? "" : from, 8 * 1024 * 1024);
    }

    void open() {
      String from = lastEventId;
      HttpRequest.Builder req = HttpRequest.newBuilder(streamUri(from))
          .GET()
          .header("Accept", "text/event-stream")
          .header("Cache-Control", "no-cache")
          .header(CLIENT_HEADER, clientId);
      if (from != null) {
        req.header("Last-Event-ID", from);
      }
      if ("http".equalsIgnoreCase(endpoint.getScheme())) {
        req.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance on a long-lived stream
      }
      lastByteNanos = System.nanoTime();
      CompletableFuture<HttpResponse<Void>> f;
      try {
        f = http.sendAsync(req.build(), this::bodyFor);
      } catch (RuntimeException e) {
        finish(e);
        return;
      }
      future = f;
      f.whenComplete((resp, ex) -> {
        if (ex != null) {
          finish(ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex);
        } else if (httpError != null) {
          finish(httpError);
        } else if (resp.statusCode() != 200) {
          String body = errorBody;
          finish(new StreamHttpErrorException(resp.statusCode(), body == null ? "" : body));
        } else {
          finish(null);
        }
      });
    }

    private HttpResponse.BodySubscriber<Void> bodyFor(HttpResponse.ResponseInfo info) {
      lastByteNanos = System.nanoTime();
      if (info.statusCode() != 200) {
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
            s -> {
              errorBody = s.length() > MAX_ERROR_BODY ? s.substring(0, MAX_ERROR_BODY) : s;
              return null;
            });
      }
      String type = info.headers().firstValue("Content-Type").orElse("");
      if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")) {
        httpError = null;
        finish(new IllegalStateException("REN stream answered 200 with Content-Type '" + type
            + "', expected text/event-stream"));
        return HttpResponse.BodySubscribers.replacing(null);
      }
      opened(this);
      return HttpResponse.BodySubscribers.fromSubscriber(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (finished.get()) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      lastByteNanos = System.nanoTime();
      if (finished.get()) {
        return;
      }
      try {
        for (ByteBuffer b : item) {
          parser.feed(b);
        }
      } catch (RuntimeException e) {
        cancel(e);
        return;
      }
      Flow.Subscription s = subscription;
      if (s != null) {
        s.request(1);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      finish(throwable);
    }

    @Override
    public void onComplete() {
      finish(null);
    }

    // ---- parser callbacks (delivery thread)

    @Override
    public void onEvent(String id, String type, String data) {
      if (finished.get()) {
        return;
      }
      if (!gotMessage) {
        gotMessage = true;
        firstMessage(this);
      }
      deliver(RenMessage.decode(id.isEmpty() ? null : id, type, data));
    }

    @Override
    public void onLastEventId(String id) {
      if (!id.isEmpty() && !finished.get()) {
        lastEventId = id;
      }
    }

    @Override
    public void onComment(String comment) {
      LOG.log(Level.TRACE, () -> "REN client " + clientId + " comment :" + comment);
    }

    @Override
    public void onRetry(long millis) {
      synchronized (lock) {
        serverRetryMs = millis;
      }
    }

    /** Stops this exchange; {@code cause} null means a deliberate close. */
    void cancel(@Nullable Throwable cause) {
      finish(cause);
    }

    /** Ends this exchange once: the first cause wins (cancelling below completes the future with another). */
    private void finish(@Nullable Throwable cause) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      CompletableFuture<HttpResponse<Void>> f = future;
      if (f != null) {
        f.cancel(true);
      }
      ended(this, cause);
    }
  }

  // ---------------------------------------------------------------- builder

  /**
   * Configures a {@link RenClient}.
   *
   * <p>Thread-safety: not thread-safe; the built client is.
   */
  public static final class Builder {
    private final URI endpoint;
    private final List<String> subscriptions = new ArrayList<>();
    private @Nullable String clientId;
    private boolean autoReconnect = true;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(15);
    private Duration heartbeat = Duration.ofSeconds(15);
    private @Nullable String lastEventId;
    private @Nullable Executor executor;
    private @Nullable HttpClient httpClient;
    private boolean debug;

    private Builder(URI endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      String scheme = endpoint.getScheme();
      if (!endpoint.isAbsolute() || endpoint.getHost() == null
          || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "' must be an absolute http(s) URI with a host");
      }
      if (endpoint.getRawFragment() != null) {
        throw new IllegalArgumentException("endpoint '" + endpoint + "' must not have a fragment");
      }
      this.endpoint = endpoint;
    }

    /** Filters ({@code kv}, {@code db:todos}, {@code kv.expired}); none or {@code *} means everything. */
    public Builder subscriptions(String... filters) {
      return subscriptions(List.of(filters));
    }

    /** Filters as a collection; replaces earlier ones. Checked with the server's own filter grammar. */
    public Builder subscriptions(Collection<String> filters) {
      List<String> copy = new ArrayList<>();
      for (String f : filters) {
        Objects.requireNonNull(f, "subscription");
        if (f.isEmpty() || f.indexOf(',') >= 0) {
          throw new IllegalArgumentException("subscription '" + f + "' must be one non-empty filter without ','");
        }
        copy.add(f);
      }
      if (!copy.isEmpty()) {
        RenFilter.parse(String.join(",", copy)); // fails early with the server's message
      }
      subscriptions.clear();
      subscriptions.addAll(copy);
      return this;
    }

    /** The client id ({@code [A-Za-z0-9_-]{1,64}}); default a random one. */
    public Builder clientId(String id) {
      this.clientId = RenOrigin.checkClientId(id);
      return this;
    }

    /** Whether to reconnect after a drop (default true). */
    public Builder autoReconnect(boolean on) {
      this.autoReconnect = on;
      return this;
    }

    /** First reconnect wait (default 1 s). */
    public Builder initialBackoff(Duration d) {
      this.initialBackoff = positive(d, "initialBackoff");
      return this;
    }

    /** Cap of the reconnect wait (default 15 s). */
    public Builder maxBackoff(Duration d) {
      this.maxBackoff = positive(d, "maxBackoff");
      return this;
    }

    /** The server's heartbeat interval (default 15 s); no byte for 2.5x this drops the connection. */
    public Builder heartbeat(Duration d) {
      this.heartbeat = positive(d, "heartbeat");
      return this;
    }

    /** Resume from this id on the first connection (e.g. one saved before a restart). */
    public Builder lastEventId(String id) {
      Objects.requireNonNull(id, "lastEventId");
      dev.ren.sse.SseFrames.checkField("lastEventId", id);
      this.lastEventId = id.isEmpty() ? null : id;
      return this;
    }

    /** Runs listener callbacks; default one daemon thread per client (in-order delivery). */
    public Builder executor(Executor callbackExecutor) {
      this.executor = Objects.requireNonNull(callbackExecutor, "executor");
      return this;
    }

    /** The HTTP client to use (default a new one with a 10 s connect timeout). */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "httpClient");
      return this;
    }

    /** Logs the connection lifecycle at INFO instead of DEBUG. */
    public Builder debug(boolean on) {
      this.debug = on;
      return this;
    }

    /** Builds an unstarted client: register listeners, then {@link RenClient#start()}. */
    public RenClient build() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException("initialBackoff " + initialBackoff + " must not exceed maxBackoff "
            + maxBackoff);
      }
      return new RenClient(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero() || d.toMillis() < 1) {
        throw new IllegalArgumentException(what + " must be at least 1 ms, was " + d);
      }
      return d;
    }
  }
}
