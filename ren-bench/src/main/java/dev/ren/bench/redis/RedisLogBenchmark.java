package dev.ren.bench.redis;

import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.redis.RedisEventLog;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.URI;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Two nodes on one Redis: {@code endToEnd} publishes on node A and waits until node B's hub delivers the event
 * (XADD → B's blocking XREAD → B's ring → an in-process listener), sampled for p50/p99; {@code throughput}
 * publishes a batch of 1,000 on A and waits until B has all of them (events/s through one Redis).
 *
 * <p>Redis: {@code -Dren.redis=redis://host:port} (default {@code redis://127.0.0.1:6379}); keys use a random
 * prefix and are deleted afterwards.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class RedisLogBenchmark {

  private static final int BATCH = 1000;

  URI redis;
  String prefix;
  RenHub a;
  RenHub b;
  AutoCloseable listener;
  final AtomicLong receivedOnB = new AtomicLong();
  volatile Thread waiter;
  RenEvent event;

  @Setup(Level.Trial)
  public void setUp() {
    redis = URI.create(System.getProperty("ren.redis", "redis://127.0.0.1:6379"));
    prefix = "ren-bench-" + UUID.randomUUID().toString().substring(0, 8);
    a = RenHub.builder().log(RedisEventLog.builder(redis).streamPrefix(prefix).retention(100_000).build()).build();
    b = RenHub.builder().log(RedisEventLog.builder(redis).streamPrefix(prefix).retention(100_000).build()).build();
    listener = b.listen(RenFilter.all(), (id, e) -> {
      receivedOnB.incrementAndGet();
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    });
    event = RenEvent.kvPut("demo", "todo:0123456789", "42");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    listener.close();
    a.close();
    b.close();
    RedisClient c = RedisClient.create(redis.toString());
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      conn.sync().del(prefix + ":stream", prefix + ":epoch");
    } finally {
      c.shutdown();
    }
  }

  private void awaitOnB(long target) {
    waiter = Thread.currentThread();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (receivedOnB.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node B received " + receivedOnB.get() + " of " + target);
      }
      LockSupport.parkNanos(this, 50_000);
    }
  }

  /** One event, publish on A until delivered on B. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long endToEnd() {
    long target = receivedOnB.get() + 1;
    a.publish(event);
    awaitOnB(target);
    return target;
  }

  /** 1,000 events published on A, all delivered on B; the score is events/s. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(BATCH)
  public long throughput() {
    long target = receivedOnB.get() + BATCH;
    for (int i = 0; i < BATCH; i++) {
      a.publish(event);
    }
    awaitOnB(target);
    return target;
  }
}
