package dev.ren.examples;

import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.kv.redis.RedisKvBackend;
import dev.ren.redis.RedisEventLog;
import org.jspecify.annotations.Nullable;

/**
 * Builds the demo's hub: in-process by default, on Redis Streams with {@code --redis}; and with {@code --redis} its
 * KV store, on the same Redis, so that several demo nodes share one store.
 */
final class Hubs {

  private Hubs() {}

  static RenHub create(DemoServer.Options options) {
    RenHub.Builder b = RenHub.builder().capacity(options.history());
    if (options.redis() != null) {
      b.log(RedisEventLog.builder(options.redis()).streamPrefix("ren").retention(100_000).build());
    }
    return b.build();
  }

  /** The KV store on Redis with {@code --redis} (keys under {@code ren:kv:}), else null: the drop-in's default. */
  static @Nullable KvStore kv(DemoServer.Options options, RenHub hub) {
    if (options.redis() == null) {
      return null;
    }
    return KvStore.builder(hub).backend(RedisKvBackend.builder(options.redis()).prefix("ren:kv:").build()).build();
  }
}
