package dev.ren.client;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.access.AccessPolicy;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.realtime.RealtimeCalls;
import dev.ren.servlet.realtime.RealtimeServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TokenClaims;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.Waits;
import dev.ren.tokens.JwtTokens;
import dev.ren.websocket.realtime.RealtimeWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebSocket client against the real endpoint, which cuts it again and again (a short ping timeout). */
class RealtimeSocketClientTest {

  @Test
  void serverCutsConnection_clientReconnectsResubscribesRejoinsAndCatchesUp_noGapNoDuplicate() throws Exception {
    try (RenHub hub = RenHub.create();
         Realtime realtime = Realtime.builder(hub).history("hist-*", 1000).build()) {
      RealtimeCalls calls = new RealtimeCalls(realtime, RenSecurity.open(), RealtimeServlet.PublishRate.DEFAULT);
      // the server closes a connection silent for 400 ms; the client pings every 10 s: it is cut repeatedly
      RealtimeWebSocketServlet ws = RealtimeWebSocketServlet.builder(hub, calls)
          .pingTimeout(Duration.ofMillis(400)).build();
      JettyTestServer server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
          .servlet(RealtimeWebSocketServlet.PATH, ws);
      JakartaWebSocketServletContainerInitializer.configure(server.context(), null);
      server.start();
      List<Long> seqs = new ArrayList<>();
      java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
      try (RealtimeSocketClient client = RealtimeSocketClient.builder(
              URI.create("ws://127.0.0.1:" + server.port() + "/_rt/ws?cid=java1"))
          .initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(200))
          .pingInterval(Duration.ofSeconds(10))
          .listener(f -> {
            if ("subscribed".equals(f.path("event").asText())) {
              subscribed.countDown();
            }
            if ("message".equals(f.path("event").asText())) {
              synchronized (seqs) {
                seqs.add(f.path("seq").asLong());
              }
            }
          }).build()) {
        client.subscribe("hist-1", null);
        client.join("hist-1", "alice", JsonNodeFactory.instance.objectNode());
        assertTrue(subscribed.await(10, TimeUnit.SECONDS)); // a subscription starts now: wait for it
        for (int i = 1; i <= 60; i++) {
          realtime.publish("hist-1", JsonNodeFactory.instance.numberNode(i), null);
          Thread.sleep(25);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (client.lastSeq("hist-1") < 60 && System.nanoTime() < end) {
          Thread.sleep(20);
        }
        assertTrue(client.connects() >= 3, "reconnected " + client.connects() + " times");
        synchronized (seqs) {
          assertEquals(60, seqs.size(), seqs.toString());
          for (int i = 0; i < 60; i++) {
            assertEquals(i + 1, seqs.get(i), "no gap, no duplicate: " + seqs);
          }
        }
        // re-joined after a cut: alice is present again while connected
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean present = false;
        while (!present && System.nanoTime() < until) {
          present = realtime.members("hist-1").stream().anyMatch(m -> m.userId().equals("alice"));
          Thread.sleep(10);
        }
        assertTrue(present, "alice re-joined after a reconnect");
      } finally {
        server.close();
      }
    }
  }

