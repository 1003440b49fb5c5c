package dev.ren.websocket.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.access.AccessPolicy;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.servlet.realtime.RealtimeCalls;
import dev.ren.servlet.realtime.RealtimeServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TokenClaims;
import dev.ren.testing.SseTestClient;
import dev.ren.tokens.JwtTokens;
import jakarta.servlet.Servlet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WebSocket transport against the real hub, realtime, SSE stream and HTTP binding, over real sockets; run on
 * Jetty and on Tomcat by the subclasses.
 */
abstract class RealtimeWebSocketContract {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final RenAuthenticator HEADERS = req -> {
    String user = req.getHeader("X-Test-User");
    return user == null ? null : RenCaller.user(user, Set.of(), null);
  };

  final HttpClient http = HttpClient.newHttpClient();
  RenHub hub;
  Realtime realtime;
  // history kept 300 ms after the last message: an idle channel is dropped and its sequence starts over at 1
  Realtime shortLived;
  RenSecurity security;
  JwtTokens tokens;
  RealtimeWebSocketServlet ws;
  RealtimeWebSocketServlet shortPing;
  final List<AutoCloseable> open = new ArrayList<>();

  /** Starts a server with the WebSocket container installed and these servlets; returns its base URI. */
  abstract URI start(Map<String, Servlet> servlets, RenSecurity security) throws Exception;

