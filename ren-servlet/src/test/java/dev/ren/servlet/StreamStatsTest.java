package dev.ren.servlet;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.hub.EventDomain;
import dev.ren.hub.HubStats;
import dev.ren.hub.RenHub;
import dev.ren.hub.StreamCloseReason;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TokenClaims;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub's counters ({@link HubStats}) as real streams open, read, resume and end: Jetty on port 0, SSE over
 * sockets, each way a stream closes produced for real and counted under its {@link StreamCloseReason}.
 */
class StreamStatsTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  RenHub hub;
  RenServlet servlet;
  JettyTestServer server;

  void start(RenHub h, RenServletConfig config) {
    hub = h;
    servlet = new RenServlet(hub, config);
    server = new JettyTestServer().filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", servlet)
        .start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  SseTestClient opened(String query) throws Exception {
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren" + query));
    assertEquals(200, c.status());
    c.next("ren.meta", WAIT);
    return c;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void stats_clientDisconnects_countedOpenedActiveAndClosedByClient() throws Exception {
    start(RenHub.create(), RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build());
    HubStats s = hub.stats();
    try (SseTestClient a = opened("?s=kv"); SseTestClient b = opened("?s=kv")) {
      assertEquals(2, s.streamsOpened());
      assertEquals(2, s.streamsActive());
      a.kill();
      Waits.until(() -> s.streamsClosed(StreamCloseReason.CLIENT) == 1);
      assertEquals(1, s.streamsActive());
      assertEquals(1, s.streamsClosed());
    }
    Waits.until(() -> s.streamsActive() == 0);
    assertEquals(2, s.streamsClosed(StreamCloseReason.CLIENT));
    assertEquals(2, s.snapshot().streamsClosed().get(StreamCloseReason.CLIENT));
  }

  @Test
  void stats_beyondMaxStreams_countedOpenedAndClosedAsMaxStreams() throws Exception {
    start(RenHub.create(), RenServletConfig.builder().maxStreams(1).build());
    HubStats s = hub.stats();
    try (SseTestClient first = opened("")) {
      try (SseTestClient refused = SseTestClient.open(server.uri("/api/maravilla/ren"))) {
        assertTrue(refused.awaitEnd(WAIT));
      }
      assertEquals(2, s.streamsOpened());
      assertEquals(1, s.streamsClosed(StreamCloseReason.MAX_STREAMS));
      assertEquals(1, s.streamsActive());
    }
  }

  @Test
  void stats_readerOverrunByTheRing_countedSlowConsumer() throws Exception {
    start(RenHub.builder().capacity(8).build(),
        RenServletConfig.builder().maxUnsentBytes(1 << 30).heartbeat(Duration.ofMillis(100)).build());
    HubStats s = hub.stats();
    try (Socket stalled = new Socket("127.0.0.1", server.port())) {
      stalled.setReceiveBufferSize(4096);
      stalled.getOutputStream().write("GET /api/maravilla/ren HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      Waits.until(() -> servlet.activeStreams() == 1);
      String pad = "y".repeat(4000);
      for (int i = 0; i < 2000 && servlet.activeStreams() == 1; i++) {
        hub.publish(RenEvent.builder("kv.put").namespace("d").key("k" + i).data(TextNode.valueOf(pad)).build());
      }
      Waits.until(() -> s.streamsClosed(StreamCloseReason.SLOW_CONSUMER) == 1);
      assertEquals(0, s.streamsActive());
    }
  }

  @Test
  void stats_unreadBytesOverTheLimit_countedSlowConsumer() throws Exception {
    start(RenHub.create(), RenServletConfig.builder().maxUnsentBytes(64 << 10).heartbeat(Duration.ofMillis(100))
        .build());
    HubStats s = hub.stats();
    try (Socket stalled = new Socket("127.0.0.1", server.port())) {
      stalled.setReceiveBufferSize(4096);
      stalled.getOutputStream().write("GET /api/maravilla/ren HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      Waits.until(() -> servlet.activeStreams() == 1);
      String pad = "z".repeat(1000);
      // more than socket buffers hold, paced so the writer sees the lag grow while the socket is full
      for (int i = 0; i < 20_000 && servlet.activeStreams() == 1; i++) {
        hub.publish(RenEvent.builder("kv.put").namespace("d").key("k" + i).data(TextNode.valueOf(pad)).build());
        if (i % 100 == 99) {
          Thread.sleep(1);
        }
      }
      Waits.until(() -> s.streamsClosed(StreamCloseReason.SLOW_CONSUMER) == 1);
    }
  }

  @Test
  void stats_streamTokenExpires_countedTokenExpired() throws Exception {
    ManualClock clock = new ManualClock(System.currentTimeMillis());
    TestTokens tokens = new TestTokens(clock);
    RenSecurity sec = RenSecurity.builder(AccessRules.builder().read("kv", "*", "reader").build()).clock(clock)
        .tokens(tokens).authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens), TestUsers.byHeader()))
        .build();
    start(RenHub.create(), RenServletConfig.builder().security(sec).build());
    String token = tokens.mint(TokenClaims.access(TestUsers.ALICE, clock.instant().plusMillis(300)));
    try (SseTestClient c = opened("?s=kv&token=" + enc(token))) {
      assertTrue(c.awaitEnd(WAIT));
    }
    Waits.until(() -> hub.stats().streamsClosed(StreamCloseReason.TOKEN_EXPIRED) == 1);
    assertEquals(1, hub.stats().streamsClosed());
  }

  @Test
  void stats_eventsPublished_countedByDomainAndDeliveredPerStream() throws Exception {
    start(RenHub.create(), RenServletConfig.defaults());
    HubStats s = hub.stats();
    try (SseTestClient a = opened("?s=*"); SseTestClient b = opened("?s=kv")) {
      hub.publish(RenEvent.kvPut("demo", "k1", "1"));
      hub.publish(RenEvent.kvPut("demo", "k2", "1"));
      hub.publish(RenEvent.kvDelete("demo", "k1"));
      hub.publish(RenEvent.builder("db.document.created").namespace("todos").key("d1").version("1")
          .build());
      hub.publish(RenEvent.builder("chat.said").key("x").build());
      for (int i = 0; i < 5; i++) {
        a.next(WAIT);
      }
      for (int i = 0; i < 3; i++) {
        b.next(WAIT);
      }
      assertEquals(3, s.eventsPublished(EventDomain.KV));
      assertEquals(1, s.eventsPublished(EventDomain.DB));
      assertEquals(1, s.eventsPublished(EventDomain.OTHER));
      assertEquals(0, s.eventsPublished(EventDomain.STORAGE));
      assertEquals(5, s.eventsPublished());
      Waits.until(() -> s.eventsDelivered() == 8);
      assertEquals(0, s.replayEvents());
      assertEquals(5, s.logAppends());
      assertTrue(s.logAppendTime(TimeUnit.NANOSECONDS) > 0);
    }
  }

  @Test
  void stats_resumeWithLastEventId_countsReplayedEventsAndResets() throws Exception {
    start(RenHub.create(), RenServletConfig.defaults());
    HubStats s = hub.stats();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(hub.publish(RenEvent.kvPut("demo", "k" + i, "1")));
    }
    try (SseTestClient resumed = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"),
        java.util.Map.of("Last-Event-ID", ids.get(1)))) {
      resumed.next("ren.meta", WAIT);
      for (int i = 2; i < 5; i++) {
        assertEquals(ids.get(i), resumed.next(WAIT).id());
      }
      Waits.until(() -> s.replayEvents() == 3);
      hub.publish(RenEvent.kvPut("demo", "live", "1"));
      resumed.next(WAIT);
      Waits.until(() -> s.eventsDelivered() == 4);
      assertEquals(3, s.replayEvents(), "a live event is no replay");
      assertEquals(0, s.replayResets());
    }
    try (SseTestClient unknown = opened("?s=kv&lastEventId=" + enc("not-an-id"))) {
      assertEquals(1, s.replayResets());
    }
  }
}
