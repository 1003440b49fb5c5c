package dev.ren.examples;

import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.kv.redis.RedisKvBackend;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.redis.RedisRealtimeBackend;
import dev.ren.redis.RedisEventLog;
import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * Builds the demo's hub: in-process by default, on Redis Streams with {@code --redis}; and with {@code --redis} its
 * KV store and its realtime (sequences, history, presence), on the same Redis, so that several demo nodes share
 * them.
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

  /** System property: the node heartbeat interval in ms (TTL three times it, sweep every interval); tests. */
  static final String NODE_HEARTBEAT_PROPERTY = "ren.demo.nodeHeartbeatMillis";

  /**
   * Realtime on Redis with {@code --redis} (keys under {@code ren:rt:}; 100 messages of history per channel, as the
   * drop-in keeps by default), else null: the drop-in's in-process one. Node heartbeats every 5 s with a 15 s TTL
   * unless {@value #NODE_HEARTBEAT_PROPERTY} says otherwise.
   */
  static @Nullable Realtime realtime(DemoServer.Options options, RenHub hub) {
    if (options.redis() == null) {
      return null;
    }
    RedisRealtimeBackend.Builder backend = RedisRealtimeBackend.builder(options.redis()).prefix("ren:rt:");
    String beat = System.getProperty(NODE_HEARTBEAT_PROPERTY);
    if (beat != null) {
      Duration interval = Duration.ofMillis(Long.parseLong(beat));
      backend.heartbeatInterval(interval).heartbeatTtl(interval.multipliedBy(3)).sweepInterval(interval);
    }
    return Realtime.builder(hub).history("*", 100).backend(backend.build()).build();
  }
}