  abstract void stop() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    hub = RenHub.create();
    realtime = Realtime.builder(hub).history("hist-*", 1000).history("private-*", 10).build();
    tokens = JwtTokens.randomKey();
    security = RenSecurity.builder(AccessPolicy.open())
        .authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens), HEADERS)).tokens(tokens).build();
    RealtimeCalls calls = new RealtimeCalls(realtime, security, new RealtimeServlet.PublishRate(10_000, 10_000));
    ws = RealtimeWebSocketServlet.builder(hub, calls).maxFrameBytes(4096).maxQueueBytes(64 << 10).build();
    shortPing = RealtimeWebSocketServlet.builder(hub, calls).pingTimeout(Duration.ofMillis(300)).build();
    Map<String, Servlet> servlets = new LinkedHashMap<>();
    servlets.put("/api/maravilla/ren/*", new RenServlet(hub, RenServletConfig.builder()
        .heartbeat(Duration.ofMillis(200)).build()));
    servlets.put(RealtimeServlet.PATH, new RealtimeServlet(calls));
    servlets.put(RealtimeWebSocketServlet.PATH, ws);
    servlets.put("/_rt/ws-short", shortPing);
    shortLived = Realtime.builder(hub).history("hist-*", 1000).historyRetention(Duration.ofMillis(300)).build();
    servlets.put("/_rt/ws-short-lived", RealtimeWebSocketServlet.builder(hub,
        new RealtimeCalls(shortLived, security, RealtimeServlet.PublishRate.DEFAULT)).build());
    RealtimeCalls slowRate = new RealtimeCalls(realtime, security, new RealtimeServlet.PublishRate(0.01, 2));
    servlets.put("/_rt/ws-rate", RealtimeWebSocketServlet.builder(hub, slowRate).build());
    base = start(servlets, security);
  }

  URI base;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing what a test left open
      }
    }
    stop();
    shortLived.close();
    realtime.close();
    hub.close();
  }

  WsTestClient client(String cid) {
    return client("/_rt/ws", cid, Map.of());
  }

  WsTestClient client(String path, String cid, Map<String, String> headers) {
    WsTestClient c = WsTestClient.open(URI.create("ws://127.0.0.1:" + base.getPort() + path + "?cid=" + cid),
        headers);
    open.add(c);
    return c;
  }

  SseTestClient stream(String filter, String cid) throws Exception {
    SseTestClient c = SseTestClient.open(base.resolve("/api/maravilla/ren?s=" + filter + "&cid=" + cid));
    open.add(c);
    assertEquals(200, c.status());
    c.next("ren.meta", WAIT);
    return c;
  }

  HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve("/api/realtime/" + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static void subscribe(WsTestClient c, String channel, String extra) throws InterruptedException {
    c.send("{\"action\":\"subscribe\",\"channel\":\"" + channel + "\"" + extra + "}");
    JsonNode ack = c.next(m -> m.path("event").asText().equals("subscribed") || m.path("event").asText()
        .equals("error"), WAIT);
    assertEquals("subscribed", ack.path("event").asText(), ack.toString());
  }

  @Test
  void httpPublish_subscribedWebSocket_receivesMessage() throws Exception {
    WsTestClient c = client("c1");
    subscribe(c, "room-1", "");
    HttpResponse<String> r = post("publish", "{\"channel\":\"room-1\",\"data\":{\"text\":\"hi\"},\"userId\":\"bob\"}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode m = c.next("message", WAIT);
    assertEquals("room-1", m.path("channel").asText());
    assertEquals("hi", m.path("data").path("text").asText());
    assertEquals("bob", m.path("userId").asText());
    assertTrue(m.path("ts").asLong() > 0);
  }

  @Test
  void webSocketPublish_sseStream_receivesRealtimeMessage() throws Exception {
    SseTestClient sse = stream("realtime:room-2", "s1");
    WsTestClient c = client("c2");
    c.send("{\"action\":\"publish\",\"channel\":\"room-2\",\"data\":[1,2,3]}");
    SseTestClient.Event e = sse.next("realtime.message", WAIT);
    JsonNode j = e.json();
    assertEquals("room-2", j.path("ch").asText());
    assertEquals("[1,2,3]", j.path("data").toString());
    assertEquals("c2", j.path("src").asText());
  }

  @Test
  void presence_joinedOnEitherTransport_reachesTheOther() throws Exception {
    SseTestClient sse = stream("presence:room-3", "s2");
    WsTestClient c = client("c3");
    subscribe(c, "room-3", "");
    c.send("{\"action\":\"presence:join\",\"channel\":\"room-3\",\"userId\":\"alice\",\"metadata\":{\"n\":1}}");
    JsonNode joinJson = sse.next("presence.join", WAIT).json();
    assertEquals("alice", joinJson.path("uid").asText());
    assertEquals(1, joinJson.path("data").path("n").asInt());
    c.next("presence:join", WAIT); // its own join, too

    HttpResponse<String> r = post("presence/room-3/join", "{\"userId\":\"bob\",\"metadata\":{\"n\":2}}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode m = c.next("presence:join", WAIT);
    assertEquals("bob", m.path("userId").asText());
    assertEquals(2, m.path("metadata").path("n").asInt());

    c.send("{\"action\":\"presence:update\",\"channel\":\"room-3\",\"userId\":\"alice\",\"metadata\":{\"n\":3}}");
    assertEquals(3, sse.next("presence.update", WAIT).json().path("data").path("n").asInt());
    c.send("{\"action\":\"presence:leave\",\"channel\":\"room-3\"}");
    assertEquals("alice", sse.next("presence.leave", WAIT).json().path("uid").asText());
  }

  @Test
  void subscribeWithLastEventId_whilePublishing_noGapNoDuplicate() throws Exception {
    for (int i = 1; i <= 50; i++) {
      realtime.publish("hist-1", WsTestClient.JSON.getNodeFactory().numberNode(i), null);
    }
    Thread publisher = new Thread(() -> {
      for (int i = 51; i <= 300; i++) {
        realtime.publish("hist-1", WsTestClient.JSON.getNodeFactory().numberNode(i), null);
      }
    });
    WsTestClient c = client("c4");
    publisher.start();
    c.send("{\"action\":\"subscribe\",\"channel\":\"hist-1\",\"lastEventId\":20}");
    publisher.join();
    List<Long> seqs = new ArrayList<>();
    while (seqs.isEmpty() || seqs.get(seqs.size() - 1) < 300) {
      JsonNode m = c.next("message", WAIT);
      seqs.add(m.path("seq").asLong());
      assertEquals(m.path("seq").asLong(), m.path("data").asLong());
    }
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(21 + i, seqs.get(i), "sequence without gap or duplicate: " + seqs);
    }
    assertNull(c.poll(m -> m.path("event").asText().equals("message"), Duration.ofMillis(200)));
  }

  @Test
  void privateChannel_withoutToken_refusedAndWithToken_subscribed() throws Exception {
    WsTestClient anon = client("c5");
    anon.send("{\"action\":\"subscribe\",\"channel\":\"private-x\"}");
    JsonNode err = anon.next("error", WAIT);
    assertEquals("unauthorized", err.path("code").asText());
    assertEquals("subscribe", err.path("action").asText());

    WsTestClient alice = client("/_rt/ws", "c6", Map.of("X-Test-User", "alice"));
    alice.send("{\"action\":\"subscribe\",\"channel\":\"private-x\"}");
    assertEquals("unauthorized", alice.next("error", WAIT).path("code").asText());
    RenCaller a = RenCaller.user("alice", Set.of(), null);
    String token = security.mintChannelToken(a, "private-x", Set.of(TokenClaims.SUBSCRIBE), Duration.ofMinutes(5));
    subscribe(alice, "private-x", ",\"token\":\"" + token + "\"");
    realtime.publish("private-x", WsTestClient.JSON.getNodeFactory().textNode("secret"), null);
    assertEquals("secret", alice.next("message", WAIT).path("data").asText());
    // the anonymous connection was never subscribed: the message did not reach it
    anon.send("{\"action\":\"ping\"}");
    JsonNode next = anon.next(m -> !m.path("event").asText().equals("error"), WAIT);
    assertEquals("pong", next.path("event").asText());
  }

  @Test
  void oversizedFrame_tooLargeError_connectionStays() throws Exception {
    WsTestClient c = client("c7");
    c.send("{\"action\":\"publish\",\"channel\":\"room-7\",\"data\":\"" + "x".repeat(5000) + "\"}");
    JsonNode err = c.next("error", WAIT);
    assertEquals("too_large", err.path("code").asText());
    c.send("{\"action\":\"ping\"}");
    c.next("pong", WAIT);
    c.send("not json");
    assertEquals("bad_request", c.next("error", WAIT).path("code").asText());
  }

  @Test
  void slowConsumer_queueOverBound_connectionCut() throws Exception {
    WsTestClient fast = client("c8");
    subscribe(fast, "room-8", "");
    WsTestClient slow = WsTestClient.openNotReading(URI.create("ws://127.0.0.1:" + base.getPort()
        + "/_rt/ws?cid=c9"));
    open.add(slow);
    slow.send("{\"action\":\"subscribe\",\"channel\":\"room-8\"}");
    waitFor(() -> ws.connectionCount() == 2, "both connected");
    String big = "y".repeat(16 << 10);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int sent = 0;
    while (ws.connectionCount() == 2 && System.nanoTime() < deadline) {
      realtime.publish("room-8", WsTestClient.JSON.getNodeFactory().textNode(big + sent), null);
      String expect = big + sent;
      fast.next(m -> expect.equals(m.path("data").asText()), WAIT); // this reader keeps up, paced by it
      sent++;
    }
    waitFor(() -> ws.connectionCount() == 1, "the slow connection cut after " + sent + " messages");
    // the reader that keeps up is still served
    fast.drain();
    realtime.publish("room-8", WsTestClient.JSON.getNodeFactory().textNode("after"), null);
    fast.next(m -> "after".equals(m.path("data").asText()), WAIT);
    slow.readAll();
    assertTrue(slow.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS) != 0);
  }

  @Test
  void socketClosed_presenceLeavesWithinOneSecond() throws Exception {
    SseTestClient sse = stream("presence:room-9", "s3");
    WsTestClient c = client("c10");
    c.send("{\"action\":\"presence:join\",\"channel\":\"room-9\",\"userId\":\"carol\",\"metadata\":{}}");
    sse.next("presence.join", WAIT);
    long t0 = System.nanoTime();
    c.ws.sendClose(1000, "bye").join();
    sse.next("presence.leave", WAIT);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(ms < 1000, "left after " + ms + " ms");

    WsTestClient d = client("c11");
    d.send("{\"action\":\"presence:join\",\"channel\":\"room-9\",\"userId\":\"dave\",\"metadata\":{}}");
    sse.next("presence.join", WAIT);
    t0 = System.nanoTime();
    d.ws.abort(); // TCP close, no close frame
    assertEquals("dave", sse.next("presence.leave", WAIT).json().path("uid").asText());
    ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(ms < 1000, "left after " + ms + " ms");
  }

  @Test
  void noPing_pastTimeout_closedAndPresenceLeaves() throws Exception {
    SseTestClient sse = stream("presence:room-10", "s4");
    WsTestClient c = client("/_rt/ws-short", "c12", Map.of());
    c.send("{\"action\":\"presence:join\",\"channel\":\"room-10\",\"userId\":\"erin\",\"metadata\":{}}");
    sse.next("presence.join", WAIT);
    assertEquals("erin", sse.next("presence.leave", WAIT).json().path("uid").asText());
    assertEquals(1008, c.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void pings_keepConnectionPastTimeout() throws Exception {
    WsTestClient c = client("/_rt/ws-short", "c13", Map.of());
    for (int i = 0; i < 8; i++) {
      c.send("{\"action\":\"ping\"}");
      c.next("pong", WAIT);
      Thread.sleep(100);
    }
    assertEquals(1, shortPing.connectionCount());
  }

  @Test
  void tokenInQuery_authenticatesInItsTenant_otherTenantsMessagesNotDelivered() throws Exception {
    String token = security.mintStreamToken(RenCaller.user("alice", Set.of(), "t1"));
    WsTestClient c = client("/_rt/ws", "c14&token=" + token, Map.of());
    subscribe(c, "room-t", "");
    realtime.publish("room-t", WsTestClient.JSON.getNodeFactory().textNode("default tenant"), null);
    realtime.tenant("t1").publish("room-t", WsTestClient.JSON.getNodeFactory().textNode("t1"), null);
    assertEquals("t1", c.next("message", WAIT).path("data").asText());
    c.send("{\"action\":\"publish\",\"channel\":\"room-t\",\"data\":1,\"userId\":\"mallory\"}");
    assertEquals("unauthorized", c.next("error", WAIT).path("code").asText()); // not as another user
    c.send("{\"action\":\"presence:join\",\"channel\":\"room-t\",\"metadata\":{}}");
    JsonNode join = c.next("presence:join", WAIT);
    assertEquals("alice", join.path("userId").asText()); // the principal's user
    assertTrue(realtime.members("room-t").isEmpty(), "the default tenant has no member");

    java.util.concurrent.CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.CompletionException.class, () -> client("/_rt/ws", "c15&token=forged", Map.of()));
    assertTrue(refused.getCause() instanceof java.net.http.WebSocketHandshakeException, refused.toString());
    assertEquals(401, ((java.net.http.WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
  }

  @Test
  void revoke_user_socketCutAndItsTokenCannotReopenIt() throws Exception {
    String aliceToken = security.mintStreamToken(RenCaller.user("alice", Set.of(), null));
    String bobToken = security.mintStreamToken(RenCaller.user("bob", Set.of(), null));
    WsTestClient alice = client("/_rt/ws", "c16&token=" + aliceToken, Map.of());
    WsTestClient bob = client("/_rt/ws", "c17&token=" + bobToken, Map.of());
    subscribe(alice, "room-r", "");
    subscribe(bob, "room-r", "");

    security.revoke("alice");

    assertEquals(RealtimeConnection.POLICY,
        alice.closed.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    // a client reconnects with the very same URL; the revoked token must not bring it back
    java.util.concurrent.CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.CompletionException.class, () -> client("/_rt/ws", "c16&token=" + aliceToken, Map.of()));
    assertTrue(refused.getCause() instanceof java.net.http.WebSocketHandshakeException, refused.toString());
    assertEquals(401, ((java.net.http.WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
    // bob's socket is untouched
    realtime.publish("room-r", WsTestClient.JSON.getNodeFactory().textNode("still here"), null);
    assertEquals("still here", bob.next("message", WAIT).path("data").asText());
  }

  @Test
  void subscribeWithLastEventId_channelStartedOverBelowIt_resetThenEverythingItHoldsFromOne() throws Exception {
    for (int i = 1; i <= 3; i++) {
      realtime.publish("hist-new", WsTestClient.JSON.getNodeFactory().numberNode(i), null);
    }
    WsTestClient c = client("c18");
    // the client saw seq 50 of this channel before the server restarted: the channel now holds 1..3, all new to it
    c.send("{\"action\":\"subscribe\",\"channel\":\"hist-new\",\"lastEventId\":50}");
    assertEquals("reset", c.next(m -> true, WAIT).path("event").asText());
    for (int i = 1; i <= 3; i++) {
      JsonNode m = c.next(f -> true, WAIT);
      assertEquals("message", m.path("event").asText(), m.toString());
      assertEquals(i, m.path("seq").asLong(), m.toString());
      assertEquals(i, m.path("data").asInt(), m.toString());
    }
    JsonNode ack = c.next(f -> true, WAIT);
    assertEquals("subscribed", ack.path("event").asText(), ack.toString());
    assertEquals(3, ack.path("seq").asLong(), ack.toString());

    // asking for a number the channel did hand out is a plain resume: no reset
    WsTestClient d = client("c19");
    d.send("{\"action\":\"subscribe\",\"channel\":\"hist-new\",\"lastEventId\":2}");
    JsonNode first = d.next(f -> true, WAIT);
    assertEquals(3, first.path("seq").asLong(), first.toString());
  }

  @Test
  void liveMessage_channelDroppedWhileIdleAndStartedOver_resetThenDeliveredFromOne() throws Exception {
    WsTestClient c = client("/_rt/ws-short-lived", "c20", Map.of());
    subscribe(c, "hist-idle", "");
    for (int i = 1; i <= 3; i++) {
      shortLived.publish("hist-idle", WsTestClient.JSON.getNodeFactory().numberNode(i), null);
    }
    for (int i = 1; i <= 3; i++) {
      assertEquals(i, c.next("message", WAIT).path("seq").asLong());
    }
    long end = System.nanoTime() + WAIT.toNanos();
    while (!shortLived.channels().isEmpty() && System.nanoTime() < end) {
      Thread.sleep(20); // idle past the retention: the channel is dropped
    }
    assertTrue(shortLived.channels().isEmpty(), "channel dropped while idle");

    assertEquals(1, shortLived.publish("hist-idle", WsTestClient.JSON.getNodeFactory().numberNode(10), null).seq());
    shortLived.publish("hist-idle", WsTestClient.JSON.getNodeFactory().numberNode(11), null);

    // seq 1 is below the 3 the client holds: without the reset it would be taken for a copy and dropped
    assertEquals("reset", c.next(m -> true, WAIT).path("event").asText());
    JsonNode m1 = c.next(m -> true, WAIT);
    assertEquals(1, m1.path("seq").asLong(), m1.toString());
    assertEquals(10, m1.path("data").asInt(), m1.toString());
    JsonNode m2 = c.next(m -> true, WAIT);
    assertEquals(2, m2.path("seq").asLong(), m2.toString());
    assertEquals(11, m2.path("data").asInt(), m2.toString());
  }

  @Test
  void auth_freshTokenOfSameUser_socketOutlivesTheFirstTokenAndKeepsItsSubscription() throws Exception {
    RenCaller alice = RenCaller.user("alice", Set.of(), null);
    String shortToken = tokens.mint(TokenClaims.access(alice, java.time.Instant.now().plusMillis(1500)));
    WsTestClient c = client("/_rt/ws", "c21&token=" + shortToken, Map.of());
    subscribe(c, "room-auth", "");
    c.send("{\"action\":\"ping\"}");
    JsonNode pong = c.next("pong", WAIT);
    assertTrue(pong.path("expiresAt").asLong() > System.currentTimeMillis(), pong.toString()); // when to renew

    String longToken = security.mintStreamToken(alice);
    c.send("{\"action\":\"auth\",\"token\":\"" + longToken + "\"}");
    JsonNode authed = c.next(m -> true, WAIT);
    assertEquals("authed", authed.path("event").asText(), authed.toString());
    assertTrue(authed.path("expiresAt").asLong() > System.currentTimeMillis() + 60_000, authed.toString());

    Thread.sleep(2500); // past the first token's expiry: the sweep would have cut the socket
    assertTrue(!c.closed.isDone(), "still open");
    realtime.publish("room-auth", WsTestClient.JSON.getNodeFactory().textNode("after"), null);
    assertEquals("after", c.next("message", WAIT).path("data").asText());
  }

  @Test
  void auth_badOrOtherUsersOrChannelToken_refusedAndNothingChanges() throws Exception {
    RenCaller alice = RenCaller.user("alice", Set.of(), null);
    WsTestClient c = client("/_rt/ws", "c22&token=" + security.mintStreamToken(alice), Map.of());
    String bob = security.mintStreamToken(RenCaller.user("bob", Set.of(), null));
    String channel = security.mintChannelToken(alice, "private-a", Set.of(TokenClaims.SUBSCRIBE),
        Duration.ofMinutes(5));
    for (String t : List.of("forged", bob, channel)) {
      c.send("{\"action\":\"auth\",\"token\":\"" + t + "\"}");
      JsonNode error = c.next(m -> true, WAIT);
      assertEquals("error", error.path("event").asText(), error.toString());
      assertEquals("unauthorized", error.path("code").asText(), error.toString());
    }
    c.send("{\"action\":\"auth\"}");
    assertEquals("bad_request", c.next("error", WAIT).path("code").asText()); // no token
    // still alice: her presence, not bob's
    subscribe(c, "room-a2", "");
    c.send("{\"action\":\"presence:join\",\"channel\":\"room-a2\",\"metadata\":{}}");
    assertEquals("alice", c.next("presence:join", WAIT).path("userId").asText());

    WsTestClient anonymous = client("c23"); // opened without a token: nothing to renew
    anonymous.send("{\"action\":\"auth\",\"token\":\"" + security.mintStreamToken(alice) + "\"}");
    assertEquals("bad_request", anonymous.next("error", WAIT).path("code").asText());
  }

  @Test
  void publishOverRate_rateLimitedError_connectionStays() throws Exception {
    SseTestClient sse = stream("realtime:room-r", "s5");
    WsTestClient c = client("/_rt/ws-rate", "c16", Map.of());
    for (int i = 0; i < 3; i++) {
      c.send("{\"action\":\"publish\",\"channel\":\"room-r\",\"data\":" + i + "}");
    }
    JsonNode err = c.next("error", WAIT);
    assertEquals("rate_limited", err.path("code").asText());
    assertEquals(0, sse.next("realtime.message", WAIT).json().path("data").asInt());
    assertEquals(1, sse.next("realtime.message", WAIT).json().path("data").asInt());
    c.send("{\"action\":\"ping\"}");
    c.next("pong", WAIT);
    assertNull(sse.poll(Duration.ofMillis(200)));
  }

  @Test
  void frameUnderDefaultLimit_largerThanContainerBuffer_published() throws Exception {
    SseTestClient sse = stream("realtime:room-big", "s6");
    WsTestClient c = client("/_rt/ws-rate", "c17", Map.of()); // the default 64 KiB frame limit
    String text = "z".repeat(60_000);
    c.send("{\"action\":\"publish\",\"channel\":\"room-big\",\"data\":\"" + text + "\"}");
    assertEquals(text, sse.next("realtime.message", WAIT).json().path("data").asText());
    c.send("{\"action\":\"publish\",\"channel\":\"room-big\",\"data\":\"" + "z".repeat(70_000) + "\"}");
    c.send("{\"action\":\"ping\"}");
    JsonNode next = c.next(m -> !m.path("event").asText().equals("subscribed"), WAIT);
    // over the limit (and over Tomcat's 8 KiB buffer and Jetty's 64 KiB message default): too_large, socket stays
    assertEquals("too_large", next.path("code").asText(), next.toString());
  }

  static void waitFor(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting: " + what);
      }
      Thread.sleep(10);
    }
  }
}
