package dev.ren.redis;

import dev.ren.EventLogUnavailableException;
import dev.ren.health.Health;
import dev.ren.internal.Backoff;
import dev.ren.internal.Printable;
import dev.ren.internal.Settings;
import dev.ren.log.EncodedEvent;
import dev.ren.log.EventLog;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * An {@link EventLog} on a Redis Stream, shared by every node of a deployment: each node appends its events to the
 * stream and tails it, so all nodes deliver one order, and an event id ({@code <epoch>:<ms>-<seq>}, the stream
 * entry id under the stream's epoch) lets a client resume on any node.
 *
 * <ul>
 *   <li>{@link #append} runs {@code XADD <prefix>:stream MAXLEN ~ <retention> * ...} in a script that also reads
 *       the epoch key ({@code <prefix>:epoch}), creating it if absent. The entry holds the event's JSON as clients
 *       see it and, beside it, the event's tenant, so every node's hub keeps each tenant's events to that tenant's
 *       streams, live and on resume. It fails fast with
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
 * local subscribers (this is logged as a warning). Positions of a new epoch are assumed to sort after those of the
 * old one (Redis stream ids are based on the server clock, so this holds unless that clock goes back).
 *
 * <p>The log runs on client resources of its own: every thread it starts (the tail, Lettuce's event loops and
 * timer) is named {@code ren-redis-<prefix>-...} and has ended when {@link #close} returns.
 *
 * <p>Thread-safety: thread-safe. The sink is called from the tail thread only.
 */
public final class RedisEventLog implements EventLog {

  /** The one logger of this log's parts, so it is configured in one place. */
  static final System.Logger LOG = System.getLogger(RedisEventLog.class.getName());
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:{}-]{1,64}");
  /** The tail's reconnect delays start here and double up to {@link Builder#maxReconnectBackoff}. */
  private static final Duration FIRST_RETRY = Duration.ofMillis(100);

  private final String where;
  private final String streamKey;
  private final Duration commandTimeout;
  private final Backoff tailRetry;
  private final Tail.Pause tailPause;
  private final RedisConnections connections;
  private final Epochs epochs;
  private final PublishConnection publish;
  private final ResumeReader resume;

  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object lifecycle = new Object();
  private @Nullable Tail tail; // guarded by lifecycle; set once by start

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
    this.commandTimeout = b.commandTimeout;
    this.tailRetry = Backoff.exponential(FIRST_RETRY, b.maxBackoff);
    this.tailPause = b.tailPause;
    this.connections = new RedisConnections(uri, "ren-redis-" + b.prefix, b.commandTimeout);
    this.epochs = new Epochs(b.prefix + ":epoch");
    this.publish = new PublishConnection(connections, where, streamKey, b.prefix + ":epoch", b.retention,
        b.commandTimeout, b.nanoTime);
    this.resume = new ResumeReader(publish, epochs, streamKey);
  }

  /**
   * A builder for a log on the Redis at {@code redisUri}: {@code redis://[[user]:password@]host[:port][/db]},
   * {@code rediss://...} for TLS.
   */
  public static Builder builder(URI redisUri) {
    return new Builder(redisUri);
  }

  @Override
  public Position start(Sink sink) {
    Objects.requireNonNull(sink, "sink");
    synchronized (lifecycle) {
      if (tail != null) {
        throw new IllegalStateException("log already started");
      }
      if (closed.get()) {
        throw new IllegalStateException("log is closed");
      }
      Tail t = new Tail(connections, epochs, sink, streamKey, where, commandTimeout, tailRetry, tailPause);
      tail = t;
      return t.open();
    }
  }

  @Override
  public String append(EncodedEvent event) {
    Objects.requireNonNull(event, "event");
    if (closed.get()) {
      throw new IllegalStateException("log is closed");
    }
    RedisCommands<String, byte[]> cmd = publish.commands();
    PublishConnection.Appended a;
    try {
      a = epochs.appending(() -> publish.append(cmd, event.json(), event.event().tenant()));
    } catch (RedisException ex) {
      throw new EventLogUnavailableException("could not append " + event.event().t() + " to Redis stream "
          + streamKey + " at " + where + ": " + ex.getMessage(), ex);
    }
    return a.epoch() + ':' + a.streamId();
  }

  @Override
  public @Nullable Position parse(String eventId) {
    return RedisIds.parse(eventId, epochs.current());
  }

  @Override
  public String format(Position position) {
    String e = epochs.current();
    // before Redis was ever reached there is no epoch: an id no epoch accepts, so a resume from it is a reset
    return (e == null ? "none" : e) + ':' + RedisIds.streamId(position);
  }

  @Override
  public @Nullable List<LogEntry> readAfter(Position after, @Nullable Position before, int max) {
    return resume.readAfter(after, before, max);
  }

  @Override
  public String describe() {
    return "redis " + where + " " + streamKey;
  }

  /**
   * {@code PING} on the publish connection, answered within {@code timeout}: up with the round-trip time, down when
   * Redis refuses the connection, fails or does not answer in time. Connecting is asynchronous, so a host that drops
   * packets costs the timeout, not the connect timeout.
   */
  @Override
  public Health health(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    String what = "redis " + where;
    if (closed.get()) {
      return Health.down(what + ": log is closed");
    }
    return Health.probe(what, timeout, () -> publish.ping(timeout));
  }

  /** Stops tailing, closes the connections and ends every thread the log started. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Tail t;
    synchronized (lifecycle) {
      t = tail;
    }
    if (t != null) {
      t.close();
    }
    publish.close();
    connections.close();
  }

  /**
   * Configures a {@link RedisEventLog}. Each setting may be given once; a second call fails with
   * {@link IllegalStateException} naming the value given first.
   *
   * <p>Thread-safety: not thread-safe; the built log is.
   */
  public static final class Builder {
    private final URI uri;
    private final Settings settings = new Settings();
    private String prefix = "ren";
    private long retention = 100_000;
    private Duration commandTimeout = Duration.ofSeconds(2);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private LongSupplier nanoTime = System::nanoTime;
    private Tail.Pause tailPause = Tail.Pause.PARK;

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
      Objects.requireNonNull(streamPrefix, "streamPrefix");
      if (!PREFIX.matcher(streamPrefix).matches()) {
        throw new IllegalArgumentException("stream prefix '" + Printable.of(streamPrefix) + "' must match "
            + PREFIX.pattern());
      }
      this.prefix = settings.once("streamPrefix", streamPrefix);
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
      this.retention = settings.once("retention", entries);
      return this;
    }

    /** How long a command (and a connection attempt) may take before it fails; default 2 s. */
    public Builder commandTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("command timeout must be in (0, 1 min], was " + timeout);
      }
      this.commandTimeout = settings.once("commandTimeout", timeout);
      return this;
    }

    /** Longest wait between reconnect attempts of the tail; default 5 s. */
    public Builder maxReconnectBackoff(Duration backoff) {
      Objects.requireNonNull(backoff, "backoff");
      if (backoff.compareTo(Duration.ofMillis(100)) < 0 || backoff.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException("max reconnect backoff must be in [100 ms, 5 min], was " + backoff);
      }
      this.maxBackoff = settings.once("maxReconnectBackoff", backoff);
      return this;
    }

    /** Tests: the time source of the publish connection's reconnect gate ({@code System::nanoTime}). */
    Builder nanoTime(LongSupplier source) {
      this.nanoTime = settings.once("nanoTime", Objects.requireNonNull(source, "source"));
      return this;
    }

    /** Tests: how the tail waits between retries (parking the tail thread). */
    Builder tailPause(Tail.Pause pause) {
      this.tailPause = settings.once("tailPause", Objects.requireNonNull(pause, "pause"));
      return this;
    }

    /** The log; it connects when a hub starts it. */
    public RedisEventLog build() {
      return new RedisEventLog(this);
    }
  }
}
