package dev.ren.kv.redis;

import dev.ren.health.Health;
import dev.ren.internal.Printable;
import dev.ren.internal.Settings;
import dev.ren.kv.KvBackend;
import dev.ren.kv.KvEntry;
import dev.ren.kv.KvKey;
import dev.ren.kv.KvPage;
import dev.ren.kv.KvStore;
import dev.ren.kv.KvStoreFullException;
import dev.ren.kv.KvUnavailableException;
import dev.ren.kv.KvUsage;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link KvBackend} on Redis: one store shared by every node that points at the same Redis and prefix. Plug it
 * in with {@link KvStore.Builder#backend(KvBackend)}:
 *
 * <pre>{@code
 * KvBackend redis = RedisKvBackend.builder(URI.create("redis://127.0.0.1:6379")).maxEntries(1_000_000).build();
 * KvStore kv = KvStore.builder(hub).backend(redis).build();
 * }</pre>
 *
 * <p>Guarantees, across all nodes on one Redis and prefix:
 * <ul>
 *   <li>every write is one Lua script ({@link KvScripts}), atomic in Redis; versions come from one counter in
 *       Redis, so the versions of a key strictly increase whichever node writes it;</li>
 *   <li>deadlines are kept in a sorted set and swept by every node every {@link Builder#sweepInterval} (default
 *       250 ms); a script claims and removes what is due atomically, so each expiry is announced as
 *       {@code kv.expired} by exactly one node, within about one sweep interval of the deadline. It does not rely
 *       on keyspace notifications or on Redis's own key expiry. Deadlines are on Redis's clock;</li>
 *   <li>listing walks a sorted set of the keys of one namespace (per tenant); the cursor is the last key, so a key
 *       present throughout a listing is returned exactly once. Keys are ordered by their UTF-8 bytes (which
 *       differs from {@link String#compareTo} only between U+E000..U+FFFF and supplementary characters);</li>
 *   <li>{@link Builder#maxEntries} and {@link Builder#maxTotalBytes} bound the whole store (counters in Redis,
 *       updated in the same scripts); a refused put throws {@link KvStoreFullException} and changes nothing;</li>
 *   <li>Redis unreachable or too slow ({@link Builder#commandTimeout}, default 2 s): {@link KvUnavailableException};
 *       the client reconnects by itself, and the backend works again once Redis answers.</li>
 * </ul>
 *
 * <p>Limits: one Redis (or primary), not Redis Cluster (scripts touch keys they compute). On one node a
 * {@code kv.expired} is published before a later put of the same key (a sweep and this node's writes exclude each
 * other); across nodes, a {@code kv.expired} and a concurrent {@code kv.put} of the same key by another node may
 * reach subscribers in either order, and the versions tell which is newer. A command that times out may still have been applied.
 *
 * <p>Thread-safety: thread-safe; one connection is shared by all callers (Lettuce pipelines them).
 */
public final class RedisKvBackend implements KvBackend {

  private static final System.Logger LOG = System.getLogger(RedisKvBackend.class.getName());
  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
  private static final String[] NO_KEYS = new String[0];
  private static final String CURSOR_PREFIX = "r1.";
  /** Redis bytes an entry takes beside its value and id (hash, index and deadline members), rounded up. */
  static final int ENTRY_OVERHEAD = 200;
  private static final int SWEEP_BATCH = 200;
  private static final int LIST_MAX_SCAN = 10_000;
  private static final AtomicInteger IDS = new AtomicInteger();

  private final RedisURI uri;
  private final byte[] prefix;
  private final String prefixText;
  private final long maxEntries;
  private final long maxTotalBytes;
  private final Duration sweepInterval;
  private final Duration commandTimeout;
  private final ClientResources resources;
  private final RedisClient client;
  private final ScheduledExecutorService sweeper;
  private final Script put = new Script(KvScripts.PUT);
  private final Script get = new Script(KvScripts.GET);
  private final Script remove = new Script(KvScripts.REMOVE);
  private final Script sweep = new Script(KvScripts.SWEEP);
  private final Script list = new Script(KvScripts.LIST);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean sweepFailing = new AtomicBoolean();
  private final Object connectLock = new Object();
  /**
   * Write-held by a sweep from its claim until its announcements are handed to the listener, read-held by this
   * node's puts and removes around their script: a put of this node applied after a claim of the same key is
   * published only after that key's {@code kv.expired} (the listener contract), and puts do not block each other.
   */
  private final ReentrantReadWriteLock sweepLock = new ReentrantReadWriteLock();
  private volatile @Nullable StatefulRedisConnection<String, byte[]> connection;
  private volatile @Nullable Listener listener;

  private RedisKvBackend(Builder b) {
    this.uri = b.uri;
    this.prefixText = b.prefix;
    this.prefix = b.prefix.getBytes(StandardCharsets.UTF_8);
    this.maxEntries = b.maxEntries;
    this.maxTotalBytes = b.maxTotalBytes;
    this.sweepInterval = b.sweepInterval;
    this.commandTimeout = b.commandTimeout;
    String name = "ren-kv-redis-" + IDS.incrementAndGet();
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
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name + "-sweep");
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder for a backend on the Redis at {@code uri} ({@code redis://host:port[/db]}). */
  public static Builder builder(URI uri) {
    return new Builder(RedisURI.create(Objects.requireNonNull(uri, "uri")));
  }

  @Override
  public void start(Listener l) {
    if (listener != null) {
      throw new IllegalStateException("backend was already started with " + listener);
    }
    listener = Objects.requireNonNull(l, "listener");
    long ms = sweepInterval.toMillis();
    sweeper.scheduleWithFixedDelay(this::sweepSafely, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** What an entry is charged against {@link Builder#maxTotalBytes}: value, id and {@link #ENTRY_OVERHEAD}. */
  static long weight(KvKey key, int jsonLength) {
    return (long) jsonLength + id(key).getBytes(StandardCharsets.UTF_8).length + ENTRY_OVERHEAD;
  }

  private static String scope(@Nullable String tenant, String namespace) {
    return (tenant == null ? "" : tenant) + "/" + namespace;
  }

  private static String id(KvKey key) {
    return scope(key.tenant(), key.namespace()) + "/" + key.key();
  }

  @Override
  public KvEntry put(KvKey key, byte[] json, @Nullable Duration ttl) {
    String id = id(key);
    long ttlMs = ttl == null ? 0 : Math.max(1, ttl.toMillis());
    List<Object> r;
    sweepLock.readLock().lock();
    try {
      r = run(put, prefix, utf8(id), json, num(ttlMs), num(weight(key, json.length)), num(maxEntries),
          num(maxTotalBytes));
      Object expired = r.get(3);
      if (expired != null) {
        announceExpired(key, (Long) expired); // before the put is published, as with Caffeine
      }
    } finally {
      sweepLock.readLock().unlock();
    }
    long status = (Long) r.get(0);
    if (status == 1) {
      throw new KvStoreFullException(KvStoreFullException.Bound.ENTRIES, maxEntries,
          "the KV store is full: it holds " + r.get(1) + " entries; the limit is " + maxEntries);
    }
    if (status == 2) {
      throw new KvStoreFullException(KvStoreFullException.Bound.BYTES, maxTotalBytes,
          "the KV store is full: this put needs " + r.get(2) + " more bytes as stored, " + r.get(1) + " of "
              + maxTotalBytes + " are in use");
    }
    return KvEntry.of(key, json, (Long) r.get(1), instant(r.get(2)));
  }

  @Override
  public @Nullable KvEntry get(KvKey key) {
    List<Object> r = run(get, prefix, utf8(id(key)));
    if (r.isEmpty()) {
      return null;
    }
    return KvEntry.of(key, (byte[]) r.get(1), (Long) r.get(0), r.size() > 2 ? instant(r.get(2)) : null);
  }

  @Override
  public @Nullable KvEntry remove(KvKey key) {
    List<Object> r;
    sweepLock.readLock().lock();
    try {
      r = run(remove, prefix, utf8(id(key)));
    } finally {
      sweepLock.readLock().unlock();
    }
    if (r.isEmpty()) {
      return null;
    }
    if ((Long) r.get(0) == 1) {
      announceExpired(key, (Long) r.get(1));
      return null;
    }
    return KvEntry.of(key, (byte[]) r.get(2), (Long) r.get(1), r.size() > 3 ? instant(r.get(3)) : null);
  }

  @Override
  public KvPage list(@Nullable String tenant, String namespace, String prefixOfKeys, int limit,
      @Nullable String cursor) {
    String after = cursor == null ? null : decodeCursor(cursor);
    byte[] p = utf8(prefixOfKeys);
    String start;
    if (after != null && Arrays.compareUnsigned(utf8(after), p) >= 0) {
      start = "(" + after;
    } else {
      start = "[" + prefixOfKeys;
    }
    List<Object> r = run(list, prefix, utf8(scope(tenant, namespace)), p, utf8(start), num(limit),
        num(LIST_MAX_SCAN));
    List<?> flat = (List<?>) r.get(0);
    List<KvPage.Item> items = new ArrayList<>(flat.size() / 2);
    for (int i = 0; i < flat.size(); i += 2) {
      String name = new String((byte[]) flat.get(i), StandardCharsets.UTF_8);
      items.add(new KvPage.Item(name, i + 1 < flat.size() ? instant(flat.get(i + 1)) : null));
    }
    Object next = r.size() > 1 ? r.get(1) : null;
    return new KvPage(items, next == null ? null : encodeCursor(new String((byte[]) next, StandardCharsets.UTF_8)));
  }

  static String encodeCursor(String lastKey) {
    return CURSOR_PREFIX + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
  }

  static String decodeCursor(String cursor) {
    String bad = "cursor '" + Printable.of(cursor) + "' is not a cursor returned by a previous list call";
    if (!cursor.startsWith(CURSOR_PREFIX) || cursor.length() > 1024) {
      throw new IllegalArgumentException(bad);
    }
    try {
      return KvKey.checkKey(new String(Base64.getUrlDecoder().decode(cursor.substring(CURSOR_PREFIX.length())),
          StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(bad, e);
    }
  }

  /** One sweep of due deadlines: claims what is due and announces it; the number announced. For tests. */
  int sweepOnce() {
    int announced = 0;
    while (true) {
      List<Object> r;
      sweepLock.writeLock().lock();
      try {
        r = run(sweep, prefix, num(SWEEP_BATCH));
        for (int i = 0; i + 1 < r.size(); i += 2) {
          String id = new String((byte[]) r.get(i), StandardCharsets.UTF_8);
          announceExpired(fromId(id), (Long) r.get(i + 1));
          announced++;
        }
      } finally {
        sweepLock.writeLock().unlock();
      }
      if (r.size() / 2 < SWEEP_BATCH) {
        return announced;
      }
    }
  }

  private void sweepSafely() {
    try {
      sweepOnce();
      if (sweepFailing.compareAndSet(true, false)) {
        LOG.log(Level.INFO, "KV expiry sweep on " + uri.getHost() + ":" + uri.getPort() + " works again");
      }
    } catch (KvUnavailableException e) {
      if (sweepFailing.compareAndSet(false, true)) {
        LOG.log(Level.WARNING, "KV expiry sweep failed; retrying every " + sweepInterval + ": " + e.getMessage());
      }
    } catch (RuntimeException e) {
      if (!closed.get()) {
        LOG.log(Level.WARNING, "KV expiry sweep failed", e);
      }
    }
  }

  private static KvKey fromId(String id) {
    int s1 = id.indexOf('/');
    int s2 = id.indexOf('/', s1 + 1);
    String tenant = s1 == 0 ? null : id.substring(0, s1);
    return new KvKey(tenant, id.substring(s1 + 1, s2), id.substring(s2 + 1));
  }

  private void announceExpired(KvKey key, long version) {
    Listener l = listener;
    if (l == null || closed.get()) {
      return;
    }
    try {
      l.expired(key, version);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "expiry notification failed for " + key.namespace() + "/" + Printable.of(key.key()), e);
    }
  }

  private List<Object> run(Script script, byte[]... args) {
    if (closed.get()) {
      throw new IllegalStateException("KV backend is closed");
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
        throw new IllegalStateException("KV backend is closed", e);
      }
      throw new KvUnavailableException("Redis at " + uri.getHost() + ":" + uri.getPort() + " is unavailable: "
          + e.getMessage(), e);
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
        c = client.connect(CODEC); // throws RedisConnectionException while Redis is down: the next call retries
        c.setTimeout(commandTimeout);
        connection = c;
      }
      return c;
    }
  }

  /** Entries and bytes of the whole store, from its counters in Redis (one {@code MGET}). */
  @Override
  public KvUsage usage() {
    if (closed.get()) {
      throw new IllegalStateException("KV backend is closed");
    }
    try {
      List<KeyValue<String, byte[]>> r = connection().sync().mget(prefixText + "n", prefixText + "b");
      return new KvUsage(count(r.get(0)), count(r.get(1)));
    } catch (RedisException e) {
      throw new KvUnavailableException("Redis at " + uri.getHost() + ":" + uri.getPort() + " is unavailable: "
          + e.getMessage(), e);
    }
  }

  private static long count(KeyValue<String, byte[]> kv) {
    return kv.hasValue() ? Long.parseLong(new String(kv.getValue(), StandardCharsets.US_ASCII)) : 0;
  }

  /**
   * {@code PING} within {@code timeout}, connecting first (asynchronously, so a host that drops packets costs the
   * timeout) when there is no connection yet; a connection made here is kept for the store's commands.
   */
  @Override
  public Health health(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    String what = "redis " + uri.getHost() + ":" + uri.getPort() + " (KV, prefix " + prefixText + ")";
    if (closed.get()) {
      return Health.down(what + ": backend is closed");
    }
    return Health.probe(what, timeout, () -> ping(timeout));
  }

  /** {@code PING}'s answer within {@code timeout}, connecting first when there is no connection yet. */
  private String ping(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c == null) {
      CompletableFuture<StatefulRedisConnection<String, byte[]>> f =
          client.connectAsync(CODEC, uri).toCompletableFuture();
      StatefulRedisConnection<String, byte[]> fresh;
      try {
        fresh = f.get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | InterruptedException e) {
        CompletableFuture<?> unused = f.thenAccept(StatefulRedisConnection::close); // if it connects after all
        throw e;
      }
      synchronized (connectLock) {
        if (connection == null && !closed.get()) {
          fresh.setTimeout(commandTimeout);
          connection = fresh;
          c = fresh;
        } else {
          fresh.close();
          c = connection;
        }
      }
      if (c == null) {
        throw new IllegalStateException("backend is closed");
      }
    }
    long left = Math.max(1, deadline - System.nanoTime());
    return c.async().ping().toCompletableFuture().get(left, TimeUnit.NANOSECONDS);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] num(long n) {
    return utf8(Long.toString(n));
  }

  private static @Nullable Instant instant(@Nullable Object epochMillis) {
    return epochMillis == null ? null : Instant.ofEpochMilli((Long) epochMillis);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listener = null;
    sweeper.shutdownNow();
    try {
      if (!sweeper.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.log(Level.WARNING, "KV expiry sweep did not stop within 5 s of close()");
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
    return "Redis[" + uri.getHost() + ":" + uri.getPort() + ", prefix " + prefixText + ", " + maxEntries
        + " entries, " + maxTotalBytes + " bytes" + (closed.get() ? ", closed]" : "]");
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
   * Configures a {@link RedisKvBackend}. Each setting may be given once; a repeated setting fails at once.
   *
   * <p>Thread-safety: not thread-safe; the built backend is.
   */
  public static final class Builder {
    private final Settings settings = new Settings();
    private final RedisURI uri;
    private String prefix = "ren:kv:";
    private long maxEntries = KvStore.Builder.DEFAULT_MAX_ENTRIES;
    private long maxTotalBytes = KvStore.Builder.DEFAULT_MAX_TOTAL_BYTES;
    private Duration sweepInterval = Duration.ofMillis(250);
    private Duration commandTimeout = Duration.ofSeconds(2);

    private Builder(RedisURI uri) {
      this.uri = uri;
    }

    /**
     * The prefix of every Redis key of this store (default {@code ren:kv:}); nodes sharing a store use the same
     * one, stores sharing one Redis use different ones. 1 to 128 characters, no control characters.
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

    /** The most entries the whole store holds, all nodes together; default {@value KvStore.Builder#DEFAULT_MAX_ENTRIES}. */
    public Builder maxEntries(long maxEntries) {
      this.maxEntries = settings.once("maxEntries", positive("maxEntries", maxEntries));
      return this;
    }

    /**
     * The most bytes the whole store holds as charged ({@link RedisKvBackend#weight}: value text, id and
     * {@value RedisKvBackend#ENTRY_OVERHEAD} bytes an entry); default
     * {@value KvStore.Builder#DEFAULT_MAX_TOTAL_BYTES}.
     */
    public Builder maxTotalBytes(long maxTotalBytes) {
      this.maxTotalBytes = settings.once("maxTotalBytes", positive("maxTotalBytes", maxTotalBytes));
      return this;
    }

    /** How often this node sweeps due deadlines; 10 ms to 10 s, default 250 ms. */
    public Builder sweepInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 10 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException("sweepInterval must be 10 ms to 10 s, was " + interval);
      }
      this.sweepInterval = settings.once("sweepInterval", interval);
      return this;
    }

    /** How long one Redis command may take before it fails with {@link KvUnavailableException}; default 2 s. */
    public Builder commandTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("commandTimeout must be 1 ms to 1 min, was " + timeout);
      }
      this.commandTimeout = settings.once("commandTimeout", timeout);
      return this;
    }

    private static long positive(String name, long value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be positive, was " + value);
      }
      return value;
    }

    /** Builds the backend; it connects on first use, so Redis need not be up yet. */
    public RedisKvBackend build() {
      return new RedisKvBackend(this);
    }
  }
}
