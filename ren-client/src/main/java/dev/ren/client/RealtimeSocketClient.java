package dev.ren.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.internal.Settings;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A client of REN's realtime WebSocket ({@code /_rt/ws}, module {@code ren-websocket-realtime}) on the JDK's
 * {@link WebSocket}: it keeps the connection up, reconnecting after a loss with a delay of 1 s doubling up to
 * {@linkplain Builder#maxBackoff 30 s} (reset once connected); after every (re)connect it subscribes again to its
 * channels, with {@code lastEventId} = the last sequence number it received on each history channel, so the server
 * sends what was missed first (no gap), and it drops a message whose sequence number it has already seen (no
 * duplicate); when the server says a channel's sequence started over ({@code reset}: realtime restarted or the
 * channel was dropped while idle), it forgets the number it held, so the messages numbered from 1 again are
 * delivered. With {@linkplain Builder#streamToken a stream token supplier} it renews the socket's token before it
 * expires ({@code auth}) instead of being closed at the expiry. It joins its presence channels again and pings
 * every 25 s. Every server frame ({@code message},
 * {@code presence:*}, {@code subscribed}, {@code reset}, {@code error}, ...) goes to the listener, in order, on
 * the HTTP client's thread; keep the listener short.
 *
 * <pre>{@code
 * try (RealtimeSocketClient rt = RealtimeSocketClient.builder(URI.create("ws://host/_rt/ws"))
 *     .header("Authorization", "Bearer " + token).listener(frame -> System.out.println(frame)).build()) {
 *   rt.subscribe("room-1", null);
 *   rt.join("room-1", "alice", metadata);
 *   rt.publish("room-1", data);
 * }
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; subscriptions, joins and sends may be made from any thread.
 */
public final class RealtimeSocketClient implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RealtimeSocketClient.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI uri;
  private final Map<String, String> headers;
  private final Consumer<JsonNode> listener;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration pingInterval;
  private final @Nullable Supplier<String> streamTokens;
  private final HttpClient http;
  private final ScheduledExecutorService timer;

  // guarded by this
  /** Subscribed channels: channel to its channel token (empty string: none). */
  private final Map<String, String> subscriptions = new LinkedHashMap<>();
  /** The last sequence number received per history channel. */
  private final Map<String, Long> lastSeq = new LinkedHashMap<>();
  /** Presence joins to repeat: channel to the join frame. */
  private final Map<String, String> joins = new LinkedHashMap<>();
  private @Nullable WebSocket socket;
  private Duration backoff;
  private int connects;
  private boolean closed;
  private @Nullable ScheduledFuture<?> pinger;
  /** The stream token the socket was opened or last renewed with (with {@link Builder#streamToken}). */
  private @Nullable String token;
  private @Nullable ScheduledFuture<?> renewal;

  private RealtimeSocketClient(Builder b) {
    this.uri = b.uri;
    this.headers = Map.copyOf(b.headers);
    this.listener = b.listener;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.pingInterval = b.pingInterval;
    this.streamTokens = b.streamTokens;
    this.backoff = initialBackoff;
    this.http = HttpClient.newHttpClient();
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "ren-realtime-socket-client");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    connect();
  }

  /** A builder for {@code uri} ({@code ws://host/_rt/ws?cid=...}). */
  public static Builder builder(URI uri) {
    return new Builder(uri);
  }

  /** Subscribes to {@code channel} (now and after every reconnect); {@code token} for a private- channel. */
  public void subscribe(String channel, @Nullable String token) {
    String frame;
    synchronized (this) {
      subscriptions.put(channel, token == null ? "" : token);
      frame = subscribeFrame(channel);
    }
    send(frame);
  }

  /** Stops receiving {@code channel}. */
  public void unsubscribe(String channel) {
    synchronized (this) {
      subscriptions.remove(channel);
      lastSeq.remove(channel);
    }
    send(object("unsubscribe", channel).toString());
  }

  /** Publishes {@code data} on {@code channel} (not repeated after a reconnect: a lost send is lost). */
  public void publish(String channel, @Nullable JsonNode data) {
    ObjectNode o = object("publish", channel);
    o.set("data", data);
    send(o.toString());
  }

  /** Joins presence on {@code channel} as {@code userId} (again after every reconnect). */
  public void join(String channel, @Nullable String userId, @Nullable JsonNode metadata) {
    ObjectNode o = object("presence:join", channel);
    if (userId != null) {
      o.put("userId", userId);
    }
    o.set("metadata", metadata);
    String frame = o.toString();
    synchronized (this) {
      joins.put(channel, frame);
    }
    send(frame);
  }

  /** Leaves presence on {@code channel}. */
  public void leave(String channel) {
    synchronized (this) {
      joins.remove(channel);
    }
    send(object("presence:leave", channel).toString());
  }

  /** How many times the connection was opened (1 before any loss). */
  public synchronized int connects() {
    return connects;
  }

  /** The last sequence number received on a history channel, 0 if none. */
  public synchronized long lastSeq(String channel) {
    return lastSeq.getOrDefault(channel, 0L);
  }

  private static ObjectNode object(String action, String channel) {
    ObjectNode o = JSON.createObjectNode();
    o.put("action", action);
    o.put("channel", channel);
    return o;
  }

  /** Caller holds the monitor. */
  private String subscribeFrame(String channel) {
    ObjectNode o = object("subscribe", channel);
    String token = subscriptions.get(channel);
    if (token != null && !token.isEmpty()) {
      o.put("token", token);
    }
    Long seq = lastSeq.get(channel);
    if (seq != null) { // 0 too: a history channel seen empty (or reset) catches up on all it got since
      o.put("lastEventId", seq);
    }
    return o.toString();
  }

  private void send(String frame) {
    WebSocket ws;
    synchronized (this) {
      ws = socket;
    }
    if (ws != null) {
      // JDK WebSocket: one send at a time; sends are chained by the lock and join
      synchronized (ws) {
        try {
          ws.sendText(frame, true).join();
        } catch (RuntimeException e) {
          LOG.log(Level.DEBUG, "realtime send failed; the connection is being replaced", e);
        }
      }
    }
  }

  private void connect() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    URI target = uri;
    Supplier<String> tokens = streamTokens;
    if (tokens != null) {
      String t;
      try {
        t = Objects.requireNonNull(tokens.get(), "the stream token supplier returned null");
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "no stream token for the realtime connection; trying again later", e);
        lost();
        return;
      }
      synchronized (this) {
        token = t;
      }
      String q = uri.getRawQuery();
      target = URI.create(uri.toString() + (q == null ? "?" : "&") + "token="
          + URLEncoder.encode(t, StandardCharsets.UTF_8));
    }
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    java.util.concurrent.CompletableFuture<WebSocket> unused =
        b.buildAsync(target, new Listener()).whenComplete((ws, error) -> {
      if (error != null) {
        lost();
        return;
      }
      String[] frames;
      synchronized (this) {
        if (closed) {
          ws.abort();
          return;
        }
        socket = ws;
        connects++;
        backoff = initialBackoff;
        java.util.List<String> all = new java.util.ArrayList<>();
        for (String channel : subscriptions.keySet()) {
          all.add(subscribeFrame(channel));
        }
        all.addAll(joins.values());
        frames = all.toArray(String[]::new);
        pinger = timer.scheduleWithFixedDelay(() -> send("{\"action\":\"ping\"}"), pingInterval.toMillis(),
            pingInterval.toMillis(), TimeUnit.MILLISECONDS);
      }
      for (String f : frames) {
        send(f);
      }
      if (tokens != null) {
        send("{\"action\":\"ping\"}"); // its pong says when the token expires
      }
    });
  }

  /**
   * Plans the renewal of the stream token {@code remainingMillis} before it expires (a {@code pong} or
   * {@code authed} said when): shortly before the expiry a fresh token from {@link Builder#streamToken} is sent as
   * {@code auth}, so the server does not close the socket (and the members it holds do not leave and join again).
   */
  private synchronized void scheduleRenewal(long remainingMillis) {
    ScheduledFuture<?> r = renewal;
    if (r != null) {
      r.cancel(false);
      renewal = null;
    }
    WebSocket ws = socket;
    if (streamTokens == null || token == null || ws == null || closed || remainingMillis <= 500) {
      return;
    }
    long due = System.currentTimeMillis() + remainingMillis;
    long delay = Math.max(500, remainingMillis - Math.max(1500, remainingMillis / 4));
    try {
      renewal = timer.schedule(() -> renew(ws, due), delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "realtime client closed", e);
    }
  }

  private void renew(WebSocket ws, long due) {
    Supplier<String> tokens = Objects.requireNonNull(streamTokens);
    synchronized (this) {
      if (socket != ws || closed) {
        return;
      }
    }
    String t;
    try {
      t = tokens.get();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "no fresh stream token; the socket closes at the expiry and reconnects", e);
      return;
    }
    ObjectNode auth = JSON.createObjectNode();
    synchronized (this) {
      if (socket != ws || closed) {
        return;
      }
      if (t == null || t.equals(token)) {
        scheduleRenewal(due - System.currentTimeMillis()); // not a fresher one yet: ask again nearer the expiry
        return;
      }
      token = t;
    }
    auth.put("action", "auth");
    auth.put("token", t);
    send(auth.toString());
  }

  /** The connection is gone (or never came): reconnect after the backoff, doubling it. */
  private void lost() {
    Duration delay;
    synchronized (this) {
      socket = null;
      ScheduledFuture<?> p = pinger;
      if (p != null) {
        p.cancel(false);
        pinger = null;
      }
      ScheduledFuture<?> r = renewal;
      if (r != null) {
        r.cancel(false);
        renewal = null;
      }
      if (closed) {
        return;
      }
      delay = backoff;
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
    }
    try {
      ScheduledFuture<?> unused = timer.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "realtime client closed while reconnecting", e);
    }
  }

  private void onFrame(JsonNode frame) {
    String event = frame.path("event").asText();
    if (("pong".equals(event) || "authed".equals(event)) && frame.path("expiresAt").isNumber()) {
      long now = frame.path("ts").isNumber() ? frame.path("ts").asLong() : System.currentTimeMillis();
      scheduleRenewal(frame.path("expiresAt").asLong() - now); // on the server's clock
    }
    if ("message".equals(frame.path("event").asText()) && frame.has("seq")) {
      String channel = frame.path("channel").asText();
      long seq = frame.path("seq").asLong();
      synchronized (this) {
        Long seen = lastSeq.get(channel);
        if (seen != null && seq <= seen) {
          return; // already delivered
        }
        lastSeq.put(channel, seq);
      }
    } else if ("subscribed".equals(frame.path("event").asText()) && frame.has("seq")) {
      synchronized (this) {
        lastSeq.merge(frame.path("channel").asText(), frame.path("seq").asLong(), Math::max);
      }
    } else if ("reset".equals(frame.path("event").asText())) {
      // the channel's sequence started over below the number held: what follows is numbered from 1
      String channel = frame.path("channel").asText();
      synchronized (this) {
        if (subscriptions.containsKey(channel)) {
          lastSeq.put(channel, 0L);
        }
      }
    }
    try {
      listener.accept(frame);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "realtime listener failed", e);
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    private boolean done;

    @Override
    public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          onFrame(JSON.readTree(text));
        } catch (java.io.IOException e) {
          LOG.log(Level.WARNING, "realtime frame is not JSON", e);
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      once();
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      once();
    }

    private void once() {
      if (!done) {
        done = true;
        lost();
      }
    }
  }

  /** Closes the connection and stops reconnecting. */
  @Override
  public void close() {
    WebSocket ws;
    synchronized (this) {
      closed = true;
      ws = socket;
      socket = null;
    }
    if (ws != null) {
      ws.abort();
    }
    timer.shutdownNow();
  }

  /**
   * Configures a {@link RealtimeSocketClient}. Each setting may be given once.
   *
   * <p>Thread-safety: not thread-safe.
   */
  public static final class Builder {
    private final URI uri;
    private final Settings settings = new Settings();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Consumer<JsonNode> listener = f -> { };
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration pingInterval = Duration.ofSeconds(25);
    private @Nullable Supplier<String> streamTokens;

    private Builder(URI uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
    }

    /** A header of the upgrade request (such as {@code Authorization}). */
    public Builder header(String name, String value) {
      settings.once("header(" + name + ")", value);
      headers.put(name, value);
      return this;
    }

    /** Receives every server frame; default none. */
    public Builder listener(Consumer<JsonNode> l) {
      this.listener = settings.once("listener", Objects.requireNonNull(l, "listener"));
      return this;
    }

    /** The first reconnect delay, doubled after each failure; default 1 s, in [10 ms, 1 min]. */
    public Builder initialBackoff(Duration d) {
      this.initialBackoff = settings.once("initialBackoff", check("initialBackoff", d));
      return this;
    }

    /** The longest reconnect delay; default 30 s, in [10 ms, 1 min]. */
    public Builder maxBackoff(Duration d) {
      this.maxBackoff = settings.once("maxBackoff", check("maxBackoff", d));
      return this;
    }

    /**
     * A stream token for every connect ({@code POST <stream path>/token}, or {@code RenSecurity.mintStreamToken} in
     * the same JVM), sent as {@code ?token=}; asked again shortly before it expires, and sent on the open socket as
     * {@code auth}, so the server renews the connection's credentials instead of closing it at the expiry. Called
     * on the client's own thread; it may block briefly (an HTTP call). Default none (the URI's and headers'
     * credentials, which are not renewed).
     */
    public Builder streamToken(Supplier<String> tokens) {
      this.streamTokens = settings.once("streamToken", Objects.requireNonNull(tokens, "tokens"));
      return this;
    }

    /** How often to ping; default 25 s, in [10 ms, 1 min]. */
    public Builder pingInterval(Duration d) {
      this.pingInterval = settings.once("pingInterval", check("pingInterval", d));
      return this;
    }

    private static Duration check(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.compareTo(Duration.ofMillis(10)) < 0 || d.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(name + " must be in [10 ms, 1 min], was " + d);
      }
      return d;
    }

    /** Connects (in the background) and returns the client. */
    public RealtimeSocketClient build() {
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") must be at least initialBackoff ("
            + initialBackoff + ")");
      }
      return new RealtimeSocketClient(this);
    }
  }
}
