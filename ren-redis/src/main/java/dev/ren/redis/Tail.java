package dev.ren.redis;

import dev.ren.internal.Backoff;
import dev.ren.log.EventLog;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The tail: one thread per log that runs {@code XREAD BLOCK} from the last id it delivered (never {@code $} in a
 * loop) on its own connection and hands entries to the sink. When Redis is unreachable it reconnects with
 * {@link Backoff} and resumes from that id; going down and coming back are logged once each. It follows the stream
 * into a new epoch, ends the epoch itself when Redis lost entries it had delivered, and reports entries trimmed
 * before it read them to the sink as a gap.
 *
 * <p>Ownership: {@code lastId} belongs to the tail thread once {@link #open} started it (open writes it first). The
 * connection slot is shared with {@link #close}: whoever takes a connection out of it closes it, exactly once.
 *
 * <p>Thread-safety: {@link #open} once, then {@link #close} from any thread; the sink is called from the tail thread
 * only.
 */
final class Tail {

  /** How the tail waits before a retry; the default parks, so {@link #close} can cut the wait short. */
  @FunctionalInterface
  interface Pause {
    Pause PARK = d -> LockSupport.parkNanos(d.toNanos());

    void pause(Duration d);
  }

  static final long BLOCK_MS = 1000;
  private static final int BATCH = 512;

  private final RedisConnections connections;
  private final Epochs epochs;
  private final EventLog.Sink sink;
  private final String streamKey;
  private final String where;
  private final Duration timeout;
  private final Backoff retry;
  private final Pause pause;
  private final Thread thread;

  private final AtomicReference<@Nullable StatefulRedisConnection<String, byte[]>> connection =
      new AtomicReference<>();
  private volatile boolean closed;

  /** The id of the entry delivered last; null until first contact with Redis. Tail thread only (see above). */
  private @Nullable String lastId;

  Tail(RedisConnections connections, Epochs epochs, EventLog.Sink sink, String streamKey, String where,
      Duration commandTimeout, Backoff retry, Pause pause) {
    this.connections = connections;
    this.epochs = epochs;
    this.sink = sink;
    this.streamKey = streamKey;
    this.where = where;
    // a blocking read may take its block time on top of the command timeout
    this.timeout = commandTimeout.plusMillis(BLOCK_MS);
    this.retry = retry;
    this.pause = pause;
    this.thread = connections.newThread("tail", this::run);
  }

  /**
   * Positions the tail at the stream's head, if Redis is reachable, and starts the tail thread.
   *
   * @return the position after which the sink will receive entries ({@link Position#ZERO} if Redis is unreachable)
   */
  Position open() {
    Position head = Position.ZERO;
    try {
      StatefulRedisConnection<String, byte[]> c = connections.connect(timeout);
      connection.set(c);
      RedisCommands<String, byte[]> cmd = c.sync();
      epochs.tailing(epochs.readOrCreate(cmd));
      String id = epochs.firstTailPosition(() -> StreamEntries.headId(cmd, streamKey));
      lastId = id;
      Position p = RedisIds.parseStreamId(id, 0);
      head = p == null ? Position.ZERO : p;
    } catch (RedisException ex) {
      // tailing starts at the stream's head on first contact, or before this node's first own append if that
      // came earlier (see Epochs): other nodes' events from before first contact are served by readAfter
      RedisEventLog.LOG.log(Level.WARNING, "Redis at " + where + " is unreachable at start (" + ex.getMessage()
          + "); events will be delivered once it is reachable");
      RedisConnections.closeQuietly(connection.getAndSet(null));
    }
    thread.start();
    return head;
  }

  /** Stops the tail thread and closes its connection; waits (bounded) until the thread ended. Idempotent. */
  void close() {
    closed = true;
    LockSupport.unpark(thread);
    RedisConnections.closeQuietly(connection.getAndSet(null));
    if (Thread.currentThread() == thread) {
      return; // a sink closing the log from the tail thread: the loop ends when this call returns
    }
    try {
      thread.join(timeout.toMillis() + 1000);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    int failures = 0;
    int errors = 0;
    boolean down = false;
    boolean verify = false;
    boolean lagging = false;
    while (!closed) {
      try {
        StatefulRedisConnection<String, byte[]> c = connection.get();
        if (c == null || !c.isOpen()) {
          if (c != null && connection.compareAndSet(c, null)) {
            RedisConnections.closeQuietly(c);
          }
          c = connections.connect(timeout);
          connection.set(c);
          if (closed) {
            break;
          }
        }
        RedisCommands<String, byte[]> cmd = c.sync();
        if (verify) {
          verifyTail(cmd);
          verify = false;
        }
        String current = epochs.readOrCreate(cmd);
        String from = lastId;
        if (from == null || !current.equals(epochs.current())) {
          from = switchEpoch(cmd, current);
        }
        if (down) {
          RedisEventLog.LOG.log(Level.INFO, "Redis at " + where + " is reachable again; tailing " + streamKey
              + " resumes after " + from);
          down = false;
        }
        failures = 0;
        if (lagging) {
          checkNotOvertaken(cmd, from);
        }
        List<StreamMessage<String, byte[]>> batch = cmd.xread(XReadArgs.Builder.block(BLOCK_MS).count(BATCH),
            XReadArgs.StreamOffset.from(streamKey, from));
        deliver(cmd, current, batch);
        errors = 0;
        lagging = batch.size() >= BATCH;
      } catch (RedisException ex) {
        if (closed) {
          break;
        }
        if (!down) {
          RedisEventLog.LOG.log(Level.WARNING, "Redis at " + where + " is unreachable (" + ex.getMessage()
              + "); tailing " + streamKey + " retries with backoff from " + lastId);
          down = true;
        }
        verify = true;
        StatefulRedisConnection<String, byte[]> broken = connection.get();
        if (broken != null && connection.compareAndSet(broken, null)) {
          RedisConnections.closeQuietly(broken);
        }
        pause.pause(retry.delay(++failures));
      } catch (RuntimeException ex) {
        if (closed) {
          break;
        }
        // a sink failure or a bug must not end tailing for good
        RedisEventLog.LOG.log(Level.ERROR, "tailing " + streamKey + " failed; continuing after " + lastId, ex);
        pause.pause(retry.delay(++errors));
      }
    }
    RedisConnections.closeQuietly(connection.getAndSet(null));
  }

  /**
   * Starts (or restarts) tailing in {@code current}: from the head on first contact, from 0-0 on a new epoch.
   *
   * @return the id tailing continues after
   */
  private String switchEpoch(RedisCommands<String, byte[]> cmd, String current) {
    String id;
    if (lastId == null) {
      id = epochs.firstTailPosition(() -> StreamEntries.headId(cmd, streamKey));
    } else {
      RedisEventLog.LOG.log(Level.WARNING, "Redis stream " + streamKey + " at " + where + " began a new life (epoch "
          + epochs.current() + " -> " + current + "): it was flushed, lost or failed over; resuming clients will "
          + "reset");
      id = "0-0"; // entries of the old epoch still in the stream are skipped by their epoch field
    }
    lastId = id;
    epochs.tailing(current);
    return id;
  }

  private void deliver(RedisCommands<String, byte[]> cmd, String current,
      List<StreamMessage<String, byte[]>> batch) {
    for (StreamMessage<String, byte[]> m : batch) {
      if (!current.equals(StreamEntries.epochOf(m))) {
        if (!current.equals(epochs.read(cmd))) {
          return; // the epoch moved on under us: the loop switches and starts the new stream from 0-0
        }
        lastId = m.getId(); // left over from an older epoch (a rotation after a lost tail): seen before
        continue;
      }
      LogEntry le = StreamEntries.toEntry(streamKey, current, m);
      lastId = m.getId(); // a malformed entry (null, logged) is passed over, not retried
      if (le != null) {
        sink.accept(le);
      }
    }
  }

  /**
   * After an outage: if the entry delivered last is gone while the stream does not reach past it, Redis lost the
   * stream's tail (a failover, a restart from an old snapshot): end the epoch so no resume reads across the hole.
   */
  private void verifyTail(RedisCommands<String, byte[]> cmd) {
    String id = lastId;
    String e = epochs.current();
    if (id == null || e == null || "0-0".equals(id) || !e.equals(epochs.read(cmd))) {
      return; // nothing seen yet, or the epoch check in the loop handles it
    }
    if (!cmd.xrange(streamKey, Range.create(id, id)).isEmpty()) {
      return;
    }
    Position seen = RedisIds.parseStreamId(id, 0);
    String newestId = StreamEntries.headId(cmd, streamKey);
    Position newest = "0-0".equals(newestId) ? null : RedisIds.parseStreamId(newestId, 0);
    if (newest == null || seen == null || !newest.isAfter(seen)) {
      epochs.rotate(cmd, e);
      RedisEventLog.LOG.log(Level.WARNING, "Redis stream " + streamKey + " lost entries up to " + id
          + "; starting a new epoch");
    } else {
      RedisEventLog.LOG.log(Level.WARNING, "entries of " + streamKey + " after " + id
          + " were trimmed by retention while Redis was unreachable; local subscribers missed them");
      sink.gap("entries after " + id + " were trimmed before this node read them");
    }
  }

  /**
   * While this node reads full batches it is behind; if retention trimmed entries it has not read yet, its local
   * subscribers miss them. That cannot be undone here, but it must not pass silently: retention is too small for
   * this node's lag.
   */
  private void checkNotOvertaken(RedisCommands<String, byte[]> cmd, String from) {
    Position seen = RedisIds.parseStreamId(from, 0);
    if (seen == null || seen.equals(Position.ZERO)) {
      return;
    }
    List<StreamMessage<String, byte[]>> first = cmd.xrange(streamKey, Range.unbounded(), Limit.from(1));
    Position oldest = first.isEmpty() ? null : RedisIds.parseStreamId(first.get(0).getId(), 0);
    if (oldest != null && oldest.isAfter(seen)) {
      // trimming removes from the front: the entry read last is gone, so unread ones before `oldest` may be too
      RedisEventLog.LOG.log(Level.WARNING, "tailing " + streamKey + " fell behind retention: entries after " + from
          + " and before " + first.get(0).getId() + " may have been trimmed before this node read them; local "
          + "subscribers may have missed them; raise retention");
      sink.gap("tailing fell behind retention after " + from);
    }
  }
}
