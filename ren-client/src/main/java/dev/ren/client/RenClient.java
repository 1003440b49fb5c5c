package dev.ren.client;

import dev.ren.RenOrigin;
import dev.ren.hub.RenFilter;
import dev.ren.internal.Settings;
import dev.ren.sse.SseFrames;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

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
 *   <li>Reconnect waits come from a {@link RetryDelayStrategy}; the default is
 *       {@link RetryDelayStrategy#exponential}: {@code initialBackoff} (1 s), doubling, capped at
 *       {@code maxBackoff} (15 s), jittered, reset once a connection delivers its first message, and never
 *       shorter than a server's {@code retry:}.</li>
 *   <li>A connection on which no byte (heartbeat included) arrives for 2.5 x {@code heartbeat} is dropped and
 *       reopened.</li>
 *   <li>A {@code 4xx} answer other than 408/429 is permanent: the client reports a
 *       {@link StreamHttpErrorException} and closes.</li>
 *   <li>Listener exceptions are caught and logged; they never stop the stream or other listeners.</li>
 *   <li>Time is injectable: {@link Builder#scheduler(ScheduledExecutorService, LongSupplier)} runs the reconnect
 *       delays and read timeouts on a scheduler and clock of the caller's (a test's virtual time, say).</li>
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
 * <p>Threads: by default a client runs on daemon threads of its own (a scheduler, a callback thread, the HTTP
 * client's executor), all stopped by {@link #close()}; executors and an HTTP client given to the builder are used,
 * never shut down.
 *
 * <p>Thread-safety: thread-safe. Callbacks run on the callback executor (by default one thread per client, so
 * they are serialised and in stream order). {@link #close()} is idempotent and may be called from a callback.
 */
public final class RenClient implements AutoCloseable {

  /** The request header that tells the server which client caused a mutation (it becomes {@code src}). */
  public static final String CLIENT_HEADER = "X-Ren-Client";

  private static final System.Logger LOG = System.getLogger(RenClient.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();

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

  /** Removes a registered callback; closing twice is harmless. A {@link dev.ren.Registration} like REN's others. */
  @FunctionalInterface
  public interface Registration extends dev.ren.Registration {
    @Override
    void close();
  }

  private final String clientId;
  private final URI endpoint;
  private final Level logLevel;
  private final OwnedThreads own;
  private final CallbackDispatcher dispatch;
  private final ReconnectLoop loop;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch closeDone = new CountDownLatch(1);

  private RenClient(Builder b) {
    String id = b.clientId;
    this.clientId = id != null ? id : randomClientId();
    this.endpoint = b.endpoint;
    this.logLevel = b.debug ? Level.INFO : Level.DEBUG;
    this.own = new OwnedThreads(clientId);
    Executor callbacks = b.executor;
    this.dispatch = new CallbackDispatcher(callbacks != null ? callbacks : own.callbacks(), clientId);
    ScheduledExecutorService scheduler = b.scheduler;
    StreamSettings settings = new StreamSettings(endpoint, b.subscriptions, clientId,
        readTimeoutNanos(b.heartbeat), httpClient(b.httpClient, own),
        scheduler != null ? scheduler : own.scheduler(), b.nanoTime);
    RetryDelayStrategy retry = b.retryDelayStrategy;
    this.loop = new ReconnectLoop(settings,
        retry != null ? retry : RetryDelayStrategy.exponential(b.initialBackoff, b.maxBackoff),
        b.autoReconnect, dispatch, b.lastEventId, logLevel, this::close);
  }

  /** A builder for a client of the stream at {@code endpoint} (e.g. {@code http://host/api/maravilla/ren}). */
  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  /**
   * Opens the stream (asynchronously, on the scheduler); later calls do nothing. Register listeners first to see
   * the meta frame.
   *
   * @throws IllegalStateException      if the client is closed
   * @throws RejectedExecutionException if the scheduler given to the builder has been shut down
   */
  public RenClient start() {
    if (closed.get()) {
      throw new IllegalStateException("client " + clientId + " is closed");
    }
    if (started.compareAndSet(false, true)) {
      try {
        loop.start();
      } catch (RejectedExecutionException e) {
        if (!closed.get()) {
          throw e;
        } // else closed concurrently: its own scheduler is gone, as it should be
      }
    }
    return this;
  }

  /** Registers a listener for every message (all types, {@code ren.meta} included). */
  public Registration on(Listener listener) {
    return dispatch.onMessage(listener);
  }

  /** Runs {@code action} when the server says the resume point was gone ({@code ren.meta} with reset). */
  public Registration onReset(Runnable action) {
    return dispatch.onReset(action);
  }

  /** Observes state changes. */
  public Registration onStateChange(Consumer<State> listener) {
    return dispatch.onState(listener);
  }

  /** Observes connection errors (I/O, timeouts, {@link StreamHttpErrorException}, a failing retry strategy). */
  public Registration onError(Consumer<Throwable> listener) {
    return dispatch.onError(listener);
  }

  /** This client's id: sent as {@code cid} on the stream and by {@link #withClientHeader} on mutations. */
  public String clientId() {
    return clientId;
  }

  /** The id the next connection resumes after, or null before any. */
  public @Nullable String lastEventId() {
    return loop.lastEventId();
  }

  /** The current state. */
  public State state() {
    return loop.state();
  }

  /** Adds {@code X-Ren-Client: <clientId>} to a request, so the events it causes carry this client as src. */
  public HttpRequest.Builder withClientHeader(HttpRequest.Builder request) {
    return request.header(CLIENT_HEADER, clientId);
  }

  /** Waits (in real time) until the stream is open; false on timeout or when the client closed first. */
  public boolean awaitConnected(Duration timeout) throws InterruptedException {
    return loop.awaitState(State.OPEN, timeout);
  }

  /** Waits (in real time) until the client is closed and every thread it started has finished. */
  public boolean awaitClosed(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    return closeDone.await(timeout.toNanos(), TimeUnit.NANOSECONDS)
        && own.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
  }

  /**
   * Closes the stream for good and stops the threads the client started; idempotent, callable from any thread
   * including callbacks. Callbacks already queued, the {@code CLOSED} notification among them, still run.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      loop.close();
      own.close();
      LOG.log(logLevel, () -> "REN client " + clientId + " closed");
    } finally {
      closeDone.countDown();
    }
  }

  @Override
  public String toString() {
    return "RenClient[" + clientId + " " + endpoint + " " + state() + "]";
  }

  private static Supplier<HttpClient> httpClient(@Nullable HttpClient given, OwnedThreads own) {
    if (given == null) {
      return own.httpClient();
    }
    return () -> given;
  }

  private static long readTimeoutNanos(Duration heartbeat) {
    try {
      return heartbeat.multipliedBy(5).dividedBy(2).toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE; // a heartbeat of centuries: no read timeout
    }
  }

  private static String randomClientId() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  // ---------------------------------------------------------------- builder

  /**
   * Configures a {@link RenClient}. Each setting may be given once: a repeat is a mistake in the caller's wiring
   * and fails with an {@link IllegalStateException} naming the earlier value.
   *
   * <p>Thread-safety: not thread-safe; the built client is.
   */
  public static final class Builder {
    private final Settings settings = new Settings();
    private final URI endpoint;
    private List<String> subscriptions = List.of();
    private @Nullable String clientId;
    private boolean autoReconnect = true;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(15);
    private @Nullable RetryDelayStrategy retryDelayStrategy;
    private Duration heartbeat = Duration.ofSeconds(15);
    private @Nullable String lastEventId;
    private @Nullable Executor executor;
    private @Nullable HttpClient httpClient;
    private @Nullable ScheduledExecutorService scheduler;
    private LongSupplier nanoTime = System::nanoTime;
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

    /** Filters as a collection. Checked with the server's own filter grammar. */
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
      this.subscriptions = settings.once("subscriptions", List.copyOf(copy));
      return this;
    }

    /** The client id ({@code [A-Za-z0-9_-]{1,64}}); default a random one. */
    public Builder clientId(String id) {
      this.clientId = settings.once("clientId", RenOrigin.checkClientId(id));
      return this;
    }

    /** Whether to reconnect after a drop (default true). */
    public Builder autoReconnect(boolean on) {
      this.autoReconnect = settings.once("autoReconnect", on);
      return this;
    }

    /** First reconnect wait of the default {@link RetryDelayStrategy} (default 1 s). */
    public Builder initialBackoff(Duration d) {
      positive(d, "initialBackoff");
      refuseWith("initialBackoff", "retryDelayStrategy");
      this.initialBackoff = settings.once("initialBackoff", d);
      return this;
    }

    /** Cap of the default {@link RetryDelayStrategy}'s reconnect wait (default 15 s). */
    public Builder maxBackoff(Duration d) {
      positive(d, "maxBackoff");
      refuseWith("maxBackoff", "retryDelayStrategy");
      this.maxBackoff = settings.once("maxBackoff", d);
      return this;
    }

    /**
     * Replaces the default reconnect waits ({@link RetryDelayStrategy#exponential} of {@code initialBackoff} and
     * {@code maxBackoff}); it cannot be combined with those two.
     */
    public Builder retryDelayStrategy(RetryDelayStrategy strategy) {
      Objects.requireNonNull(strategy, "retryDelayStrategy");
      refuseWith("retryDelayStrategy", "initialBackoff", "maxBackoff");
      this.retryDelayStrategy = settings.once("retryDelayStrategy", strategy);
      return this;
    }

    /** The server's heartbeat interval (default 15 s); no byte for 2.5x this drops the connection. */
    public Builder heartbeat(Duration d) {
      positive(d, "heartbeat");
      this.heartbeat = settings.once("heartbeat", d);
      return this;
    }

    /** Resume from this id on the first connection (e.g. one saved before a restart). */
    public Builder lastEventId(String id) {
      Objects.requireNonNull(id, "lastEventId");
      SseFrames.checkField("lastEventId", id);
      settings.once("lastEventId", id);
      this.lastEventId = id.isEmpty() ? null : id;
      return this;
    }

    /**
     * Runs listener callbacks; default one daemon thread per client (in-order delivery). The client never shuts
     * this executor down.
     */
    public Builder executor(Executor callbackExecutor) {
      this.executor = settings.once("executor", Objects.requireNonNull(callbackExecutor, "executor"));
      return this;
    }

    /** The HTTP client to use (default a new one with a 10 s connect timeout, stopped by close). */
    public Builder httpClient(HttpClient client) {
      this.httpClient = settings.once("httpClient", Objects.requireNonNull(client, "httpClient"));
      return this;
    }

    /**
     * Runs the client's connects, reconnect delays and read timeouts on {@code scheduler} (one shared by many
     * clients, say) instead of a thread of the client's own. The client cancels its tasks on close and never shuts
     * the scheduler down.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      return scheduler(scheduler, System::nanoTime);
    }

    /**
     * Like {@link #scheduler(ScheduledExecutorService)}, with the clock that scheduler runs on, in
     * {@link System#nanoTime()} units: the read timeout measures silence with it. A test passes a scheduler on
     * virtual time and that time's source, and moves both without waiting on the real clock.
     */
    public Builder scheduler(ScheduledExecutorService scheduler, LongSupplier nanoTime) {
      Objects.requireNonNull(nanoTime, "nanoTime");
      this.scheduler = settings.once("scheduler", Objects.requireNonNull(scheduler, "scheduler"));
      this.nanoTime = nanoTime;
      return this;
    }

    /** Logs the connection lifecycle at INFO instead of DEBUG. */
    public Builder debug(boolean on) {
      this.debug = settings.once("debug", on);
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

    private void refuseWith(String setting, String... conflicting) {
      for (String other : conflicting) {
        if (settings.isSet(other)) {
          throw new IllegalStateException(setting + " cannot be combined with " + other
              + ", which was already set: a retryDelayStrategy replaces initialBackoff and maxBackoff");
        }
      }
    }

    private static void positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero() || d.toMillis() < 1) {
        throw new IllegalArgumentException(what + " must be at least 1 ms, was " + d);
      }
    }
  }
}
