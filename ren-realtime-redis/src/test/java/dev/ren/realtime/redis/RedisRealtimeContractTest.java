package dev.ren.realtime.redis;

import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeContract;
import dev.ren.testing.PrivateRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The realtime contract shared with the in-process state, on a real redis-server of the test's own. */
@Tag("redis")
class RedisRealtimeContractTest extends RealtimeContract {

  private static final AtomicInteger PREFIXES = new AtomicInteger();
  @TempDir
  static Path dir;
  private static PrivateRedis redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = PrivateRedis.start(dir, false);
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @Override
  protected Realtime.Builder configure(Realtime.Builder b) {
    // a prefix of its own: every test starts from an empty store
    return b.backend(RedisRealtimeBackend.builder(redis.uri()).prefix("contract" + PREFIXES.incrementAndGet() + ":")
        .sweepInterval(Duration.ofMillis(50)).build());
  }
}
