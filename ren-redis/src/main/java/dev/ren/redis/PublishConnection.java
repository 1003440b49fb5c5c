package dev.ren.redis;

import dev.ren.EventLogUnavailableException;
import dev.ren.internal.Backoff;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The connection appends and resume reads run on (a Lettuce connection is thread-safe, so one serves every caller),
 * and the gate that makes callers fail fast while Redis is unreachable: after a failed connect there is no new
 * attempt until {@link #RECONNECT}'s delay for the number of consecutive failures has passed on the nano source.
 *
 * <p>An append runs {@code XADD <prefix>:stream MAXLEN ~ <retention> * e <epoch> j <json> [tn <tenant>]} in a
 * script that also reads the epoch key, creating it if absent, so an entry is always written under the epoch current
 * in Redis. The tenant travels beside the JSON, not in it: the JSON is what clients see.
 *
 * <p>Thread-safety: thread-safe. (Re)connecting, the failure count and {@code closed} are guarded by {@code lock};
 * the current connection is published through a volatile field for the lock-free fast path.
 */
final class PublishConnection {

  /** Callers retry quickly: 100 ms after the first failure, doubling, at most 1 s. */
  static final Backoff RECONNECT = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1));

  /** KEYS: stream, epoch. ARGV: json, candidate epoch, retention[, tenant]. Returns {epoch, id}. */
  private static final String APPEND_SCRIPT = ""
      + "local e = redis.call('GET', KEYS[2])\n"
      + "if not e then redis.call('SET', KEYS[2], ARGV[2]); e = ARGV[2] end\n"
      + "local id\n"
      + "if ARGV[4] then\n"
      + "  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', e, 'j', ARGV[1], 'tn', ARGV[4])\n"
      + "else\n"
      + "  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', e, 'j', ARGV[1])\n"
      + "end\n"
      + "return {e, id}\n";
  private static final String APPEND_SHA = sha1(APPEND_SCRIPT);

  /** Where an append went: the epoch it was written under and its stream id. */
  record Appended(String epoch, String streamId) {}

  private final RedisConnections connections;
  private final String where;
  private final String[] keys;
  private final byte[] retention;
  private final Duration commandTimeout;
  private final LongSupplier nanoTime;

  private final Object lock = new Object();
  private volatile @Nullable StatefulRedisConnection<String, byte[]> connection;
  private long retryAt;
  private int failures;
  private boolean closed;

  PublishConnection(RedisConnections connections, String where, String streamKey, String epochKey, long retention,
      Duration commandTimeout, LongSupplier nanoTime) {
    this.connections = connections;
    this.where = where;
    this.keys = new String[] {streamKey, epochKey};
    this.retention = Long.toString(retention).getBytes(StandardCharsets.US_ASCII);
    this.commandTimeout = commandTimeout;
    this.nanoTime = nanoTime;
  }

  /**
   * Commands on the connection, connecting first if there is none.
   *
   * @throws EventLogUnavailableException if Redis cannot be reached, or was not reachable moments ago
   * @throws IllegalStateException if the log is closed
   */
  RedisCommands<String, byte[]> commands() {
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c != null && c.isOpen()) {
      return c.sync();
    }
    synchronized (lock) {
      c = connection;
      if (c != null && c.isOpen()) {
        return c.sync();
      }
      if (closed) {
        throw new IllegalStateException("log is closed");
      }
      long now = nanoTime.getAsLong();
      if (failures > 0 && now - retryAt < 0) {
        throw new EventLogUnavailableException("Redis at " + where + " is unreachable (reconnecting)");
      }
      RedisConnections.closeQuietly(c);
      connection = null;
      try {
        c = connections.connect(commandTimeout);
      } catch (RedisException ex) {
        failures++;
        retryAt = now + RECONNECT.delay(failures).toNanos();
        throw new EventLogUnavailableException("Redis at " + where + " is unreachable: " + ex.getMessage(), ex);
      }
      connection = c;
      failures = 0;
      return c.sync();
    }
  }

  /**
   * {@code PING} on the publish connection within {@code timeout}, connecting first (without blocking past the
   * timeout) when there is none; a connection made here becomes the publish connection.
   *
   * @return Redis's answer ({@code PONG})
   * @throws TimeoutException if Redis did not answer in time
   * @throws ExecutionException if connecting or the command failed
   */
  String ping(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = nanoTime.getAsLong() + timeout.toNanos();
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c == null || !c.isOpen()) {
      CompletableFuture<StatefulRedisConnection<String, byte[]>> f = connections.connectAsync(commandTimeout);
      StatefulRedisConnection<String, byte[]> fresh;
      try {
        fresh = f.get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | InterruptedException e) {
        CompletableFuture<?> unused = f.thenAccept(RedisConnections::closeQuietly); // if it connects after all
        throw e;
      }
      synchronized (lock) {
        StatefulRedisConnection<String, byte[]> current = connection;
        if (closed) {
          RedisConnections.closeQuietly(fresh);
          throw new IllegalStateException("log is closed");
        } else if (current != null && current.isOpen()) {
          RedisConnections.closeQuietly(fresh);
          c = current;
        } else {
          RedisConnections.closeQuietly(current);
          connection = fresh;
          failures = 0;
          c = fresh;
        }
      }
    }
    long left = Math.max(1, deadline - nanoTime.getAsLong());
    return c.async().ping().toCompletableFuture().get(left, TimeUnit.NANOSECONDS);
  }

  /**
   * Appends one event's JSON on {@code cmd} (from {@link #commands}), with its tenant (null: the default tenant,
   * written as no field at all, as before tenants existed).
   *
   * @throws RedisException if Redis failed or timed out (the entry may still have been written)
   */
  Appended append(RedisCommands<String, byte[]> cmd, byte[] json, @Nullable String tenant) {
    byte[] candidate = RedisIds.newEpoch().getBytes(StandardCharsets.US_ASCII);
    byte[][] args = tenant == null ? new byte[][] {json, candidate, retention}
        : new byte[][] {json, candidate, retention, tenant.getBytes(StandardCharsets.UTF_8)};
    List<Object> r;
    try {
      r = cmd.evalsha(APPEND_SHA, ScriptOutputType.MULTI, keys, args);
    } catch (RedisNoScriptException ex) {
      r = cmd.eval(APPEND_SCRIPT, ScriptOutputType.MULTI, keys, args);
    }
    String epoch = r.size() == 2 ? StreamEntries.str(r.get(0)) : null;
    String id = r.size() == 2 ? StreamEntries.str(r.get(1)) : null;
    if (epoch == null || id == null) {
      throw new RedisException("unexpected reply to the append script: " + r);
    }
    return new Appended(epoch, id);
  }

  /** Closes the connection; later calls of {@link #commands} fail. Idempotent. */
  void close() {
    synchronized (lock) {
      closed = true;
      RedisConnections.closeQuietly(connection);
      connection = null;
    }
  }

  private static String sha1(String script) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(40);
      for (byte x : d) {
        sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
