package dev.ren.servlet.realtime;

import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Presence held by an SSE stream follows its socket: streams whose client id holds a member are probed every 2 s
 * (a bare {@code :} comment line), so a socket the browser closed fails a write within two probes and the member
 * leaves one grace period later, on the real clock; a stream that holds no presence gets no probe at all. The
 * heartbeat is set to a minute here, so only the probe can notice the close.
 */
class SsePresenceProbeTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final Duration GRACE = Duration.ofMillis(500);
  /** What the probe promises: a closed socket is noticed within 5 s (two probes of 2 s and the failed write). */
  static final Duration NOTICED = Duration.ofSeconds(5);

  final HttpClient http = HttpClient.newHttpClient();
  final List<SseTestClient> clients = new ArrayList<>();
  RenHub hub;
  Realtime realtime;
  JettyTestServer server;

  /** A stream with a heartbeat of a minute (so only probes write to an idle stream) and the given probe interval. */
  void start(@Nullable Duration probe) {
    hub = RenHub.create();
    realtime = Realtime.builder(hub).gracePeriod(GRACE).build();
    RenServletConfig.Builder config = RenServletConfig.builder().heartbeat(Duration.ofMinutes(1));
    if (probe != null) {
      config.presenceProbe(probe);
    }
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub, config.build()))
        .servlet(RealtimeServlet.PATH, new RealtimeServlet(realtime))
        .start();
  }

  @AfterEach
  void stop() {
    clients.forEach(SseTestClient::close);
    if (server != null) {
      server.close();
    }
    if (realtime != null) {
      realtime.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  @Test
  void closedSocketOfStreamHoldingPresence_probeNoticesIt_leaveWithinFiveSecondsPlusGrace() throws Exception {
    start(null); // the default probe interval, 2 s
    SseTestClient observer = sse("?s=presence:room-1");
    SseTestClient tab = sse("?s=realtime:room-1&cid=tab1");
    join("room-1", "alice", "tab1");
    assertEquals("presence.join", observer.next(WAIT).type());
    assertTrue(hub.isClientHeld("tab1"), "the member's client id is marked for probing");
    Waits.atMost(WAIT).alias("probes reach the stream that holds presence").until(() -> tab.comments() >= 2);

    long closedAt = System.nanoTime();
    tab.closeSocket(); // FIN, as a closing tab: the first write after it still succeeds
    SseTestClient.Event leave = observer.next("presence.leave", NOTICED.plus(GRACE));
    long elapsedMs = (System.nanoTime() - closedAt) / 1_000_000;

    assertEquals("alice", leave.json().get("uid").asText());
    assertTrue(elapsedMs <= NOTICED.plus(GRACE).toMillis(), "presence.leave after " + elapsedMs + " ms");
    assertEquals(0, observer.comments(), "a stream that holds no presence is never probed");
    assertFalse(hub.isClientHeld("tab1"), "the member left: its client id is no longer probed");
    assertFalse(hub.anyClientHeld());
  }

  @Test
  void memberLeavesOverHttp_probesStop() throws Exception {
    start(Duration.ofMillis(100));
    SseTestClient tab = sse("?s=realtime:room-1&cid=tab2");
    join("room-1", "bob", "tab2");
    join("room-2", "bob", "tab2");
    Waits.atMost(WAIT).alias("probes while bob is present").until(() -> tab.comments() >= 3);

    leave("room-1", "bob", "tab2");
    assertTrue(hub.isClientHeld("tab2"), "still present on room-2");
    leave("room-2", "bob", "tab2");
    assertFalse(hub.isClientHeld("tab2"));
    // a probe already due may still be written: let it land, then ten intervals pass without one
    Thread.sleep(300);
    int probes = tab.comments();
    Thread.sleep(1_000);
    assertEquals(probes, tab.comments(), "no probe once the client holds nothing");
  }

  private SseTestClient sse(String query) throws Exception {
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren" + query));
    clients.add(c);
    assertEquals(200, c.status());
    c.next("ren.meta", WAIT);
    return c;
  }

  private void join(String channel, String user, String cid) throws Exception {
    post("presence/" + channel + "/join", "{\"userId\":\"" + user + "\"}", cid);
  }

  private void leave(String channel, String user, String cid) throws Exception {
    post("presence/" + channel + "/leave", "{\"userId\":\"" + user + "\"}", cid);
  }

  private void post(String path, String body, @Nullable String clientId) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(server.uri("/api/realtime/" + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (clientId != null) {
      r.header("X-Ren-Client", clientId);
    }
    HttpResponse<String> res = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, res.statusCode(), res.body());
    TestJson.parse(res.body());
  }
}
