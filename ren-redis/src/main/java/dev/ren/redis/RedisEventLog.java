package dev.ren.redis;

import dev.ren.json.EventJson;
import dev.ren.EventLogUnavailableException;
import dev.ren.RenEvent;
import dev.ren.log.EncodedEvent;
import dev.ren.log.EventLog;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * An {@link EventLog} on a Redis Stream, shared by every node of a deployment: each node appends its events to the
 * stream and tails it, so all nodes deliver one order, and an event id ({@code <epoch>:<ms>-<seq>}, the stream
 * entry id under the stream's epoch) lets a client resume on any node.
 *
 * <ul>
 *   <li>{@link #append} runs {@code XADD <prefix>:stream MAXLEN ~ <retention> * ...} in a script that also reads
 *       the epoch key ({@code <prefix>:epoch}), creating it if absent; it fails fast with
 *       {@link EventLogUnavailableException} when Redis is unreachable or slower than the command timeout (the
 *       event may then still have been recorded; the caller decides).</li>
 *   <li>One tail thread per log runs {@code XREAD BLOCK} from the last id it delivered (never {@code $} in a loop)
 *       on its own connection and hands entries to the hub. When Redis is unreachable it reconnects with backoff
 *       and resumes from that id; going down and coming back are logged once each.</li>
 *   <li>When the stream's life ends (Redis restarted without persistence, {@code FLUSHALL}, a failover that lost
 *       the entry this node saw last) the epoch changes: old ids no longer {@link #parse}, so resuming clients
 *       get a reset, and tailing continues at the start of the new stream. A resume point trimmed away by
 *       retention is a reset too.</li>
 * </ul>
 *
 * <pre>{@code
 * RedisEventLog log = RedisEventLog.builder(URI.create("redis://127.0.0.1:6379"))
 *     .streamPrefix("myapp").retention(100_000).build();
 * RenHub hub = RenHub.builder().log(log).build(); // the hub starts and closes the log
 * }</pre>
 *
 * <p>Retention must cover how far a node's tail can lag: entries trimmed before a node read them never reach its
 * local subscribers (this is logged as a warning). Positions of a new epoch are assumed to sort after those of the old one (Redis stream ids are based on the
 * server clock, so this holds unless that clock goes back).
 *
 * <p>Thread-safety: thread-safe. The sink is called from the tail thread only.
 */
public final class RedisEventLog implements EventLog {

  private static final System.Logger LOG = System.getLogger(RedisEventLog.class.getName());
  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:{}-]{1,64}");
  static final String FIELD_EPOCH = "e";
  static final String FIELD_JSON = "j";
  private static final long BLOCK_MS = 1000;
  private static final int BATCH = 512;

  /** KEYS: stream, epoch. ARGV: json, candidate epoch, retention. Returns {epoch, id}. */
  private static final String APPEND_SCRIPT = ""
      + "local e = redis.call('GET', KEYS[2])\n"
      + "if not e then redis.call('SET', KEYS[2], ARGV[2]); e = ARGV[2] end\n"
      + "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', e, 'j', ARGV[1])\n"
      + "return {e, id}\n";
  /** KEYS: epoch. ARGV: expected, replacement. Replaces the epoch only if it is still the expected one. */
  private static final String ROTATE_SCRIPT = ""
      + "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end\n"
      + "return redis.call('GET', KEYS[1])\n";

  private final RedisClient client;
  private final String where;
  private final String streamKey;
  private final String epochKey;
  private final byte[] retention;
  private final Duration commandTimeout;
  private final long maxBackoffNanos;
  private final String appendSha;

  private final Object lifecycle = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private @Nullable Thread tailThread;

  // publish connection: guarded by pubLock for (re)connecting; the connection itself is thread-safe
  private final Object pubLock = new Object();
  private volatile @Nullable StatefulRedisConnection<String, byte[]> pub;
  private long pubRetryAt;
  private int pubFailures;

  /** The epoch of the stream this node tails (written by start and the tail thread; read by parse/format). */
  private volatile @Nullable String epoch;

  /** The tail connection: each one is closed exactly once, by whoever takes it out of here. */
  private final AtomicReference<@Nullable StatefulRedisConnection<String, byte[]>> tail = new AtomicReference<>();
  /**
   * Until the tail first reaches Redis (if it could not at start), the first id this node appended: tailing then
   * starts no later than that, so the node's own events reach its own subscribers. Guarded by itself.
   */
  private final Object firstContact = new Object();
  private @Nullable String firstOwnId;
  private volatile boolean tailPositioned;

  // owned by the tail thread after start
  private @Nullable String lastId;
  private @Nullable Sink sink;

  private RedisEventLog(Builder b) {
    RedisURI uri;
    try {
      uri = RedisURI.create(b.uri);
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("Redis URI '" + b.uri.getScheme() + "://" + b.uri.getHost() + ":"
          + b.uri.getPort() + "...' is not usable: " + ex.getMessage(), ex);
    }
    uri.setTimeout(b.commandTimeout);
    this.where = uri.getHost() + ":" + uri.getPort() + "/" + uri.getDatabase();
    this.streamKey = b.prefix + ":stream";
    this.epochKey = b.prefix + ":epoch";
    this.retention = Long.toString(b.retention).getBytes(StandardCharsets.US_ASCII);
    this.commandTimeout = b.commandTimeout;
    this.maxBackoffNanos = b.maxBackoff.toNanos();
    this.client = RedisClient.create(uri);
    this.client.setOptions(ClientOptions.builder()
        .autoReconnect(false) // reconnects are ours: backoff, and one log line per outage
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(b.commandTimeout).keepAlive(true).build())
        .build());
    this.appendSha = sha1(APPEND_SCRIPT);
  }

  /**
   * A builder for a log on the Redis at {@code redisUri}: {@code redis://[[user]:password@]host[:port][/db]},
   * {@code rediss://...} for TLS.
   */
  public static Builder builder(URI redisUri) {
    return new Builder(redisUri);
  }

  // ------------------------------------------------------------------------------------------------ EventLog

  @Override
  public Position start(Sink sink) {
    Objects.requireNonNull(sink, "sink");
    synchronized (lifecycle) {
      if (this.sink != null) {
        throw new IllegalStateException("log already started");
      }
      if (closed.get()) {
        throw new IllegalStateException("log is closed");
      }
      this.sink = sink;
      Position head = Position.ZERO;
      try {
        StatefulRedisConnection<String, byte[]> c = connect();
        tail.set(c);
        RedisCommands<String, byte[]> cmd = c.sync();
        epoch = currentEpoch(cmd);
        List<StreamMessage<String, byte[]>> last = cmd.xrevrange(streamKey, Range.unbounded(), Limit.from(1));
        lastId = last.isEmpty() ? "0-0" : last.get(0).getId();
        Position p = RedisIds.parseStreamId(lastId, 0);
        head = p == null ? Position.ZERO : p;
        tailPositioned = true;
      } catch (RedisException ex) {
        // tailing starts at the stream's head on first contact, or before this node's first own append if that
        // came earlier (see firstOwnId): other nodes' events from before first contact are served by readAfter
        LOG.log(Level.WARNING, "Redis at " + where + " is unreachable at start (" + ex.getMessage()
            + "); events will be delivered once it is reachable");
        closeQuietly(tail.getAndSet(null));
      }
      Thread t = new Thread(this::tailLoop, "ren-redis-tail-" + streamKey);
      t.setDaemon(true);
      tailThread = t;
      t.start();
      return head;
    }
  }

  @Override
  public String append(EncodedEvent event) {
    Objects.requireNonNull(event, "event");
    if (closed.get()) {
      throw new IllegalStateException("log is closed");
    }
    RedisCommands<String, byte[]> cmd = publishConnection().sync();
    String[] keys = {streamKey, epochKey};
    byte[][] args = {event.json(), RedisIds.newEpoch().getBytes(StandardCharsets.US_ASCII), retention};
    List<Object> r;
    try {
      if (tailPositioned) {
        r = runAppend(cmd, keys, args);
      } else {
        synchronized (firstContact) {
          r = runAppend(cmd, keys, args);
          if (firstOwnId == null) {
            firstOwnId = str(r.get(1));
          }
        }
      }
    } catch (RedisException ex) {
      throw new EventLogUnavailableException("could not append " + event.event().t() + " to Redis stream "
          + streamKey + " at " + where + ": " + ex.getMessage(), ex);
    }
    return str(r.get(0)) + ':' + str(r.get(1));
  }

  private List<Object> runAppend(RedisCommands<String, byte[]> cmd, String[] keys, byte[][] args) {
    try {
      return cmd.evalsha(appendSha, ScriptOutputType.MULTI, keys, args);
    } catch (RedisNoScriptException ex) {
      return cmd.eval(APPEND_SCRIPT, ScriptOutputType.MULTI, keys, args);
    }
  }

  @Override
  public @Nullable Position parse(String eventId) {
    return RedisIds.parse(eventId, epoch);
  }

  @Override
  public String format(Position position) {
    String e = epoch;
    // before Redis was ever reached there is no epoch: an id no epoch accepts, so a resume from it is a reset
    return (e == null ? "none" : e) + ':' + RedisIds.streamId(position);
  }

  @Override
  public @Nullable List<LogEntry> readAfter(Position after, @Nullable Position before, int max) {
    String e = epoch;
    if (e == null || max <= 0) {
      return e == null ? null : List.of();
    }
    try {
      RedisCommands<String, byte[]> cmd = publishConnection().sync();
      if (!e.equals(str(cmd.get(epochKey)))) {
        return null; // the stream's life ended since `after` was parsed
      }
      List<Object> info;
      try {
        info = cmd.xinfoStream(streamKey);
      } catch (RedisException ex) {
        if (String.valueOf(ex.getMessage()).contains("no such key")) {
          return after.equals(Position.ZERO) ? List.of() : null;
        }
        throw ex;
      }
      Map<String, Object> fields = pairs(info);
      Position lastGenerated = streamPosition(fields.get("last-generated-id"));
      if (lastGenerated == null || after.isAfter(lastGenerated)) {
        return null; // from the future
      }
      Position maxDeleted = streamPosition(fields.get("max-deleted-entry-id"));
      if (maxDeleted != null && maxDeleted.isAfter(after)) {
        return null; // an entry after `after` was deleted
      }
      // trimming does not move max-deleted-entry-id: if anything was ever removed (Redis < 7 cannot say, so
      // assume so), only a position at or after the oldest entry still held is known to have no hole behind it
      Object added = fields.get("entries-added");
      long length = fields.get("length") instanceof Number num ? num.longValue() : -1;
      boolean removedSome = !(added instanceof Number a) || a.longValue() > length;
      if (removedSome) {
        Position first = streamPosition(fields.get("recorded-first-entry-id"));
        if (first == null && fields.get("first-entry") instanceof List<?> l && !l.isEmpty()) {
          first = streamPosition(l.get(0));
        }
        if (first == null ? lastGenerated.isAfter(after) : first.isAfter(after)) {
          return null; // trimmed away by retention
        }
      }
      String to = "+";
      if (before != null) {
        to = RedisIds.previous(before);
        if (to == null || !before.isAfter(after)) {
          return List.of();
        }
      }
      Range<String> range = Range.from(Range.Boundary.including(RedisIds.next(after)),
          "+".equals(to) ? Range.Boundary.unbounded() : Range.Boundary.including(to));
      List<StreamMessage<String, byte[]>> msgs = cmd.xrange(streamKey, range, Limit.from(max));
      List<LogEntry> out = new ArrayList<>(msgs.size());
      for (StreamMessage<String, byte[]> m : msgs) {
        if (!e.equals(str(m.getBody().get(FIELD_EPOCH)))) {
          return null; // written under another epoch: not part of the history `after` belongs to
        }
        LogEntry le = toEntry(e, m);
        if (le != null) {
          out.add(le);
        }
      }
      return out;
    } catch (RedisException | EventLogUnavailableException ex) {
      LOG.log(Level.WARNING, "could not read the Redis stream " + streamKey + " for a resume; the client resets: "
          + ex.getMessage());
      return null;
    }
  }

  @Override
  public String describe() {
    return "redis " + where + " " + streamKey;
  }

  /** Stops tailing and closes the connections. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Thread t;
    synchronized (lifecycle) {
      t = tailThread;
    }
    if (t != null) {
      LockSupport.unpark(t);
      closeQuietly(tail.getAndSet(null));
      try {
        t.join(BLOCK_MS + commandTimeout.toMillis() + 1000);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (pubLock) {
      closeQuietly(pub);
      pub = null;
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  // ------------------------------------------------------------------------------------------------ tailing

  private void tailLoop() {
    long backoff = 0;
    boolean down = false;
    boolean verify = false;
    boolean lagging = false;
    while (!closed.get()) {
      try {
        StatefulRedisConnection<String, byte[]> c = tail.get();
        if (c == null || !c.isOpen()) {
          if (c != null && tail.compareAndSet(c, null)) {
            closeQuietly(c);
          }
          c = connect();
          tail.set(c);
          if (closed.get()) {
            closeQuietly(tail.getAndSet(null));
            break;
          }
        }
        RedisCommands<String, byte[]> cmd = c.sync();
        if (verify) {
          verifyTail(cmd);
          verify = false;
        }
        String current = currentEpoch(cmd);
        if (!current.equals(epoch) || lastId == null) {
          switchEpoch(cmd, current);
        }
        if (down) {
          LOG.log(Level.INFO, "Redis at " + where + " is reachable again; tailing " + streamKey + " resumes after "
              + lastId);
          down = false;
        }
        backoff = 0;
        if (lagging) {
          checkNotOvertaken(cmd);
        }
        List<StreamMessage<String, byte[]>> batch = cmd.xread(XReadArgs.Builder.block(BLOCK_MS).count(BATCH),
            XReadArgs.StreamOffset.from(streamKey, Objects.requireNonNull(lastId)));
        deliver(cmd, current, batch);
        lagging = batch.size() >= BATCH;
      } catch (RedisException ex) {
        if (closed.get()) {
          break;
        }
        if (!down) {
          LOG.log(Level.WARNING, "Redis at " + where + " is unreachable (" + ex.getMessage()
              + "); tailing " + streamKey + " retries with backoff from " + lastId);
          down = true;
        }
        verify = true;
        StatefulRedisConnection<String, byte[]> broken = tail.get();
        if (broken != null && tail.compareAndSet(broken, null)) {
          closeQuietly(broken);
        }
        backoff = backoff == 0 ? 100_000_000L : Math.min(backoff * 2, maxBackoffNanos);
        LockSupport.parkNanos(this, backoff);
      } catch (RuntimeException ex) {
        // a sink failure or a bug must not end tailing for good
        LOG.log(Level.ERROR, "tailing " + streamKey + " failed; continuing after " + lastId, ex);
        LockSupport.parkNanos(this, 100_000_000L);
      }
    }
    closeQuietly(tail.getAndSet(null));
  }

  /** Starts (or restarts) tailing in {@code current}: from the head on first contact, from 0-0 on a new epoch. */
  private void switchEpoch(RedisCommands<String, byte[]> cmd, String current) {
    String old = epoch;
    if (lastId == null) {
      synchronized (firstContact) {
        List<StreamMessage<String, byte[]>> last = cmd.xrevrange(streamKey, Range.unbounded(), Limit.from(1));
        String head = last.isEmpty() ? "0-0" : last.get(0).getId();
        Position own = firstOwnId == null ? null : RedisIds.parseStreamId(firstOwnId, 0);
        String beforeOwn = own == null ? null : RedisIds.previous(own);
        Position h = RedisIds.parseStreamId(head, 0);
        lastId = beforeOwn != null && h != null && !own.isAfter(h) ? beforeOwn : head;
        tailPositioned = true;
      }
    } else {
      LOG.log(Level.WARNING, "Redis stream " + streamKey + " at " + where + " began a new life (epoch " + old
          + " -> " + current + "): it was flushed, lost or failed over; resuming clients will reset");
      lastId = "0-0"; // entries of the old epoch still in the stream are skipped by their epoch field
    }
    epoch = current;
  }

  private void deliver(RedisCommands<String, byte[]> cmd, String current,
      List<StreamMessage<String, byte[]>> batch) {
    Sink s = Objects.requireNonNull(sink);
    for (StreamMessage<String, byte[]> m : batch) {
      String entryEpoch = str(m.getBody().get(FIELD_EPOCH));
      if (!current.equals(entryEpoch)) {
        if (!current.equals(str(cmd.get(epochKey)))) {
          return; // the epoch moved on under us: the loop switches and starts the new stream from 0-0
        }
        lastId = m.getId(); // left over from an older epoch (a rotation after a lost tail): seen before
        continue;
      }
      LogEntry le = toEntry(current, m);
      lastId = m.getId();
      if (le != null) {
        s.accept(le);
      }
    }
  }

  /**
   * After an outage: if the entry delivered last is gone while the stream does not reach past it, Redis lost the
   * stream's tail (a failover, a restart from an old snapshot): end the epoch so no resume reads across the hole.
   */
  private void verifyTail(RedisCommands<String, byte[]> cmd) {
    String id = lastId;
    String e = epoch;
    if (id == null || e == null || "0-0".equals(id) || !e.equals(str(cmd.get(epochKey)))) {
      return; // nothing seen yet, or the epoch check in the loop handles it
    }
    if (!cmd.xrange(streamKey, Range.create(id, id)).isEmpty()) {
      return;
    }
    List<StreamMessage<String, byte[]>> last = cmd.xrevrange(streamKey, Range.unbounded(), Limit.from(1));
    Position seen = RedisIds.parseStreamId(id, 0);
    Position newest = last.isEmpty() ? null : RedisIds.parseStreamId(last.get(0).getId(), 0);
    if (newest == null || seen == null || !newest.isAfter(seen)) {
      String next = RedisIds.newEpoch();
      cmd.eval(ROTATE_SCRIPT, ScriptOutputType.VALUE, new String[] {epochKey},
          e.getBytes(StandardCharsets.US_ASCII), next.getBytes(StandardCharsets.US_ASCII));
      LOG.log(Level.WARNING, "Redis stream " + streamKey + " lost entries up to " + id + "; starting a new epoch");
    } else {
      LOG.log(Level.WARNING, "entries of " + streamKey + " after " + id
          + " were trimmed by retention while Redis was unreachable; local subscribers missed them");
      Objects.requireNonNull(sink).gap("entries after " + id + " were trimmed before this node read them");
    }
  }

  /**
   * While this node reads full batches it is behind; if retention trimmed entries it has not read yet, its local
   * subscribers miss them. That cannot be undone here, but it must not pass silently: retention is too small for
   * this node's lag.
   */
  private void checkNotOvertaken(RedisCommands<String, byte[]> cmd) {
    Position seen = lastId == null ? null : RedisIds.parseStreamId(lastId, 0);
    if (seen == null || seen.equals(Position.ZERO)) {
      return;
    }
    List<StreamMessage<String, byte[]>> first = cmd.xrange(streamKey, Range.unbounded(), Limit.from(1));
    Position oldest = first.isEmpty() ? null : RedisIds.parseStreamId(first.get(0).getId(), 0);
    if (oldest != null && oldest.isAfter(seen)) {
      // trimming removes from the front: the entry read last is gone, so unread ones before `oldest` may be too
      LOG.log(Level.WARNING, "tailing " + streamKey + " fell behind retention: entries after " + lastId
          + " and before " + first.get(0).getId() + " may have been trimmed before this node read them; local "
          + "subscribers may have missed them; raise retention");
      Objects.requireNonNull(sink).gap("tailing fell behind retention after " + lastId);
    }
  }

  private @Nullable LogEntry toEntry(String e, StreamMessage<String, byte[]> m) {
    Position p = RedisIds.parseStreamId(m.getId(), 0);
    byte[] json = m.getBody().get(FIELD_JSON);
    if (p == null || json == null) {
      LOG.log(Level.WARNING, "skipping stream entry " + m.getId() + " of " + streamKey + ": not written by REN");
      return null;
    }
    RenEvent event;
    try {
      event = EventJson.decode(json);
    } catch (IllegalArgumentException ex) {
      LOG.log(Level.WARNING, "skipping stream entry " + m.getId() + " of " + streamKey + ": " + ex.getMessage());
      return null;
    }
    return new LogEntry(p, RedisIds.format(e, p), new EncodedEvent(event, json));
  }

  /** The stream's epoch, created (SET NX) if there is none yet. */
  private String currentEpoch(RedisCommands<String, byte[]> cmd) {
    String e = str(cmd.get(epochKey));
    if (e == null) {
      cmd.set(epochKey, RedisIds.newEpoch().getBytes(StandardCharsets.US_ASCII), SetArgs.Builder.nx());
      e = str(cmd.get(epochKey));
    }
    if (e == null || !RedisIds.isEpoch(e)) {
      throw new RedisException("key " + epochKey + " does not hold a REN epoch: " + e);
    }
    return e;
  }

  // ------------------------------------------------------------------------------------------------ connections

  private StatefulRedisConnection<String, byte[]> connect() {
    StatefulRedisConnection<String, byte[]> c = client.connect(CODEC);
    c.setTimeout(commandTimeout.plusMillis(BLOCK_MS));
    return c;
  }

  private StatefulRedisConnection<String, byte[]> publishConnection() {
    StatefulRedisConnection<String, byte[]> c = pub;
    if (c != null && c.isOpen()) {
      return c;
    }
    synchronized (pubLock) {
      c = pub;
      if (c != null && c.isOpen()) {
        return c;
      }
      if (closed.get()) {
        throw new IllegalStateException("log is closed");
      }
      long now = System.nanoTime();
      if (pubFailures > 0 && now - pubRetryAt < 0) {
        throw new EventLogUnavailableException("Redis at " + where + " is unreachable (reconnecting)");
      }
      closeQuietly(c);
      try {
        c = client.connect(CODEC);
        c.setTimeout(commandTimeout);
        pub = c;
        pubFailures = 0;
        return c;
      } catch (RedisException ex) {
        pubFailures++;
        long wait = Math.min(50_000_000L << Math.min(pubFailures, 5), 1_000_000_000L);
        pubRetryAt = now + wait;
        throw new EventLogUnavailableException("Redis at " + where + " is unreachable: " + ex.getMessage(), ex);
      }
    }
  }

  private static void closeQuietly(@Nullable StatefulRedisConnection<?, ?> c) {
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing a broken connection
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ helpers

  static @Nullable String str(@Nullable Object o) {
    if (o == null) {
      return null;
    }
    if (o instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    return o.toString();
  }

  private static Map<String, Object> pairs(List<Object> info) {
    Map<String, Object> m = new java.util.HashMap<>();
    for (int i = 0; i + 1 < info.size(); i += 2) {
      String k = str(info.get(i));
      if (k != null && info.get(i + 1) != null) {
        m.put(k, info.get(i + 1));
      }
    }
    return m;
  }

  private static @Nullable Position streamPosition(@Nullable Object o) {
    String s = str(o);
    return s == null ? null : RedisIds.parseStreamId(s, 0);
  }

  private static String sha1(String script) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(40);
      for (byte x : d) {
        sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
      }
      return sb.toString();
    } catch (java.security.NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /**
   * Configures a {@link RedisEventLog}.
   *
   * <p>Thread-safety: not thread-safe; the built log is.
   */
  public static final class Builder {
    private final URI uri;
    private String prefix = "ren";
    private long retention = 100_000;
    private Duration commandTimeout = Duration.ofSeconds(2);
    private Duration maxBackoff = Duration.ofSeconds(5);

    private Builder(URI uri) {
      Objects.requireNonNull(uri, "redisUri");
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("redis") || scheme.equals("rediss"))) {
        throw new IllegalArgumentException("Redis URI scheme '" + scheme + "' must be redis or rediss");
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("Redis URI must name a host, e.g. redis://127.0.0.1:6379");
      }
      this.uri = uri;
    }

    /**
     * Prefix of the keys this log uses ({@code <prefix>:stream}, {@code <prefix>:epoch}), so several apps can share
     * one Redis; {@code [A-Za-z0-9_.:{}-]{1,64}}, default {@code ren}.
     */
    public Builder streamPrefix(String streamPrefix) {
      if (!PREFIX.matcher(streamPrefix).matches()) {
        throw new IllegalArgumentException("stream prefix '" + streamPrefix + "' must match " + PREFIX.pattern());
      }
      this.prefix = streamPrefix;
      return this;
    }

    /**
     * Entries the stream keeps at least (trimmed approximately, {@code MAXLEN ~}); a resume from before the oldest
     * is a reset. Default 100,000.
     */
    public Builder retention(long entries) {
      if (entries < 1) {
        throw new IllegalArgumentException("retention must be >= 1 entry, was " + entries);
      }
      this.retention = entries;
      return this;
    }

    /** How long a command (and a connection attempt) may take before it fails; default 2 s. */
    public Builder commandTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("command timeout must be in (0, 1 min], was " + timeout);
      }
      this.commandTimeout = timeout;
      return this;
    }

    /** Longest wait between reconnect attempts of the tail; default 5 s. */
    public Builder maxReconnectBackoff(Duration backoff) {
      if (backoff.compareTo(Duration.ofMillis(100)) < 0 || backoff.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException("max reconnect backoff must be in [100 ms, 5 min], was " + backoff);
      }
      this.maxBackoff = backoff;
      return this;
    }

    /** The log; it connects when a hub starts it. */
    public RedisEventLog build() {
      return new RedisEventLog(this);
    }
  }
}
