package dev.ren.servlet.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventLogUnavailableException;
import dev.ren.RenPublisher;
import dev.ren.hub.ClientListener;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Realtime and presence end to end: HTTP requests through {@link RealtimeServlet}, events read back over real SSE
 * sockets from {@link RenServlet}, clients killed by dropping their socket.
 */
class RealtimeServletTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final Duration GRACE = Duration.ofSeconds(10);

  final HttpClient http = HttpClient.newHttpClient();
  final List<SseTestClient> clients = new ArrayList<>();
  RenHub hub;
  Realtime realtime;
  JettyTestServer server;
  ManualClock clock;
  /** Disconnects per client id, counted by a hub listener registered after presence's own. */
  final ConcurrentHashMap<String, Integer> disconnects = new ConcurrentHashMap<>();

  /** A server whose realtime publishes to the hub and expires presence on a manual clock (deterministic grace). */
  void start() {
    start(null);
  }

  /** The same, publishing to {@code publisher} instead of the hub (null: the hub). */
  void start(@Nullable RenPublisher publisher) {
    hub = RenHub.create();
    clock = new ManualClock(1_700_000_000_000L);
    realtime = (publisher == null ? Realtime.builder(hub) : Realtime.builder(publisher, hub))
        .history("room-*", 50).maxPayloadBytes(4096).clock(clock).gracePeriod(GRACE).build();
    // listeners run in registration order on the closing thread: once this one has counted a disconnect,
    // presence has already started that client's grace period
    hub.addClientListener(new ClientListener() {
      @Override
      public void clientConnected(String clientId) {}

      @Override
      public void clientDisconnected(String clientId) {
        disconnects.merge(clientId, 1, Integer::sum);
      }
    });
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open()).filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*",
            new RenServlet(hub, RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build()))
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

  SseTestClient sse(String query) throws Exception {
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren" + query));
    clients.add(c);
    assertEquals(200, c.status());
    c.next("ren.meta", WAIT);
    return c;
  }

  HttpResponse<String> post(String path, String body, @Nullable String clientId) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(server.uri("/api/realtime/" + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (clientId != null) {
      r.header("X-Ren-Client", clientId);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(server.uri("/api/realtime/" + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) {
    return TestJson.parse(r.body());
  }

  static JsonNode ok(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return json(r);
  }

  /** Events the observer got before a marker message published now (the hub delivers in order). */
  List<SseTestClient.Event> eventsBeforeMarker(SseTestClient observer) throws Exception {
    realtime.publish("marker", null, null);
    List<SseTestClient.Event> seen = new ArrayList<>();
    while (true) {
      SseTestClient.Event e = observer.next(WAIT);
      if (e.type().equals("realtime.message") && e.json().get("ch").asText().equals("marker")) {
        return seen;
      }
      seen.add(e);
    }
  }

  /**
   * Kills a client's socket and waits until the server has noticed (its heartbeat write fails) and presence has
   * handled the disconnect. The hub forgets the client before it calls its listeners, so waiting for
   * {@code !isClientConnected} alone let a test move the manual clock before presence recorded the disconnect.
   */
  void killAndAwaitDisconnect(SseTestClient c, String clientId) {
    int before = disconnects.getOrDefault(clientId, 0);
    c.kill();
    awaitTrue(() -> !hub.isClientConnected(clientId), "server notices the dead socket of " + clientId);
    awaitTrue(() -> disconnects.getOrDefault(clientId, 0) > before, "presence handles the disconnect of " + clientId);
  }

  static void awaitTrue(Callable<Boolean> condition, String what) {
    Waits.atMost(WAIT).alias(what).until(condition);
  }

  void advancePastGraceAndSweep() {
    clock.advance(GRACE);
    realtime.sweep();
  }

  // ---------------------------------------------------------------- messages

  @Test
  void publish_overHttp_deliveredOverSseOnlyToMatchingChannelFilter() throws Exception {
    start();
    SseTestClient room1 = sse("?s=realtime:room-1");
    ok(post("publish", "{\"channel\":\"room-2\",\"data\":{\"n\":0}}", null));
    JsonNode r = ok(post("publish", "{\"channel\":\"room-1\",\"data\":{\"text\":\"hi\"},\"userId\":\"alice\"}", "c2"));
    assertTrue(r.get("success").asBoolean());
    assertEquals(1, r.get("seq").asLong());

    SseTestClient.Event e = room1.next(WAIT);
    assertEquals("realtime.message", e.type());
    assertEquals(r.get("id").asText(), e.id());
    JsonNode j = e.json();
    assertEquals("room-1", j.get("ch").asText(), "room-2 filtered out");
    assertEquals(TestJson.parse("{\"text\":\"hi\"}"), j.get("data"));
    assertEquals("alice", j.get("uid").asText());
    assertEquals("c2", j.get("src").asText());
    assertEquals("1", j.get("v").asText());

    JsonNode channels = ok(get("channels"));
    assertEquals(TestJson.parse("[\"room-1\",\"room-2\"]"), channels.get("channels"));
  }

  @Test
  void history_lateJoiner_catchesUpOverHttp() throws Exception {
    start();
    for (int i = 1; i <= 4; i++) {
      ok(post("publish", "{\"channel\":\"room-1\",\"data\":" + i + ",\"userId\":\"u\"}", "c1"));
    }
    JsonNode h = ok(get("history/room-1?after=2&limit=10"));
    assertEquals(2, h.get("messages").size());
    JsonNode first = h.get("messages").get(0);
    assertEquals(3, first.get("seq").asLong());
    assertEquals(3, first.get("data").asInt());
    assertEquals("u", first.get("userId").asText());
    assertEquals("c1", first.get("src").asText());
    assertTrue(first.get("ts").asLong() > 0);
    assertTrue(first.hasNonNull("id"));
    assertEquals(4, h.get("lastSeq").asLong());
    assertFalse(h.get("truncated").asBoolean());

    JsonNode page = ok(get("history/room-1?limit=1"));
    assertEquals(1, page.get("messages").get(0).get("seq").asLong());
    assertEquals(0, ok(get("history/room-9")).get("messages").size());
  }

  // ---------------------------------------------------------------- presence

  @Test
  void presence_joinUpdateLeaveOverHttp_eventsOverSse() throws Exception {
    start();
    SseTestClient observer = sse("?s=presence:room-1,realtime:marker");
    assertTrue(ok(post("presence/room-1/join", "{\"userId\":\"alice\",\"metadata\":{\"s\":\"idle\"}}", "c1"))
        .get("isNew").asBoolean());
    assertFalse(ok(post("presence/room-1/join", "{\"userId\":\"alice\",\"metadata\":{\"s\":\"idle\"}}", "c1"))
        .get("isNew").asBoolean());
    ok(post("presence/room-2/join", "{\"userId\":\"bob\"}", "c1"));
    assertTrue(ok(post("presence/room-1/update", "{\"userId\":\"alice\",\"metadata\":{\"s\":\"typing\"}}", "c1"))
        .get("updated").asBoolean());

    JsonNode members = ok(get("presence/room-1")).get("members");
    assertEquals(1, members.size());
    assertEquals("alice", members.get(0).get("userId").asText());
    assertEquals(TestJson.parse("{\"s\":\"typing\"}"), members.get(0).get("metadata"));
    assertTrue(members.get(0).get("lastSeen").asLong() > 0);

    assertTrue(ok(post("presence/room-1/leave", "{\"userId\":\"alice\"}", "c1")).get("wasPresent").asBoolean());
    assertFalse(ok(post("presence/room-1/leave", "{\"userId\":\"alice\"}", "c1")).get("wasPresent").asBoolean());

    List<SseTestClient.Event> events = eventsBeforeMarker(observer);
    assertEquals(List.of("presence.join", "presence.update", "presence.leave"),
        events.stream().map(SseTestClient.Event::type).toList(), "room-2 filtered out; identical join silent");
    JsonNode join = events.get(0).json();
    assertEquals("room-1", join.get("ch").asText());
    assertEquals("alice", join.get("uid").asText());
    assertEquals("c1", join.get("src").asText());
    assertEquals(TestJson.parse("{\"s\":\"idle\"}"), join.get("data"));
    assertEquals(0, ok(get("presence/room-1")).get("members").size());
  }

  @Test
  void presence_killedSseSocket_leaveAfterGraceWithoutSrc() throws Exception {
    start();
    SseTestClient observer = sse("?s=presence:room-1");
    SseTestClient tab = sse("?s=realtime:room-1&cid=tab1");
    ok(post("presence/room-1/join", "{\"userId\":\"alice\"}", "tab1"));
    assertEquals("presence.join", observer.next(WAIT).type());

    killAndAwaitDisconnect(tab, "tab1");
    advancePastGraceAndSweep();
    SseTestClient.Event leave = observer.next("presence.leave", WAIT);
    JsonNode j = leave.json();
    assertEquals("alice", j.get("uid").asText());
    assertFalse(j.has("src"), "expiry is system-caused");
    assertEquals(0, ok(get("presence/room-1")).get("members").size());
    assertFalse(ok(get("channels")).get("channels").toString().contains("room-1"));
  }

  @Test
  void presence_clientReconnectsWithinGrace_noLeaveNoFlapping() throws Exception {
    start();
    SseTestClient observer = sse("?s=presence:room-1,realtime:marker");
    SseTestClient tab = sse("?cid=tab1");
    ok(post("presence/room-1/join", "{\"userId\":\"alice\"}", "tab1"));

    killAndAwaitDisconnect(tab, "tab1");
    clock.advance(GRACE.minusSeconds(1));
    realtime.sweep();
    SseTestClient back = sse("?cid=tab1");
    advancePastGraceAndSweep();
    advancePastGraceAndSweep();

    assertEquals(List.of("presence.join"),
        eventsBeforeMarker(observer).stream().map(SseTestClient.Event::type).toList());
    assertEquals(1, ok(get("presence/room-1")).get("members").size());

    killAndAwaitDisconnect(back, "tab1");
    advancePastGraceAndSweep();
    assertEquals("presence.leave", observer.next("presence.leave", WAIT).type());
  }

  @Test
  void presence_userWithTwoConnections_leavesOnlyWhenLastStreamDies() throws Exception {
    start();
    SseTestClient observer = sse("?s=presence:room-1,realtime:marker");
    SseTestClient tab1 = sse("?cid=tab1");
    SseTestClient tab2 = sse("?cid=tab2");
    assertTrue(ok(post("presence/room-1/join", "{\"userId\":\"alice\"}", "tab1")).get("isNew").asBoolean());
    assertFalse(ok(post("presence/room-1/join", "{\"userId\":\"alice\"}", "tab2")).get("isNew").asBoolean());

    killAndAwaitDisconnect(tab1, "tab1");
    advancePastGraceAndSweep();
    assertEquals(List.of("presence.join"),
        eventsBeforeMarker(observer).stream().map(SseTestClient.Event::type).toList());
    assertEquals(1, ok(get("presence/room-1")).get("members").size());

    killAndAwaitDisconnect(tab2, "tab2");
    advancePastGraceAndSweep();
    assertEquals(List.of("presence.leave"),
        eventsBeforeMarker(observer).stream().map(SseTestClient.Event::type).toList());
  }

  @Test
  void presence_oneClientTwoStreams_keptWhileEitherLives() throws Exception {
    start();
    SseTestClient observer = sse("?s=presence:room-1,realtime:marker");
    SseTestClient a = sse("?cid=tab1");
    SseTestClient b = sse("?cid=tab1");
    ok(post("presence/room-1/join", "{\"userId\":\"alice\"}", "tab1"));
    a.kill();
    awaitTrue(() -> hub.subscriberCount() == 2, "first stream of tab1 cleaned up");
    advancePastGraceAndSweep();
    assertEquals(List.of("presence.join"),
        eventsBeforeMarker(observer).stream().map(SseTestClient.Event::type).toList());
    killAndAwaitDisconnect(b, "tab1");
    advancePastGraceAndSweep();
    assertEquals("presence.leave", observer.next("presence.leave", WAIT).type());
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void badInput_rejectedWithJson4xxAndNothingEmitted() throws Exception {
    start();
    SseTestClient observer = sse("?s=realtime,presence");
    String big = "\"" + "x".repeat(5000) + "\"";
    Object[][] cases = {
        {"POST", "publish", "{\"data\":1}", 400},
        {"POST", "publish", "{\"channel\":\"bad channel\",\"data\":1}", 400},
        {"POST", "publish", "{\"channel\":\"a/b\",\"data\":1}", 400},
        {"POST", "publish", "{\"channel\":7,\"data\":1}", 400},
        {"POST", "publish", "{\"channel\":\"c\",\"userId\":5}", 400},
        {"POST", "publish", "{\"channel\":\"c\",\"data\":" + big + "}", 413},
        {"POST", "publish", "not json", 400},
        {"POST", "publish", "[1,2]", 400},
        {"POST", "publish", "", 400},
        {"POST", "presence/room-1/join", "{\"metadata\":{}}", 400},
        {"POST", "presence/room-1/join", "{\"userId\":\"\"}", 400},
        {"POST", "presence/room-1/join", "{\"userId\":\"u\",\"metadata\":" + big + "}", 413},
        {"POST", "presence/bad%20ch/join", "{\"userId\":\"u\"}", 400},
        {"POST", "presence/" + "x".repeat(129) + "/join", "{\"userId\":\"u\"}", 400},
        {"POST", "presence/room-1/update", "{\"userId\":\"ghost\"}", 404},
        {"POST", "presence/room-1/leave", "{}", 400},
        {"POST", "presence/room-1/kick", "{\"userId\":\"u\"}", 404},
        {"POST", "nope", "{}", 404},
        {"GET", "history/room-1?limit=0", null, 400},
        {"GET", "history/room-1?limit=1001", null, 400},
        {"GET", "history/room-1?after=-1", null, 400},
        {"GET", "history/room-1?after=abc", null, 400},
        {"GET", "history/chat", null, 404},
        {"GET", "history/a%2Fb", null, 400},
        {"GET", "presence/bad%20ch", null, 400},
        {"GET", "publish", null, 405},
        {"GET", "nope", null, 404},
        {"GET", "", null, 404},
    };
    for (Object[] c : cases) {
      HttpResponse<String> r = c[0].equals("POST")
          ? post((String) c[1], (String) c[2], "c1")
          : get((String) c[1]);
      String what = c[0] + " " + c[1] + " " + c[2];
      assertEquals(c[3], r.statusCode(), what + " -> " + r.body());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
          what + " -> " + r.body());
      JsonNode err = json(r);
      assertTrue(err.hasNonNull("error") && err.hasNonNull("message"), what + " -> " + r.body());
    }
    assertTrue(eventsBeforeMarker(observer).isEmpty(), "bad input emits nothing");
    assertEquals(TestJson.parse("[\"marker\"]"), ok(get("channels")).get("channels"));
  }

  // ---------------------------------------------------------------- applied but not published

  @Test
  void publisherDown_publishAndPresence_503AppliedAndChangesKept() throws Exception {
    RecordingPublisher publisher = new RecordingPublisher();
    start(publisher);
    publisher.failWith(new EventLogUnavailableException("event log unreachable"));
    List<String[]> changes = List.of(
        new String[] {"publish", "{\"channel\":\"room-1\",\"data\":{\"n\":1},\"userId\":\"alice\"}"},
        new String[] {"presence/room-1/join", "{\"userId\":\"alice\",\"metadata\":{\"s\":1}}"},
        new String[] {"presence/room-1/update", "{\"userId\":\"alice\",\"metadata\":{\"s\":2}}"},
        new String[] {"presence/room-2/join", "{\"userId\":\"bob\"}"},
        new String[] {"presence/room-2/leave", "{\"userId\":\"bob\"}"});
    for (String[] c : changes) {
      HttpResponse<String> r = post(c[0], c[1], "c1");
      assertEquals(503, r.statusCode(), c[0] + " -> " + r.body());
      JsonNode err = json(r);
      assertEquals("not_published", err.get("error").asText(), r.body());
      assertTrue(err.get("applied").asBoolean(), r.body());
    }
    assertTrue(publisher.events().isEmpty());

    JsonNode history = ok(get("history/room-1"));
    assertEquals(1, history.get("lastSeq").asLong(), "the message was recorded");
    JsonNode m = history.get("messages").get(0);
    assertEquals(1, m.get("data").get("n").asInt());
    assertFalse(m.has("id"), "it has no event id: " + m);
    JsonNode members = ok(get("presence/room-1")).get("members");
    assertEquals(1, members.size(), "alice joined");
    assertEquals(TestJson.parse("{\"s\":2}"), members.get(0).get("metadata"), "and changed");
    assertEquals(0, ok(get("presence/room-2")).get("members").size(), "bob joined and left");

    publisher.failWith(null);
    assertEquals(2, ok(post("publish", "{\"channel\":\"room-1\",\"data\":2}", "c1")).get("seq").asLong());
    assertEquals("realtime.message", publisher.last().t());
  }
}
