package dev.ren.kv.redis;

import dev.ren.kv.KvBackend;
import dev.ren.kv.KvBackendContract;
import dev.ren.kv.KvKey;
import dev.ren.testing.PrivateRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** The backend contract shared with the Caffeine backend, on a real redis-server of the test's own. */
@Tag("redis")
class RedisKvBackendContractTest extends KvBackendContract {

  private static final AtomicInteger STORES = new AtomicInteger();
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
  protected KvBackend newBackend(long maxEntries, long maxTotalBytes) {
    // a prefix of its own: every test starts from an empty store
    return RedisKvBackend.builder(redis.uri()).prefix("contract" + STORES.incrementAndGet() + ":")
        .maxEntries(maxEntries).maxTotalBytes(maxTotalBytes).build();
  }

  @Override
  protected long weight(KvKey key, int jsonLength) {
    return RedisKvBackend.weight(key, jsonLength);
  }
}
