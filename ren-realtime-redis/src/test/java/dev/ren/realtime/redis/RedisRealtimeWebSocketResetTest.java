package dev.ren.realtime.redis;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.client.RealtimeSocketClient;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.realtime.RealtimeCalls;
import dev.ren.servlet.realtime.RealtimeServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.Waits;
import dev.ren.testing.PrivateRedis;
import dev.ren.websocket.realtime.RealtimeWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RELIABILITY 30 for realtime: Redis loses its data ({@code FLUSHALL}, or a restart without persistence) under a
 * connected WebSocket client, so the channel's sequence starts over at 1 below the number the client holds. The
 * server says {@code reset} and the client takes the new numbers, instead of dropping them as copies.
 */
@Tag("redis")
class RedisRealtimeWebSocketResetTest {

  @TempDir
  Path dir;

  @Test
  void flushAll_connectedWebSocketClient_resetThenNewSequenceDelivered() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start(dir, false);
         RenHub hub = RenHub.create();
         Realtime realtime = Realtime.builder(hub).history("room-*", 1000)
             .backend(RedisRealtimeBackend.builder(redis.uri()).commandTimeout(Duration.ofMillis(500)).build())
             .build()) {
      RealtimeCalls calls = new RealtimeCalls(realtime, RenSecurity.open(), RealtimeServlet.PublishRate.DEFAULT);
      JettyTestServer server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
          .servlet(RealtimeWebSocketServlet.PATH, RealtimeWebSocketServlet.builder(hub, calls).build());
      JakartaWebSocketServletContainerInitializer.configure(server.context(), null);
      server.start();
      List<String> seen = new ArrayList<>();
      CountDownLatch subscribed = new CountDownLatch(1);
      try (RealtimeSocketClient client = RealtimeSocketClient.builder(
          URI.create("ws://127.0.0.1:" + server.port() + "/_rt/ws?cid=r1")).listener(f -> {
            String event = f.path("event").asText();
            if ("subscribed".equals(event)) {
              subscribed.countDown();
            } else if ("reset".equals(event) || "message".equals(event)) {
              synchronized (seen) {
                seen.add("reset".equals(event) ? "reset" : f.path("data").asText() + "@" + f.path("seq").asText());
              }
            }
          }).build()) {
        client.subscribe("room-1", null);
        assertTrue(subscribed.await(10, TimeUnit.SECONDS));
        for (String s : List.of("a", "b", "c")) {
          realtime.publish("room-1", JsonNodeFactory.instance.textNode(s), null);
        }
        Waits.until(() -> client.lastSeq("room-1") == 3);

        assertEquals("OK", redis.command("FLUSHALL").substring(1)); // sequence, history and all

        assertEquals(1, realtime.publish("room-1", JsonNodeFactory.instance.textNode("d"), null).seq());
        realtime.publish("room-1", JsonNodeFactory.instance.textNode("e"), null);
        Waits.until(() -> {
          synchronized (seen) {
            return seen.size() >= 6;
          }
        });
        synchronized (seen) {
          assertEquals(List.of("a@1", "b@2", "c@3", "reset", "d@1", "e@2"), seen);
        }
        assertEquals(2, client.lastSeq("room-1"));
      } finally {
        server.close();
      }
    }
  }
}
