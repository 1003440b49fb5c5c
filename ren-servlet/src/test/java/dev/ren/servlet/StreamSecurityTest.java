package dev.ren.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TenantResolver;
import dev.ren.servlet.security.TokenClaims;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.ren.servlet.TestUsers.ALICE;
import static dev.ren.servlet.TestUsers.BOB;
import static dev.ren.servlet.TestUsers.CAROL;
import static dev.ren.servlet.TestUsers.DAVE;
import static dev.ren.servlet.TestUsers.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The stream under a real {@link RenSecurity} (issue 16): tenants, the policy per event, stream tokens, expiry,
 * revocation, streams per caller, private channels and borrowed client ids. Real Jetty on port 0, real SSE over a
 * socket; absence is shown by a marker event published after the one that must not arrive (the stream is ordered,
 * so the marker arriving first proves the other was dropped), never by waiting.
 */
class StreamSecurityTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  /** The stream's own marker: published last, in each stream's tenant. */
  static final String END = "end";

  /**
   * Readers read kv:todos; anyone reads kv:public; only admins see kv:secret; realtime and presence are for
   * authenticated users.
   */
  static final AccessRules RULES = AccessRules.builder()
      .read("kv", "todos", "reader")
      .read("kv", "public", AccessRules.ANYONE)
      .read("realtime", "*", AccessRules.AUTHENTICATED)
      .read("presence", "*", AccessRules.AUTHENTICATED)
      .admin("admin")
      .build();

  final HttpClient http = HttpClient.newHttpClient();
  final ManualClock clock = new ManualClock(System.currentTimeMillis());
  final TestTokens tokens = new TestTokens(clock);
  RenHub hub;
  RenSecurity security;
  RenServlet servlet;
  JettyTestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  /** Header login, stream tokens, the manual clock; more settings through {@code extra}. */
  RenSecurity.Builder securityBuilder() {
    return RenSecurity.builder(RULES).clock(clock).tokens(tokens)
        .authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens), TestUsers.byHeader()));
  }

  /** Starts with {@code sec} as the servlet-context attribute (how the drop-in and the bindings find it). */
  void startWithContext(RenSecurity sec) {
    start(sec, true, RenServletConfig.builder());
  }

  /** Starts with {@code sec} in the servlet's own config. */
  void startWithConfig(RenSecurity sec) {
    start(sec, false, RenServletConfig.builder());
  }

  void start(RenSecurity sec, boolean viaContext, RenServletConfig.Builder config) {
    hub = RenHub.create();
    security = sec;
    servlet = new RenServlet(hub, viaContext ? config.build() : config.security(sec).build());
    JettyTestServer s = new JettyTestServer().filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", servlet)
        .servlet("/publish", new PublishServlet(hub));
    if (viaContext) {
      s.attribute(RenSecurity.ATTRIBUTE, sec);
    }
    server = s.start();
  }

  SseTestClient open(RenCaller user, String query) throws IOException {
    return SseTestClient.open(server.uri("/api/maravilla/ren" + query), TestUsers.as(user));
  }

  /** Opens a stream and waits for its ren.meta, so it is subscribed before the test publishes. */
  SseTestClient opened(RenCaller user, String query) throws Exception {
    SseTestClient c = open(user, query);
    assertEquals(200, c.status());
    c.next("ren.meta", WAIT);
    return c;
  }

  /** A kv.put on kv:{@code ns} key {@code key} in {@code tenant}. */
  String put(String ns, String key, String tenant) {
    return hub.publish(RenEvent.kvPut(ns, key, "1").withTenant(tenant));
  }

  /** The end marker in {@code tenant}. */
  void end(String tenant) {
    put("todos", END, tenant);
  }

  /** What the stream received before the marker: KV keys, else {@code type@channel}. */
  static List<String> untilEnd(SseTestClient c) throws InterruptedException {
    List<String> got = new ArrayList<>();
    while (true) {
      SseTestClient.Event e = c.next(x -> !x.type().equals("ren.meta"), WAIT);
      JsonNode j = e.json();
      String label = j.has("k") ? j.get("k").asText() : j.get("t").asText() + "@" + j.get("ch").asText();
      if (label.equals(END)) {
        return got;
      }
      got.add(label);
    }
  }

  HttpResponse<String> postToken(Map<String, String> headers, String query) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/maravilla/ren/token" + query))
        .POST(HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A stream token for {@code user} minted over HTTP, as a page would get it. */
  String streamToken(RenCaller user) throws Exception {
    HttpResponse<String> r = postToken(TestUsers.as(user), "");
    assertEquals(200, r.statusCode(), r.body());
    return TestJson.parse(r.body()).get("token").asText();
  }

  /** Opening the stream with {@code headers} and {@code query} is answered with a JSON error, not a stream. */
  void assertRefused(Map<String, String> headers, String query, int status, String code) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/maravilla/ren" + query))
        .header("Accept", "text/event-stream");
    headers.forEach(b::header);
    HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      // a stream that opened would never end: look at the status before reading
      assertEquals(status, r.statusCode(), "opened with " + query + " " + headers.keySet());
      String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), body);
      assertEquals(code, TestJson.parse(body).get("error").asText(), body);
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------------------------------------ (a) tenants

  @Test
  void stream_otherTenantsEvents_neverDeliveredLiveOrOnResume() throws Exception {
    startWithContext(securityBuilder().build());
    String before = hub.headId();
    try (SseTestClient a = opened(ALICE, "?s=kv");
        SseTestClient b = opened(BOB, "?s=kv");
        SseTestClient d = opened(DAVE, "?s=kv");
        // the header the old demo ignored and an attacker might try: not trusted unless configured
        SseTestClient forged = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"),
            Map.of(TestUsers.HEADER, "dave", "X-Tenant-Id", "a"))) {
      forged.next("ren.meta", WAIT);
      put("todos", "a1", "a");
      put("todos", "b1", "b");
      put("todos", "d1", null);
      put("todos", "a2", "a");
      end("a");
      end("b");
      end(null);
      assertEquals(List.of("a1", "a2"), untilEnd(a));
      assertEquals(List.of("b1"), untilEnd(b));
      assertEquals(List.of("d1"), untilEnd(d));
      assertEquals(List.of("d1"), untilEnd(forged));
    }
    // on resume from before every event: each tenant's replay holds only its own
    try (SseTestClient a = open(ALICE, "?s=kv&lastEventId=" + enc(before));
        SseTestClient b = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"),
            Map.of(TestUsers.HEADER, "bob", "Last-Event-ID", before));
        SseTestClient d = open(DAVE, "?s=kv&lastEventId=" + enc(before))) {
      assertEquals(List.of("a1", "a2"), untilEnd(a));
      assertEquals(List.of("b1"), untilEnd(b));
      assertEquals(List.of("d1"), untilEnd(d));
    }
  }

  @Test
  void stream_trustedTenantHeader_selectsTenantAndRefusesInvalidValue() throws Exception {
    startWithConfig(securityBuilder().tenants(TenantResolver.trustedHeader("X-Tenant-Id")).build());
    try (SseTestClient gatewayA = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"),
        Map.of(TestUsers.HEADER, "dave", "X-Tenant-Id", "a"));
        SseTestClient own = opened(DAVE, "?s=kv")) {
      gatewayA.next("ren.meta", WAIT);
      put("todos", "a1", "a");
      put("todos", "d1", null);
      end("a");
      end(null);
      assertEquals(List.of("a1"), untilEnd(gatewayA));
      assertEquals(List.of("d1"), untilEnd(own));
    }
    assertRefused(Map.of(TestUsers.HEADER, "dave", "X-Tenant-Id", "a/../b"), "", 400, "invalid_tenant");
    // credentials that name a tenant (alice's, in a) are not moved into another by the header
    assertRefused(Map.of(TestUsers.HEADER, "alice", "X-Tenant-Id", "b"), "", 403, "tenant_mismatch");
    String token = streamToken(ALICE);
    assertRefused(Map.of("X-Tenant-Id", "b"), "?token=" + enc(token), 403, "tenant_mismatch");
    try (SseTestClient same = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv&token=" + enc(token)),
        Map.of("X-Tenant-Id", "a"))) {
      same.next("ren.meta", WAIT);
      put("todos", "a2", "a");
      end("a");
      assertEquals(List.of("a2"), untilEnd(same));
    }
  }

  // ------------------------------------------------------------------------------------------------ (b) policy

  @Test
  void stream_policyAskedPerEvent_readerGetsTodosNotSecretLiveAndReplayed() throws Exception {
    // the application's own RenAccess still applies on top of the policy
    start(securityBuilder().build(), false, RenServletConfig.builder()
        .access(req -> e -> !"hidden".equals(e.k())));
    String before = hub.headId();
    try (SseTestClient reader = opened(ALICE, "?s=kv");
        SseTestClient admin = opened(ROOT, "?s=kv");
        SseTestClient anonymous = opened(null, "?s=*")) {
      put("secret", "s1", "a");
      put("todos", "t1", "a");
      put("todos", "hidden", "a");
      put("secret", "s2", "a");
      end("a");
      put("todos", "anon-cannot-read", null);
      hub.publish(RenEvent.realtimeMessage("lobby", TextNode.valueOf("x"), null));
      put("public", "p1", null);
      put("public", END, null);
      assertEquals(List.of("t1"), untilEnd(reader));
      assertEquals(List.of("s1", "t1", "s2"), untilEnd(admin));
      // the anonymous stream is open (listening needs no grant) and receives only what anyone may read
      assertEquals(List.of("p1"), untilEnd(anonymous));
    }
    try (SseTestClient reader = open(ALICE, "?s=kv&lastEventId=" + enc(before));
        SseTestClient admin = open(ROOT, "?s=kv&lastEventId=" + enc(before))) {
      assertEquals(List.of("t1"), untilEnd(reader));
      assertEquals(List.of("s1", "t1", "s2"), untilEnd(admin));
    }
  }

  // ------------------------------------------------------------------------------------------------ (c) tokens

  @Test
  void token_postByAuthenticatedCaller_returnsTokenThatOpensTheCallersStream() throws Exception {
    startWithContext(securityBuilder().build());
    HttpResponse<String> r = postToken(TestUsers.as(ALICE), "");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
    JsonNode body = TestJson.parse(r.body());
    assertEquals(300, body.get("expiresIn").asLong());
    String token = body.get("token").asText();
    assertFalse(token.isEmpty());
    // an EventSource cannot send headers: the token alone opens alice's stream, in alice's tenant, with her roles
    try (SseTestClient c = opened(null, "?s=kv&token=" + enc(token))) {
      put("todos", "b1", "b");
      put("secret", "s1", "a");
      put("todos", "a1", "a");
      end("a");
      assertEquals(List.of("a1"), untilEnd(c));
    }
  }

  @Test
  void token_postAnonymous_is401Json() throws Exception {
    startWithContext(securityBuilder().build());
    HttpResponse<String> r = postToken(Map.of(), "");
    assertEquals(401, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
    assertEquals("unauthorized", TestJson.parse(r.body()).get("error").asText());
  }

  @Test
  void token_postWithAToken_is403SoATokenCannotRenewItself() throws Exception {
    startWithContext(securityBuilder().build());
    String token = streamToken(ALICE);
    HttpResponse<String> bearer = postToken(Map.of("Authorization", "Bearer " + token), "");
    assertEquals(403, bearer.statusCode(), bearer.body());
    assertEquals("forbidden", TestJson.parse(bearer.body()).get("error").asText());
    HttpResponse<String> query = postToken(Map.of(), "?token=" + enc(token));
    assertEquals(403, query.statusCode(), query.body());
  }

  @Test
  void token_inAFormBody_isNeitherReadNorACredential() throws Exception {
    startWithContext(securityBuilder().build());
    String token = streamToken(ALICE);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("token=" + enc(token))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, r.statusCode(), r.body()); // anonymous: only the query and the Authorization header count
    assertEquals("unauthorized", TestJson.parse(r.body()).get("error").asText());
    try (SseTestClient c = opened(null, "?s=kv&token=" + enc(token) + "&token=ignored")) {
      put("todos", "a1", "a");
      end("a");
      assertEquals(List.of("a1"), untilEnd(c)); // the first token of the query is the one
    }
  }

  @Test
  void token_postWithBadCredentials_is401InvalidCredentials() throws Exception {
    startWithContext(securityBuilder().build());
    HttpResponse<String> r = postToken(Map.of(TestUsers.HEADER, "mallory"), "");
    assertEquals(401, r.statusCode());
    assertEquals("invalid_credentials", TestJson.parse(r.body()).get("error").asText());
  }

  @Test
  void token_withoutTokenCodec_is404Json() throws Exception {
    startWithContext(RenSecurity.builder(RULES).authenticator(TestUsers.byHeader()).build());
    HttpResponse<String> r = postToken(TestUsers.as(ALICE), "");
    assertEquals(404, r.statusCode());
    assertEquals("tokens_not_configured", TestJson.parse(r.body()).get("error").asText());
  }

  @Test
  void stream_withBadOrExpiredToken_is401JsonNotAnonymous() throws Exception {
    startWithContext(securityBuilder().build());
    String forged = new TestTokens(clock).mint(TokenClaims.access(ROOT, clock.instant().plusSeconds(60)));
    String expired = tokens.mint(TokenClaims.access(ALICE, clock.instant().minusMillis(1)));
    String channel = tokens.mint(TokenClaims.channel(ALICE, "private-x", Set.of(TokenClaims.SUBSCRIBE),
        clock.instant().plusSeconds(60)));
    for (String bad : List.of("garbage", forged, expired, channel, streamToken(ALICE) + "x")) {
      assertRefused(Map.of(), "?token=" + enc(bad), 401, "invalid_credentials");
    }
    assertRefused(Map.of("Authorization", "Bearer " + forged), "", 401, "invalid_credentials");
    // bad credentials are never silently anonymous, even beside a valid login
    assertRefused(TestUsers.as(ALICE), "?token=garbage", 401, "invalid_credentials");
    assertRefused(Map.of(TestUsers.HEADER, "mallory"), "", 401, "invalid_credentials");
    assertEquals(0, servlet.activeStreams());
    assertEquals(0, hub.subscriberCount());
  }

  // ------------------------------------------------------------------------------------------------ (d) expiry

  @Test
  void stream_openedByToken_endsWithRetryWhenTheTokenExpires() throws Exception {
    startWithContext(securityBuilder().build());
    String token = streamToken(ALICE);
    clock.advance(RenSecurity.DEFAULT_STREAM_TOKEN_TTL.minusMillis(500)); // half a second left
    try (SseTestClient byToken = opened(null, "?s=kv&token=" + enc(token));
        SseTestClient byLogin = opened(ALICE, "?s=kv")) {
      put("todos", "a1", "a");
      assertEquals("a1", byToken.next("kv.put", WAIT).json().get("k").asText());
      assertTrue(byToken.awaitEnd(WAIT), "the stream outlived its token");
      assertEquals(RenServlet.AUTHORITY_ENDED_RETRY_MILLIS, byToken.lastRetry());
      // the same user's stream opened by login (no expiry) goes on
      put("todos", "a2", "a");
      end("a");
      assertEquals(List.of("a1", "a2"), untilEnd(byLogin));
      assertFalse(byLogin.ended());
    }
    clock.advance(Duration.ofSeconds(1));
    assertRefused(Map.of(), "?s=kv&token=" + enc(token), 401, "invalid_credentials"); // fetch a fresh one
  }

  @Test
  void stream_tokenExpiringAsItOpens_stillGetsMetaThenRetry() throws Exception {
    startWithContext(securityBuilder().build());
    // the end timer fires at once, racing the stream's setup: the stream must still start cleanly and then end
    for (int i = 0; i < 30; i++) {
      String token = tokens.mint(TokenClaims.access(ALICE, clock.instant().plusNanos(100_000)));
      try (SseTestClient c = open(null, "?s=kv&token=" + enc(token))) {
        assertEquals(200, c.status());
        assertEquals("ren.meta", c.next(WAIT).type(), "round " + i);
        assertTrue(c.awaitEnd(WAIT), "round " + i);
        assertEquals(RenServlet.AUTHORITY_ENDED_RETRY_MILLIS, c.lastRetry(), "round " + i);
      }
    }
    RenServletTest.awaitTrue(() -> servlet.activeStreams() == 0, "every stream released");
  }

  @Test
  void stream_channelTokenExpires_endsTheStreamWithRetry() throws Exception {
    startWithContext(securityBuilder().build());
    String ch = security.mintChannelToken(ALICE, "private-room", Set.of(TokenClaims.SUBSCRIBE),
        Duration.ofMillis(300));
    try (SseTestClient c = opened(ALICE, "?channelToken=" + enc(ch))) {
      assertTrue(c.awaitEnd(WAIT), "the stream outlived its channel token");
      assertEquals(RenServlet.AUTHORITY_ENDED_RETRY_MILLIS, c.lastRetry());
    }
  }

  // ------------------------------------------------------------------------------------------------ (e) revocation

  @Test
  void revoke_user_endsOnlyThatUsersStreamsWithRetry() throws Exception {
    startWithContext(securityBuilder().build());
    String token = streamToken(ALICE);
    try (SseTestClient aliceLogin = opened(ALICE, "?s=kv");
        SseTestClient aliceToken = opened(null, "?s=kv&token=" + enc(token));
        SseTestClient carol = opened(CAROL, "?s=kv");
        SseTestClient bob = opened(BOB, "?s=kv")) {
      assertEquals(4, servlet.activeStreams());
      security.revoke("alice");
      assertTrue(aliceLogin.awaitEnd(WAIT));
      assertTrue(aliceToken.awaitEnd(WAIT));
      assertEquals(RenServlet.AUTHORITY_ENDED_RETRY_MILLIS, aliceLogin.lastRetry());
      assertEquals(RenServlet.AUTHORITY_ENDED_RETRY_MILLIS, aliceToken.lastRetry());
      RenServletTest.awaitTrue(() -> servlet.activeStreams() == 2, "alice's streams released");
      put("todos", "a1", "a");
      put("todos", "b1", "b");
      end("a");
      end("b");
      assertEquals(List.of("a1"), untilEnd(carol));
      assertEquals(List.of("b1"), untilEnd(bob));
    }
  }

  @Test
  void revoke_user_tokenOfTheRevokedStreamCannotReopenIt() throws Exception {
    startWithContext(securityBuilder().build());
    String token = streamToken(ALICE);
    String bobs = streamToken(BOB);
    try (SseTestClient alice = opened(null, "?s=kv&token=" + enc(token));
        SseTestClient bob = opened(null, "?s=kv&token=" + enc(bobs))) {
      security.revoke("alice");
      assertTrue(alice.awaitEnd(WAIT));
      // an EventSource reconnects after retry: with the very same URL; the revoked token must not bring it back
      assertRefused(Map.of(), "?s=kv&token=" + enc(token), 401, "invalid_credentials");
      assertRefused(Map.of("Authorization", "Bearer " + token), "", 401, "invalid_credentials");
      try (SseTestClient bobAgain = opened(null, "?s=kv&token=" + enc(bobs))) {
        assertFalse(bobAgain.ended(), "another user's token is unaffected");
      }
      // alice logs in again (the host's own check) and gets a new stream and a new token
      try (SseTestClient fresh = opened(null, "?s=kv&token=" + enc(streamToken(ALICE)))) {
        put("todos", "a1", "a");
        end("a");
        assertEquals(List.of("a1"), untilEnd(fresh));
      }
      // once the revoked token has expired, it is forgotten (and refused as expired anyway)
      clock.advance(RenSecurity.DEFAULT_STREAM_TOKEN_TTL);
      assertRefused(Map.of(), "?s=kv&token=" + enc(token), 401, "invalid_credentials");
    }
  }

  // ------------------------------------------------------------------------------------------------ (f) per caller

  @Test
  void limit_33rdStreamOfOneUser_toldToRetryOthersUnaffected() throws Exception {
    // short heartbeats: a stream whose client left is noticed on its next write
    start(securityBuilder().build(), true, RenServletConfig.builder().heartbeat(Duration.ofMillis(100)));
    List<SseTestClient> alice = new ArrayList<>();
    try {
      for (int i = 0; i < RenSecurity.DEFAULT_MAX_STREAMS_PER_CALLER; i++) {
        alice.add(opened(ALICE, "?s=kv"));
      }
      try (SseTestClient over = open(ALICE, "?s=kv")) {
        assertEquals(200, over.status(), "a non-200 makes EventSource give up for good");
        assertTrue(over.awaitEnd(WAIT), "the 33rd stream is closed");
        assertEquals(5_000L, over.lastRetry());
        assertTrue(over.drain().isEmpty(), "no ren.meta: the stream never started");
      }
      // the same user by token counts as the same caller
      try (SseTestClient overByToken = open(null, "?s=kv&token=" + enc(streamToken(ALICE)))) {
        assertTrue(overByToken.awaitEnd(WAIT));
      }
      try (SseTestClient carol = opened(CAROL, "?s=kv");
          SseTestClient anonymous = opened(null, "?s=kv")) {
        put("todos", "a1", "a");
        end("a");
        assertEquals(List.of("a1"), untilEnd(carol));
        assertEquals(List.of("a1"), untilEnd(alice.get(31)));
      }
      alice.remove(0).close();
      RenServletTest.awaitTrue(() -> servlet.activeStreams() == 31, "the closed stream released");
      alice.add(opened(ALICE, "?s=kv")); // room again
    } finally {
      alice.forEach(SseTestClient::close);
    }
  }

  @Test
  void limit_anonymousStreams_countedPerRemoteAddress() throws Exception {
    start(securityBuilder().maxStreamsPerCaller(2).build(), true, RenServletConfig.builder());
    try (SseTestClient one = opened(null, "");
        SseTestClient two = opened(null, "");
        SseTestClient three = open(null, "")) {
      assertTrue(three.awaitEnd(WAIT), "a third anonymous stream from 127.0.0.1 is refused");
      assertTrue(three.drain().isEmpty());
      try (SseTestClient alice = opened(ALICE, "")) {
        assertEquals(3, servlet.activeStreams()); // a user is counted as herself, not by address
      }
      String other = rawStreamStart("127.0.0.2");
      assertTrue(other.contains("event: ren.meta"), "another address has its own count: " + other);
    }
  }

  @Test
  void limit_sameUserNameInAnotherTenant_countedSeparately() throws Exception {
    // "alice" of the default tenant and "alice" of a tenant named "null": a joined key "u:null/alice" was one
    RenCaller home = RenCaller.user("alice", Set.of("reader"), null);
    RenCaller named = RenCaller.user("alice", Set.of("reader"), "null");
    RenAuthenticator auth = req -> switch (String.valueOf(req.getHeader(TestUsers.HEADER))) {
      case "home" -> home;
      case "named" -> named;
      default -> null;
    };
    start(RenSecurity.builder(RULES).authenticator(auth).maxStreamsPerCaller(1).build(), true,
        RenServletConfig.builder());
    try (SseTestClient a = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"), Map.of(TestUsers.HEADER, "home"));
        SseTestClient b = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"),
            Map.of(TestUsers.HEADER, "named"))) {
      a.next("ren.meta", WAIT);
      b.next("ren.meta", WAIT);
      put("todos", "n1", "null");
      end("null");
      assertEquals(List.of("n1"), untilEnd(b));
    }
  }

  /**
   * Opens an anonymous stream from {@code localAddress} (the loopback network answers on all of 127/8) and returns
   * what arrived until ren.meta, a retry or the end.
   */
  String rawStreamStart(String localAddress) throws IOException {
    try (Socket s = new Socket()) {
      try {
        s.bind(new InetSocketAddress(localAddress, 0));
      } catch (IOException e) {
        assumeTrue(false, "cannot bind " + localAddress + ": " + e);
      }
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(("GET /api/maravilla/ren HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[1024];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          got.write(buf, 0, n);
          String text = got.toString(StandardCharsets.UTF_8);
          if (text.contains("event: ren.meta") || text.contains("retry:")) {
            break;
          }
        }
      } catch (SocketTimeoutException e) {
        // returns what arrived
      }
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  // ------------------------------------------------------------------------------------------------ (g) channels

  @Test
  void stream_privateChannel_needsAChannelTokenGrantingSubscribeLiveAndReplayed() throws Exception {
    startWithContext(securityBuilder().build());
    String subscribe = security.mintChannelToken(ALICE, "private-room", Set.of(TokenClaims.SUBSCRIBE),
        Duration.ofMinutes(5));
    String publishOnly = security.mintChannelToken(ALICE, "private-room", Set.of(TokenClaims.PUBLISH),
        Duration.ofMinutes(5));
    String otherRoom = security.mintChannelToken(ALICE, "private-other", Set.of(TokenClaims.SUBSCRIBE),
        Duration.ofMinutes(5));
    String before = hub.headId();
    try (SseTestClient without = opened(ALICE, "");
        SseTestClient with = opened(ALICE, "?channelToken=" + enc(subscribe));
        SseTestClient wrongPermission = opened(ALICE, "?channelToken=" + enc(publishOnly));
        SseTestClient wrongChannel = opened(ALICE, "?channelToken=" + enc(otherRoom));
        SseTestClient two = opened(ALICE, "?channelToken=" + enc(otherRoom) + "&channelToken=" + enc(subscribe))) {
      publishRealtime();
      assertEquals(PUBLIC_ONLY, untilEnd(without));
      assertEquals(WITH_PRIVATE, untilEnd(with));
      assertEquals(PUBLIC_ONLY, untilEnd(wrongPermission));
      assertEquals(PUBLIC_ONLY, untilEnd(wrongChannel));
      assertEquals(WITH_PRIVATE, untilEnd(two));
    }
    try (SseTestClient without = open(ALICE, "?lastEventId=" + enc(before));
        SseTestClient with = open(ALICE, "?lastEventId=" + enc(before) + "&channelToken=" + enc(subscribe))) {
      assertEquals(PUBLIC_ONLY, untilEnd(without));
      assertEquals(WITH_PRIVATE, untilEnd(with));
    }
  }

  static final List<String> PUBLIC_ONLY = List.of("realtime.message@room");
  static final List<String> WITH_PRIVATE = List.of("realtime.message@private-room", "presence.join@private-room",
      "realtime.message@room");

  /** A message and a presence join on private-room, one message on room, then the marker, all in tenant a. */
  void publishRealtime() {
    hub.publish(RenEvent.realtimeMessage("private-room", TextNode.valueOf("hi"), "alice").withTenant("a"));
    hub.publish(RenEvent.presence("presence.join", "private-room", "alice", null).withTenant("a"));
    hub.publish(RenEvent.realtimeMessage("room", TextNode.valueOf("hi"), "alice").withTenant("a"));
    end("a");
  }

  @Test
  void stream_channelTokenOfAnotherUser_is403AndBadOneIs401() throws Exception {
    startWithContext(securityBuilder().build());
    String alices = security.mintChannelToken(ALICE, "private-room", Set.of(TokenClaims.SUBSCRIBE),
        Duration.ofMinutes(5));
    assertRefused(TestUsers.as(CAROL), "?channelToken=" + enc(alices), 403, "forbidden"); // same tenant
    assertRefused(TestUsers.as(BOB), "?channelToken=" + enc(alices), 403, "forbidden");
    assertRefused(Map.of(), "?channelToken=" + enc(alices), 403, "forbidden");
    assertRefused(TestUsers.as(ALICE), "?channelToken=" + enc(streamToken(ALICE)), 403, "forbidden");
    assertRefused(TestUsers.as(ALICE), "?channelToken=garbage", 401, "invalid_credentials");
    StringBuilder many = new StringBuilder("?");
    for (int i = 0; i <= StreamAuthority.MAX_CHANNEL_TOKENS; i++) {
      many.append("channelToken=x&");
    }
    assertRefused(TestUsers.as(ALICE), many.toString(), 400, "too_many_channel_tokens");
    assertEquals(0, servlet.activeStreams());
  }

  // ------------------------------------------------------------------------------------------------ (h) client ids

  @Test
  void clientId_borrowedByAnotherUser_isNotTheOwnersConnection() throws Exception {
    // short heartbeats: a stream whose client left is noticed on its next write
    start(securityBuilder().build(), true, RenServletConfig.builder().heartbeat(Duration.ofMillis(100)));
    try (SseTestClient bobWithAlicesCid = opened(BOB, "?cid=tab-alice");
        SseTestClient bobWithAlicesHeader = SseTestClient.open(server.uri("/api/maravilla/ren"),
            Map.of(TestUsers.HEADER, "bob", "X-Ren-Client", "tab-alice2"))) {
      bobWithAlicesHeader.next("ren.meta", WAIT);
      assertFalse(hub.isClientConnected("tab-alice", "alice", "a"));
      assertFalse(hub.isClientConnected("tab-alice2", "alice", "a"));
      assertTrue(hub.isClientConnected("tab-alice", "bob", "b"));
      assertTrue(hub.isClientConnected("tab-alice2", "bob", "b"));
      // alice's own stream with that id counts as hers while it is open, and only then
      SseTestClient alice = opened(ALICE, "?cid=tab-alice");
      assertTrue(hub.isClientConnected("tab-alice", "alice", "a"));
      alice.close();
      RenServletTest.awaitTrue(() -> !hub.isClientConnected("tab-alice", "alice", "a"),
          "alice's own stream closed");
      assertTrue(hub.isClientConnected("tab-alice", "bob", "b"), "bob's stream is still open");
      // an anonymous stream with the id is nobody's
      try (SseTestClient anon = opened(null, "?cid=tab-alice")) {
        assertTrue(hub.isClientConnected("tab-alice", null, null));
        assertFalse(hub.isClientConnected("tab-alice", "alice", "a"));
      }
    }
  }

  @Test
  void clientHeader_forgedOnAWrite_onlyLabelsSrcTheEventStillArrives() throws Exception {
    startWithContext(securityBuilder().build());
    try (SseTestClient dave = opened(DAVE, "?s=kv&cid=tab-dave")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/publish?ns=todos&k=x"))
          .header("X-Ren-Client", "tab-dave").POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      SseTestClient.Event e = dave.next("kv.put", WAIT);
      assertEquals("x", e.json().get("k").asText());
      assertEquals("tab-dave", e.json().get("src").asText(), "src is a label; the server delivers regardless");
    }
  }

  // ------------------------------------------------------------------------------------------------ wiring

  @Test
  void security_inConfig_winsOverTheContextAttribute() throws Exception {
    hub = RenHub.create();
    RenSecurity configured = securityBuilder().build();
    servlet = new RenServlet(hub, RenServletConfig.builder().security(configured).build());
    server = new JettyTestServer().servlet("/api/maravilla/ren/*", servlet)
        .attribute(RenSecurity.ATTRIBUTE, RenSecurity.open()).start();
    try (SseTestClient c = opened(ALICE, "?s=kv")) {
      put("secret", "s1", "a");
      end("a");
      assertEquals(List.of(), untilEnd(c)); // the configured rules, not the open context attribute
    }
  }

  @Test
  void security_none_streamDeliversAsBefore() throws Exception {
    hub = RenHub.create();
    servlet = new RenServlet(hub);
    server = new JettyTestServer().servlet("/api/maravilla/ren/*", servlet).start();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren/token"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, r.statusCode());
    try (SseTestClient c = opened(null, "?s=kv")) {
      put("secret", "s1", null);
      end(null);
      assertEquals(List.of("s1"), untilEnd(c));
    }
  }

  /** Publishes a kv.put over HTTP so the X-Ren-Client → src path is real. */
  static final class PublishServlet extends HttpServlet {
    final RenHub hub;

    PublishServlet(RenHub hub) {
      this.hub = hub;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.getWriter().write(hub.publish(RenEvent.kvPut(req.getParameter("ns"), req.getParameter("k"), "1")));
    }
  }
}
