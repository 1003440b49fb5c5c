package dev.ren.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Lettuce client of one log and the threads it runs on. The client resources are this log's own, and every
 * thread they (or the log) start is made here, named {@code ren-redis-<prefix>-...}, and remembered, so that
 * {@link #close} can shut the resources down and wait until each of those threads has ended.
 *
 * <p>Thread-safety: thread-safe. Invariant: once {@link #close} returned, no thread made here is alive (each is
 * joined, within a bound) and {@link #connect} fails.
 */
final class RedisConnections {

  private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);
  /** Lettuce's minimum; the log holds two connections (tail, publish), each served by one I/O thread. */
  private static final int THREADS = 2;

  private final String threadPrefix;
  private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI uri;
  private final AtomicBoolean closed = new AtomicBoolean();

  RedisConnections(RedisURI uri, String threadPrefix, Duration connectTimeout) {
    this.threadPrefix = threadPrefix;
    this.uri = uri;
    this.resources = ClientResources.builder()
        .threadFactoryProvider(pool -> tracked(new DefaultThreadFactory(threadPrefix + "-" + pool, true)))
        .ioThreadPoolSize(THREADS)
        .computationThreadPoolSize(THREADS)
        .build();
    RedisClient c;
    try {
      c = RedisClient.create(resources, uri);
    } catch (RuntimeException ex) {
      shutDownResources();
      throw ex;
    }
    this.client = c;
    this.client.setOptions(ClientOptions.builder()
        .autoReconnect(false) // reconnects are ours: backoff, and one log line per outage
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build())
        .build());
  }

  /** A new connection, connected without blocking the caller; its commands time out after {@code timeout}. */
  CompletableFuture<StatefulRedisConnection<String, byte[]>> connectAsync(Duration timeout) {
    return client.connectAsync(CODEC, uri).toCompletableFuture().thenApply(c -> {
      c.setTimeout(timeout);
      return c;
    });
  }

  /** A new connection whose commands time out after {@code timeout}. */
  StatefulRedisConnection<String, byte[]> connect(Duration timeout) {
    StatefulRedisConnection<String, byte[]> c = client.connect(CODEC);
    c.setTimeout(timeout);
    return c;
  }

  /** A daemon thread of this log, named {@code ren-redis-<prefix>-<role>}; not started. */
  Thread newThread(String role, Runnable task) {
    Thread t = new Thread(task, threadPrefix + "-" + role);
    t.setDaemon(true);
    threads.add(t);
    return t;
  }

  /** Shuts the client and its resources down and waits for their threads. Idempotent. */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      client.shutdown(Duration.ZERO, SHUTDOWN_TIMEOUT);
    } catch (RuntimeException ex) {
      RedisEventLog.LOG.log(Level.WARNING, "shutting down the Redis client failed: " + ex);
    }
    shutDownResources();
    long deadline = System.nanoTime() + SHUTDOWN_TIMEOUT.toNanos();
    for (Thread t : threads) {
      if (t == Thread.currentThread()) {
        continue; // closed from the tail thread (by its sink): it ends when this call returns
      }
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) {
        RedisEventLog.LOG.log(Level.WARNING, "thread " + t.getName() + " did not end within " + SHUTDOWN_TIMEOUT);
      }
    }
  }

  private void shutDownResources() {
    // the event loops end when this future completes; their threads are joined by close()
    if (!resources.shutdown(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(SHUTDOWN_TIMEOUT.toMillis())) {
      RedisEventLog.LOG.log(Level.WARNING, "Redis client resources did not shut down within " + SHUTDOWN_TIMEOUT);
    }
  }

  private ThreadFactory tracked(ThreadFactory named) {
    return task -> {
      Thread t = named.newThread(task);
      threads.add(t);
      return t;
    };
  }

  static void closeQuietly(@Nullable StatefulRedisConnection<?, ?> c) {
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // closing a broken connection
      }
    }
  }
}
