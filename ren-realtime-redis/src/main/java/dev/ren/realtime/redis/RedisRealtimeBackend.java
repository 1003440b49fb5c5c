package dev.ren.realtime.redis;

import dev.ren.internal.Printable;
import dev.ren.internal.Settings;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeBackend;
import dev.ren.realtime.RealtimeFullException;
import dev.ren.realtime.RealtimeUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link RealtimeBackend} on Redis: channel sequence numbers, history, live channels and presence members shared
 * by every node that points at the same Redis and prefix. Plug it in with {@link Realtime.Builder#backend}:
 *
 * <pre>{@code
 * Realtime realtime = Realtime.builder(hub)           // hub on RedisEventLog: events reach every node
 *     .history("room-*", 100)
 *     .backend(RedisRealtimeBackend.builder(URI.create("redis://127.0.0.1:6379")).build())
 *     .build();
 * }</pre>
 *
 * <p>Guarantees, across all nodes on one Redis and prefix:
 * <ul>
 *   <li>every change is one Lua script ({@link RealtimeScripts}), atomic in Redis. A history channel's next number
 *       is taken and its message stored in one step: numbers are unique and increasing per channel whichever node
 *       publishes, and a message is in the history as soon as its number exists;</li>
 *   <li>history is bounded as in one process: the channel's last N messages, {@code maxHistoryBytes} over all
 *       channels (oldest dropped first; a message costs its payload, user id and client id in UTF-8 plus
 *       {@value #MESSAGE_OVERHEAD} bytes), and a channel is dropped (history, sequence) once idle past its
 *       retention, by a sweep every node runs every {@link Builder#sweepInterval} (default 1 s);</li>
 *   <li>live channels, members (in all and per channel) and metadata bytes are bounded for the whole cluster, by
 *       counters updated in the same scripts; a refused change throws {@link RealtimeFullException} and changes
 *       nothing;</li>
 *   <li>presence members are stored in Redis with the nodes that hold them. Each node renews a heartbeat key with a
 *       TTL ({@link Builder#heartbeatTtl}, default 15 s) every {@link Builder#heartbeatInterval} (default 5 s).
 *       The sweep of every node claims the members of nodes whose heartbeat lapsed (SPOP in a script: each member
 *       claimed once) and tells its own realtime of those no live node holds, which publishes exactly one
 *       {@code presence.leave} for each in the cluster: a node killed with {@code kill -9} has its members leave on
 *       the others within heartbeat TTL + sweep interval (16 s by default). A node that closes cleanly ends its
 *       heartbeat, so the others do it at their next sweep;</li>
 *   <li>Redis unreachable or too slow ({@link Builder#commandTimeout}, default 2 s):
 *       {@link RealtimeUnavailableException} (HTTP {@code 503 realtime_unavailable}); the client reconnects by
 *       itself and the backend works again once Redis answers. If the heartbeat lapsed meanwhile, the others took
 *       this node for dead: realtime records the members its clients still hold again.</li>
 * </ul>
 *
 * <p>Limits: one Redis (or primary), not Redis Cluster (scripts touch keys they compute). Without Redis
 * persistence a Redis restart empties history and presence (sequences start over at 1; clients reading history
 * after a number they saw get {@code truncated}).
 *
 * <p>Thread-safety: thread-safe; one connection is shared by all callers (Lettuce pipelines them).
 */
public final class RedisRealtimeBackend implements RealtimeBackend {

  private static final System.Logger LOG = System.getLogger(RedisRealtimeBackend.class.getName());
  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
  private static final String[] NO_KEYS = new String[0];
  /** What a history message costs besides its payload and strings (its fields, index entries and id). */
  static final int MESSAGE_OVERHEAD = 160;
  private static final int SWEEP_BATCH = 200;
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final RedisURI uri;
  private final String prefix;
  private final byte[] prefixBytes;
  private final String node;
  private final Duration sweepInterval;
  private final Duration heartbeatInterval;
  private final Duration heartbeatTtl;
  private final Duration commandTimeout;
  private final ClientResources resources;
  private final RedisClient client;
  private final ScheduledExecutorService scheduler;
  private final Script append = new Script(RealtimeScripts.APPEND);
  private final Script published = new Script(RealtimeScripts.PUBLISHED);
  private final Script history = new Script(RealtimeScripts.HISTORY);
  private final Script channels = new Script(RealtimeScripts.CHANNELS);
  private final Script sweepChannels = new Script(RealtimeScripts.SWEEP_CHANNELS);
  private final Script join = new Script(RealtimeScripts.JOIN);
  private final Script release = new Script(RealtimeScripts.RELEASE);
  private final Script remove = new Script(RealtimeScripts.REMOVE);
  private final Script members = new Script(RealtimeScripts.MEMBERS);
  private final Script heartbeat = new Script(RealtimeScripts.HEARTBEAT);
  private final Script goodbye = new Script(RealtimeScripts.GOODBYE);
  private final Script sweepNodes = new Script(RealtimeScripts.SWEEP_NODES);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean sweepFailing = new AtomicBoolean();
  private final Object connectLock = new Object();
  /** Whether a heartbeat of this node was written (so a lapsed one means the others took it for dead). */
  private final AtomicBoolean registered = new AtomicBoolean();
  private volatile @Nullable StatefulRedisConnection<String, byte[]> connection;
  private volatile @Nullable Config config;
  private volatile @Nullable Listener listener;

  private RedisRealtimeBackend(Builder b) {
    this.uri = b.uri;
    this.prefix = b.prefix;
    this.prefixBytes = utf8(b.prefix);
    this.sweepInterval = b.sweepInterval;
    this.heartbeatInterval = b.heartbeatInterval;
    this.heartbeatTtl = b.heartbeatTtl;
    this.commandTimeout = b.commandTimeout;
    byte[] id = new byte[8];
    RANDOM.nextBytes(id);
    this.node = HexFormat.of().formatHex(id);
    String name = "ren-realtime-redis-" + IDS.incrementAndGet();
    this.resources = ClientResources.builder()
        .threadFactoryProvider(pool -> new DefaultThreadFactory(name + "-" + pool, true))
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.constant(Duration.ofMillis(250)))
        .build();
    this.client = RedisClient.create(resources, uri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
        .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).keepAlive(true).build())
        .build());
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name + "-sweep");
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder for a backend on the Redis at {@code uri} ({@code redis://host:port[/db]}). */
  public static Builder builder(URI uri) {
    return new Builder(RedisURI.create(Objects.requireNonNull(uri, "uri")));
  }

  /** This node's id in Redis (random per backend). */
  public String nodeId() {
    return node;
  }

  @Override
  @SuppressWarnings("FutureReturnValueIgnored") // periodic tasks, cancelled by shutting the scheduler down
  public void start(Config c, Listener l) {
    if (listener != null) {
      throw new IllegalStateException("backend was already started with " + listener);
    }
    config = Objects.requireNonNull(c, "config");
    listener = Objects.requireNonNull(l, "listener");
    beatSafely(); // first, so this node is known before it holds anything (Redis may be down: retried)
    long beat = heartbeatInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::beatSafely, beat, beat, TimeUnit.MILLISECONDS);
    long sweep = sweepInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::sweepSafely, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  private Config config() {
    Config c = config;
    if (c == null) {
      throw new IllegalStateException("backend not started");
    }
    return c;
  }

  private static String ck(@Nullable String tenant, String channel) {
    return (tenant == null ? "" : tenant) + "/" + channel;
  }

  // ------------------------------------------------------------------------------------------------ messages

  /** What a message is charged against {@code maxHistoryBytes}. */
  static long cost(byte @Nullable [] data, @Nullable String userId, @Nullable String src) {
    return (long) MESSAGE_OVERHEAD + (data == null ? 0 : data.length)
        + (userId == null ? 0 : utf8(userId).length) + (src == null ? 0 : utf8(src).length);
  }

  @Override
  public long append(@Nullable String tenant, String channel, int historyLimit, long ts, byte @Nullable [] data,
      @Nullable String userId, @Nullable String src) {
    Config c = config();
    String ck = ck(tenant, channel);
    List<Object> r = run(append, prefixBytes, utf8(ck), utf8(tenant == null ? "" : tenant), utf8(channel),
        num(historyLimit), num(c.historyRetentionMs()), num(c.channelRetentionMs()), num(c.maxChannels()),
        num(c.maxHistoryBytes()), historyLimit > 0 ? encode(ts, data, userId, src) : new byte[0],
        num(cost(data, userId, src)));
    long seq = (Long) r.get(0);
    if (seq < 0) {
      throw new RealtimeFullException("maxChannels", c.maxChannels(),
          "too many live channels (with recent messages, history or members); channel '" + channel
              + "' was not created");
    }
    return seq;
  }

  @Override
  @SuppressWarnings("FutureReturnValueIgnored") // fire and forget: its outcome is handled in whenComplete
  public void published(@Nullable String tenant, String channel, long seq, String id) {
    if (closed.get()) {
      return;
    }
    byte[][] args = {prefixBytes, utf8(ck(tenant, channel)), num(seq), utf8(id)};
    try {
      RedisAsyncCommands<String, byte[]> async = connection().async();
      async.<List<Object>>evalsha(published.sha, ScriptOutputType.MULTI, NO_KEYS, args)
          .whenComplete((ok, e) -> {
            if (e instanceof RedisNoScriptException) {
              async.<List<Object>>eval(published.body, ScriptOutputType.MULTI, NO_KEYS, args);
            } else if (e != null) {
              LOG.log(Level.DEBUG, "the event id of a history message was not recorded: " + e);
            }
          });
    } catch (RuntimeException e) {
      // the message stays in history without its id, as when its publish failed
      LOG.log(Level.DEBUG, "the event id of a history message was not recorded: " + e);
    }
  }

  @Override
  public Page history(@Nullable String tenant, String channel, long after, int limit, long maxPageBytes) {
    List<Object> r = run(history, prefixBytes, utf8(ck(tenant, channel)), num(after), num(limit),
        num(maxPageBytes));
    List<Message> messages = new ArrayList<>((r.size() - 2) / 3);
    for (int i = 2; i + 2 < r.size(); i += 3) {
      long seq = (Long) r.get(i);
      byte[] blob = (byte[]) r.get(i + 1);
      Object id = r.get(i + 2);
      messages.add(decode(seq, blob, id == null ? null : new String((byte[]) id, StandardCharsets.UTF_8)));
    }
    return new Page(messages, (Long) r.get(0), (Long) r.get(1) == 1);
  }

  @Override
  public List<String> channels(@Nullable String tenant) {
    List<Object> r = run(channels, prefixBytes, utf8(tenant == null ? "" : tenant),
        num(config().channelRetentionMs()));
    List<String> names = new ArrayList<>(r.size());
    for (Object o : r) {
      names.add(new String((byte[]) o, StandardCharsets.UTF_8));
    }
    return names;
  }

  /** A message as stored: ts, user id, client id, payload. */
  private static byte[] encode(long ts, byte @Nullable [] data, @Nullable String userId, @Nullable String src) {
    byte[] u = userId == null ? null : utf8(userId);
    byte[] s = src == null ? null : utf8(src);
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + (u == null ? 0 : u.length) + 4 + (s == null ? 0 : s.length) + 4
        + (data == null ? 0 : data.length));
    b.putLong(ts);
    putField(b, u);
    putField(b, s);
    putField(b, data);
    return b.array();
  }

  private static void putField(ByteBuffer b, byte @Nullable [] field) {
    if (field == null) {
      b.putInt(-1);
    } else {
      b.putInt(field.length);
      b.put(field);
    }
  }

  private static byte @Nullable [] field(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0) {
      return null;
    }
    byte[] f = new byte[n];
    b.get(f);
    return f;
  }

  private static Message decode(long seq, byte[] blob, @Nullable String id) {
    ByteBuffer b = ByteBuffer.wrap(blob);
    long ts = b.getLong();
    byte[] u = field(b);
    byte[] s = field(b);
    byte[] data = field(b);
    return new Message(seq, id, ts, data, u == null ? null : new String(u, StandardCharsets.UTF_8),
        s == null ? null : new String(s, StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------------------------------------ presence

  @Override
  public Change join(@Nullable String tenant, String channel, String userId, byte[] metadata,
      @Nullable String owner, boolean create, long ts) {
    Config c = config();
    List<Object> r = run(join, prefixBytes, utf8(ck(tenant, channel)), utf8(tenant == null ? "" : tenant),
        utf8(channel), utf8(userId), metadata, utf8(owner == null ? "" : owner), num(create ? 1 : 0), utf8(node),
        num(c.maxMembers()), num(c.maxMembersPerChannel()), num(c.maxPresenceBytes()), num(c.maxChannels()),
        num(ts));
    long status = (Long) r.get(0);
    if (status == 0) {
      return Change.absent();
    }
    if (status == 1) {
      return Change.created();
    }
    if (status == 2) {
      return Change.updated((byte[]) r.get(1));
    }
    if (status == -5) {
      return Change.refused();
    }
    if (status == -1) {
      throw new RealtimeFullException("maxMembers", c.maxMembers(),
          "too many presence members on all channels; nobody joined '" + channel + "'");
    }
    if (status == -2) {
      throw new RealtimeFullException("maxMembersPerChannel", c.maxMembersPerChannel(),
          "channel '" + channel + "' has as many presence members as it may");
    }
    if (status == -3) {
      throw new RealtimeFullException("maxPresenceBytes", c.maxPresenceBytes(),
          "presence metadata on all channels is at its bound; the change on '" + channel + "' was refused");
    }
    throw new RealtimeFullException("maxChannels", c.maxChannels(),
        "too many live channels (with recent messages, history or members); channel '" + channel
            + "' was not created");
  }

  @Override
  public Change release(@Nullable String tenant, String channel, String userId) {
    List<Object> r = run(release, prefixBytes, utf8(ck(tenant, channel)), utf8(userId), utf8(node));
    long status = (Long) r.get(0);
    if (status == 3) {
      return Change.removed((byte[]) r.get(1));
    }
    return status == 2 ? Change.updated(new byte[0]) : Change.absent();
  }

  @Override
  public Change remove(@Nullable String tenant, String channel, String userId, @Nullable String caller) {
    List<Object> r = run(remove, prefixBytes, utf8(ck(tenant, channel)), utf8(userId),
        utf8(caller == null ? "" : caller));
    long status = (Long) r.get(0);
    if (status == 3) {
      return Change.removed((byte[]) r.get(1));
    }
    return status == -5 ? Change.refused() : Change.absent();
  }

  @Override
  public List<Member> members(@Nullable String tenant, String channel) {
    List<Object> r = run(members, prefixBytes, utf8(ck(tenant, channel)));
    List<Member> list = new ArrayList<>(r.size() / 3);
    for (int i = 0; i + 2 < r.size(); i += 3) {
      list.add(new Member(new String((byte[]) r.get(i), StandardCharsets.UTF_8), (byte[]) r.get(i + 1),
          (Long) r.get(i + 2)));
    }
    return list;
  }

  @Override
  public int memberCount() {
    if (closed.get()) {
      throw new IllegalStateException("realtime backend is closed");
    }
    try {
      byte[] count = connection().sync().get(prefix + "pc");
      return count == null ? 0 : Integer.parseInt(new String(count, StandardCharsets.UTF_8));
    } catch (RedisException e) {
      throw new RealtimeUnavailableException("Redis at " + uri.getHost() + ":" + uri.getPort()
          + " is unavailable: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------------------ background

  private void beatSafely() {
    try {
      beat();
    } catch (RealtimeUnavailableException e) {
      failing("heartbeat", e);
    } catch (RuntimeException e) {
      if (!closed.get()) {
        LOG.log(Level.WARNING, "realtime heartbeat failed", e);
      }
    }
  }

  /** Renews this node's heartbeat; tells the listener when it had lapsed after being written. */
  void beat() {
    List<Object> r = run(heartbeat, prefixBytes, utf8(node), num(heartbeatTtl.toMillis()));
    boolean had = (Long) r.get(0) == 1;
    if (registered.getAndSet(true) && !had) {
      Listener l = listener;
      if (l != null && !closed.get()) {
        l.lost();
      }
    }
  }

  private void sweepSafely() {
    try {
      sweepOnce();
      if (sweepFailing.compareAndSet(true, false)) {
        LOG.log(Level.INFO, "realtime sweep on " + uri.getHost() + ":" + uri.getPort() + " works again");
      }
    } catch (RealtimeUnavailableException e) {
      failing("sweep", e);
    } catch (RuntimeException e) {
      if (!closed.get()) {
        LOG.log(Level.WARNING, "realtime sweep failed", e);
      }
    }
  }

  private void failing(String what, RealtimeUnavailableException e) {
    if (sweepFailing.compareAndSet(false, true)) {
      LOG.log(Level.WARNING, "realtime " + what + " on Redis failed; retrying: " + e.getMessage());
    }
  }

  /**
   * One sweep: drops channels idle past their retention, then removes members of dead nodes and tells the listener
   * of each that left. Returns how many members left (for tests).
   */
  int sweepOnce() {
    while (true) {
      List<Object> r = run(sweepChannels, prefixBytes, num(SWEEP_BATCH));
      if ((Long) r.get(0) < SWEEP_BATCH) {
        break;
      }
    }
    int left = 0;
    while (true) {
      List<Object> r = run(sweepNodes, prefixBytes, num(SWEEP_BATCH));
      Listener l = listener;
      for (int i = 0; i + 3 < r.size(); i += 4) {
        String tenant = new String((byte[]) r.get(i), StandardCharsets.UTF_8);
        String channel = new String((byte[]) r.get(i + 1), StandardCharsets.UTF_8);
        String user = new String((byte[]) r.get(i + 2), StandardCharsets.UTF_8);
        byte[] metadata = (byte[]) r.get(i + 3);
        left++;
        if (l != null && !closed.get()) {
          try {
            l.left(tenant.isEmpty() ? null : tenant, channel, user, metadata.length == 0 ? utf8("{}") : metadata);
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "presence leave of '" + Printable.of(user) + "' on " + channel + " failed", e);
          }
        }
      }
      if (r.size() / 4 < SWEEP_BATCH) {
        return left;
      }
    }
  }

  /** Stops this node as {@code kill -9} would: no goodbye, nothing released (for tests of dead nodes). */
  void crash() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    shutdown();
  }

  // ------------------------------------------------------------------------------------------------ Redis

  private List<Object> run(Script script, byte[]... args) {
    if (closed.get()) {
      throw new IllegalStateException("realtime backend is closed");
    }
    try {
      RedisCommands<String, byte[]> c = connection().sync();
      try {
        return c.evalsha(script.sha, ScriptOutputType.MULTI, NO_KEYS, args);
      } catch (RedisNoScriptException notLoaded) { // a new or restarted Redis: EVAL loads it
        return c.eval(script.body, ScriptOutputType.MULTI, NO_KEYS, args);
      }
    } catch (RedisException e) {
      if (closed.get()) {
        throw new IllegalStateException("realtime backend is closed", e);
      }
      throw new RealtimeUnavailableException("Redis at " + uri.getHost() + ":" + uri.getPort()
          + " is unavailable: " + e.getMessage(), e);
    }
  }

  private StatefulRedisConnection<String, byte[]> connection() {
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c != null) {
      return c;
    }
    synchronized (connectLock) {
      c = connection;
      if (c == null) {
        try {
          c = client.connect(CODEC);
        } catch (RedisException e) {
          throw new RealtimeUnavailableException("Redis at " + uri.getHost() + ":" + uri.getPort()
              + " is unavailable: " + e.getMessage(), e);
        }
        c.setTimeout(commandTimeout);
        connection = c;
      }
      return c;
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] num(long n) {
    return utf8(Long.toString(n));
  }

  /** Ends the heartbeat (the other nodes then sweep this node's members), stops the sweep, disconnects. */
  @Override
  public void close() {
    if (closed.get()) {
      return;
    }
    scheduler.shutdownNow();
    try {
      run(goodbye, prefixBytes, utf8(node));
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "realtime goodbye failed (the heartbeat lapses instead): " + e);
    }
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    shutdown();
  }

  private void shutdown() {
    listener = null;
    scheduler.shutdownNow();
    try {
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.log(Level.WARNING, "realtime sweep did not stop within 5 s of close()");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing a broken connection
      }
    }
    try {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "shutting down the Redis client failed: " + e);
    }
    resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(2000);
  }

  @Override
  public String toString() {
    return "Redis[" + uri.getHost() + ":" + uri.getPort() + ", prefix " + prefix + ", node " + node
        + (closed.get() ? ", closed]" : "]");
  }

  /** A script and its SHA-1, for EVALSHA. */
  private static final class Script {
    final String body;
    final String sha;

    Script(String body) {
      this.body = body;
      try {
        this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(utf8(body)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is missing", e);
      }
    }
  }

  /**
   * Configures a {@link RedisRealtimeBackend}. Each setting may be given once; a repeated setting fails at once.
   * The bounds and retention periods are the {@link Realtime.Builder}'s.
   *
   * <p>Thread-safety: not thread-safe; the built backend is.
   */
  public static final class Builder {
    private final Settings settings = new Settings();
    private final RedisURI uri;
    private String prefix = "ren:rt:";
    private Duration sweepInterval = Duration.ofSeconds(1);
    private Duration heartbeatInterval = Duration.ofSeconds(5);
    private Duration heartbeatTtl = Duration.ofSeconds(15);
    private Duration commandTimeout = Duration.ofSeconds(2);

    private Builder(RedisURI uri) {
      this.uri = uri;
    }

    /**
     * The prefix of every Redis key of this realtime (default {@code ren:rt:}); nodes sharing realtime use the
     * same one. 1 to 128 characters, no control characters.
     */
    public Builder prefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.isEmpty() || prefix.length() > 128 || prefix.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("prefix must be 1 to 128 characters without control characters, was '"
            + Printable.of(prefix) + "'");
      }
      this.prefix = settings.once("prefix", prefix);
      return this;
    }

    /** How often this node sweeps idle channels and members of dead nodes; 10 ms to 10 s, default 1 s. */
    public Builder sweepInterval(Duration interval) {
      this.sweepInterval = settings.once("sweepInterval", range("sweepInterval", interval, 10, 10_000));
      return this;
    }

    /** How often this node renews its heartbeat; 10 ms to 60 s, default 5 s. At most a third of the TTL. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = settings.once("heartbeatInterval",
          range("heartbeatInterval", interval, 10, 60_000));
      return this;
    }

    /**
     * How long a heartbeat lives: a node silent this long is taken for dead and its members leave; 30 ms to 10 min,
     * default 15 s. At least three heartbeat intervals (two may be missed).
     */
    public Builder heartbeatTtl(Duration ttl) {
      this.heartbeatTtl = settings.once("heartbeatTtl", range("heartbeatTtl", ttl, 30, 600_000));
      return this;
    }

    /** How long one Redis command may take before it fails with {@link RealtimeUnavailableException}; default 2 s. */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = settings.once("commandTimeout", range("commandTimeout", timeout, 1, 60_000));
      return this;
    }

    private static Duration range(String name, Duration d, long minMs, long maxMs) {
      Objects.requireNonNull(d, name);
      if (d.toMillis() < minMs || d.toMillis() > maxMs) {
        throw new IllegalArgumentException(name + " must be " + minMs + " ms to " + maxMs + " ms, was " + d);
      }
      return d;
    }

    /**
     * Builds the backend; it connects on first use, so Redis need not be up yet.
     *
     * @throws IllegalArgumentException if the heartbeat TTL is under three heartbeat intervals
     */
    public RedisRealtimeBackend build() {
      if (heartbeatTtl.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
        throw new IllegalArgumentException("heartbeatTtl (" + heartbeatTtl + ") must be at least three"
            + " heartbeatIntervals (" + heartbeatInterval + ")");
      }
      return new RedisRealtimeBackend(this);
    }
  }
}