  @Test
  void channelStartsOver_resetFromServer_messagesNumberedFromOneAgainDelivered() throws Exception {
    // history kept 300 ms after the last message: an idle channel is dropped and its sequence starts over at 1
    try (RenHub hub = RenHub.create();
         Realtime realtime = Realtime.builder(hub).history("hist-*", 1000).historyRetention(Duration.ofMillis(300))
             .build()) {
      RealtimeCalls calls = new RealtimeCalls(realtime, RenSecurity.open(), RealtimeServlet.PublishRate.DEFAULT);
      JettyTestServer server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
          .servlet(RealtimeWebSocketServlet.PATH, RealtimeWebSocketServlet.builder(hub, calls).build());
      JakartaWebSocketServletContainerInitializer.configure(server.context(), null);
      server.start();
      List<String> seen = new ArrayList<>();
      java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
      try (RealtimeSocketClient client = RealtimeSocketClient.builder(
              URI.create("ws://127.0.0.1:" + server.port() + "/_rt/ws?cid=java2")).listener(f -> {
            String event = f.path("event").asText();
            if ("subscribed".equals(event)) {
              subscribed.countDown();
            } else if ("reset".equals(event) || "message".equals(event)) {
              synchronized (seen) {
                seen.add("reset".equals(event) ? "reset" : f.path("seq").asText());
              }
            }
          }).build()) {
        client.subscribe("hist-1", null);
        assertTrue(subscribed.await(10, TimeUnit.SECONDS));
        for (int i = 1; i <= 3; i++) {
          realtime.publish("hist-1", JsonNodeFactory.instance.numberNode(i), null);
        }
        Waits.until(() -> client.lastSeq("hist-1") == 3);
        Waits.until(() -> realtime.channels().isEmpty());

        realtime.publish("hist-1", JsonNodeFactory.instance.numberNode(10), null);
        realtime.publish("hist-1", JsonNodeFactory.instance.numberNode(11), null);

        Waits.until(() -> {
          synchronized (seen) {
            return seen.size() >= 6;
          }
        });
        synchronized (seen) {
          assertEquals(List.of("1", "2", "3", "reset", "1", "2"), seen);
        }
        assertEquals(2, client.lastSeq("hist-1"));
      } finally {
        server.close();
      }
    }
  }

  @Test
  void streamToken_tokensOfTwoSeconds_renewedOnTheOpenSocketWithoutReconnect() throws Exception {
    JwtTokens jwt = JwtTokens.randomKey();
    RenSecurity security = RenSecurity.builder(AccessPolicy.open()).authenticator(RenAuthenticator.tokens(jwt))
        .tokens(jwt).build();
    AtomicInteger minted = new AtomicInteger();
    RenCaller alice = RenCaller.user("alice", Set.of(), null);
    try (RenHub hub = RenHub.create(); Realtime realtime = Realtime.builder(hub).build()) {
      RealtimeCalls calls = new RealtimeCalls(realtime, security, RealtimeServlet.PublishRate.DEFAULT);
      RealtimeWebSocketServlet ws = RealtimeWebSocketServlet.builder(hub, calls).build();
      JettyTestServer server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, security)
          .servlet(RealtimeWebSocketServlet.PATH, ws);
      JakartaWebSocketServletContainerInitializer.configure(server.context(), null);
      server.start();
      List<String> messages = new ArrayList<>();
      java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
      try (RealtimeSocketClient client = RealtimeSocketClient.builder(
              URI.create("ws://127.0.0.1:" + server.port() + "/_rt/ws?cid=java3"))
          .streamToken(() -> {
            minted.incrementAndGet();
            return jwt.mint(TokenClaims.access(alice, Instant.now().plusSeconds(2)));
          })
          .listener(f -> {
            if ("subscribed".equals(f.path("event").asText())) {
              subscribed.countDown();
            } else if ("message".equals(f.path("event").asText())) {
              synchronized (messages) {
                messages.add(f.path("data").asText());
              }
            }
          }).build()) {
        client.subscribe("room-1", null);
        assertTrue(subscribed.await(10, TimeUnit.SECONDS));

        Thread.sleep(5000); // two and a half lifetimes of a token: the sweep closes a socket whose token expired
        assertEquals(1, client.connects(), "never reconnected");
        assertTrue(minted.get() >= 3, "renewed " + (minted.get() - 1) + " times");
        assertEquals(1, ws.connectionCount());
        realtime.publish("room-1", JsonNodeFactory.instance.textNode("still here"), null);
        Waits.until(() -> {
          synchronized (messages) {
            return messages.contains("still here");
          }
        });
      } finally {
        server.close();
      }
    }
  }

  @Test
  void builder_repeatedOrBadSetting_refused() {
    RealtimeSocketClient.Builder b = RealtimeSocketClient.builder(URI.create("ws://127.0.0.1:1/_rt/ws"))
        .maxBackoff(Duration.ofSeconds(5));
    assertThrows(IllegalStateException.class, () -> b.maxBackoff(Duration.ofSeconds(6)));
    assertThrows(IllegalArgumentException.class, () -> b.initialBackoff(Duration.ofMillis(1)));
  }
}
