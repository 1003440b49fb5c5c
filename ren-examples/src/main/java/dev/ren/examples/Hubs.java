package dev.ren.examples;

import dev.ren.hub.RenHub;
import dev.ren.redis.RedisEventLog;

/** Builds the demo's hub: in-process by default, on Redis Streams with {@code --redis}. */
final class Hubs {

  private Hubs() {}

  static RenHub create(DemoServer.Options options) {
    RenHub.Builder b = RenHub.builder().capacity(options.history());
    if (options.redis() != null) {
      b.log(RedisEventLog.builder(options.redis()).streamPrefix("ren").retention(100_000).build());
    }
    return b.build();
  }
}
