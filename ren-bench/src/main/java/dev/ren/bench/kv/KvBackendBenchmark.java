package dev.ren.bench.kv;

import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvStore;
import dev.ren.kv.redis.RedisKvBackend;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Put and get through a {@link KvStore} (events to a no-op publisher) on the Caffeine backend and on
 * {@link RedisKvBackend}, with 1 and 4 threads, over 1,000 keys with a value of about 100 bytes.
 *
 * <p>Redis: {@code -Dren.redis=redis://host:port} (default {@code redis://127.0.0.1:6379}); keys use a random prefix
 * and are deleted afterwards.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class KvBackendBenchmark {

  private static final int KEYS = 1000;

  @Param({"caffeine", "redis"})
  public String backend;

  URI redis;
  String prefix;
  KvStore store;
  KvNamespace ns;
  String[] keys;
  byte[] value;

  @Setup(Level.Trial)
  public void setUp() {
    redis = URI.create(System.getProperty("ren.redis", "redis://127.0.0.1:6379"));
    prefix = "ren-bench-kv-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    KvStore.Builder b = KvStore.builder(e -> "1");
    if (backend.equals("redis")) {
      b.backend(RedisKvBackend.builder(redis).prefix(prefix).build());
    }
    store = b.build();
    ns = store.namespace("bench");
    keys = new String[KEYS];
    value = ("{\"title\":\"" + "x".repeat(80) + "\",\"done\":false}").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "todo:" + i;
      ns.putJson(keys[i], value);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    if (backend.equals("redis")) {
      RedisClient c = RedisClient.create(redis.toString());
      try (StatefulRedisConnection<String, String> conn = c.connect()) {
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
          KeyScanCursor<String> page = conn.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1000));
          if (!page.getKeys().isEmpty()) {
            conn.sync().del(page.getKeys().toArray(new String[0]));
          }
          cursor = page;
        } while (!cursor.isFinished());
      } finally {
        c.shutdown();
      }
    }
  }

  /** Each thread walks the keys from its own start. */
  @State(Scope.Thread)
  public static class Cursor {
    int next = (int) (Math.random() * KEYS);

    String key(String[] keys) {
      next = (next + 1) % keys.length;
      return keys[next];
    }
  }

  @Benchmark
  @Threads(1)
  public long put1(Cursor c) {
    return ns.putJson(c.key(keys), value);
  }

  @Benchmark
  @Threads(4)
  public long put4(Cursor c) {
    return ns.putJson(c.key(keys), value);
  }

  @Benchmark
  @Threads(1)
  public Object get1(Cursor c) {
    return ns.get(c.key(keys));
  }

  @Benchmark
  @Threads(4)
  public Object get4(Cursor c) {
    return ns.get(c.key(keys));
  }
}
