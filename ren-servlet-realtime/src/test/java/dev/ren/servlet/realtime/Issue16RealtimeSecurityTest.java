package dev.ren.servlet.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.servlet.realtime.SecureRealtimeFixture.Who;
import dev.ren.servlet.security.TokenClaims;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 for realtime, one test per finding of "Why": tenants (one channel in two tenants is two channels, a
 * tenant's stream gets no other tenant's realtime or presence events), identities that cannot be borrowed (presence
 * as another user, making another user leave, changing another user's metadata, a stream opened with another
 * client's id), private channels with channel tokens, and the publish rate per caller.
 */
class Issue16RealtimeSecurityTest {

  static final String ACME = "acme";
  static final String GLOBEX = "globex";
  static final Who ALICE = new Who("alice", "alice", Set.of("writer"), ACME);
  static final Who BOB = new Who("bob", "bob", Set.of("writer"), ACME);
  static final Who OLGA = new Who("olga", "olga", Set.of("writer"), GLOBEX);

  static final AccessRules POLICY = AccessRules.builder()
      .readWrite("realtime", "*", "writer")
      .readWrite("presence", "*", "writer")
      .read("test", "*", "writer") // the streams' markers
      .build();

  SecureRealtimeFixture f;

  void start(RealtimeServlet.PublishRate rate) {
    f = new SecureRealtimeFixture(POLICY, rate);
  }

  void start() {
    start(RealtimeServlet.PublishRate.DEFAULT);
  }

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  static JsonNode ok(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return SecureRealtimeFixture.json(r);
  }

  static void refused(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(status == 401 ? "unauthorized" : "forbidden", SecureRealtimeFixture.json(r).path("error").asText(),
        r.body());
  }

  List<String> members(String tenant, String channel) {
    return f.realtime.tenant(tenant).members(channel).stream().map(m -> m.userId()).toList();
  }

  // ---------------------------------------------------------------- tenants

  @Test
  void sameChannelTwoTenants_publishAndJoin_separateHistoryMembersAndChannelLists() throws Exception {
    start();
    ok(f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":\"acme\"}"));
    ok(f.post(OLGA, "publish", "{\"channel\":\"room-1\",\"data\":\"globex\"}"));
    ok(f.post(OLGA, "publish", "{\"channel\":\"room-2\",\"data\":\"globex\"}"));
    ok(f.post(ALICE, "presence/room-1/join", "{}"));
    ok(f.post(OLGA, "presence/room-1/join", "{}"));

    JsonNode acme = ok(f.get(ALICE, "history/room-1"));
    JsonNode globex = ok(f.get(OLGA, "history/room-1"));
    assertEquals(1, acme.get("lastSeq").asLong(), "sequences are per tenant");
    assertEquals(1, globex.get("lastSeq").asLong());
    assertEquals("acme", acme.get("messages").get(0).get("data").asText());
    assertEquals("globex", globex.get("messages").get(0).get("data").asText());
    JsonNode acmeMembers = ok(f.get(ALICE, "presence/room-1")).get("members");
    assertEquals(1, acmeMembers.size(), acmeMembers.toString());
    assertEquals("alice", acmeMembers.get(0).get("userId").asText());
    assertEquals(List.of("olga"), members(GLOBEX, "room-1"));
    assertEquals("[\"room-1\"]", ok(f.get(ALICE, "channels")).get("channels").toString());
    assertEquals("[\"room-1\",\"room-2\"]", ok(f.get(OLGA, "channels")).get("channels").toString());
    assertEquals(List.of(), f.realtime.channels(), "the default tenant has none");
    for (RenEvent e : f.recorder.events()) {
      assertEquals(e.uid().equals("olga") ? GLOBEX : ACME, e.tenant(), e.toString());
    }
  }

  @Test
  void stream_otherTenant_getsNoRealtimeOrPresenceEventsLiveOrOnExpiry() throws Exception {
    start();
    SseTestClient acme = f.stream(ALICE, "realtime:room-1,presence:room-1,test", null);
    SseTestClient globex = f.stream(OLGA, "realtime:room-1,presence:room-1,test", null);

    ok(f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":1}"));
    ok(f.post(ALICE, "presence/room-1/join", "{\"metadata\":{\"a\":1}}")); // no client id: held for the TTL
    ok(f.post(ALICE, "presence/room-1/update", "{\"metadata\":{\"a\":2}}"));
    f.clock.advance(Duration.ofMinutes(2));
    f.realtime.sweep(); // the TTL expiry: a system-caused leave, in acme
    assertEquals(List.of(), members(ACME, "room-1"));
    f.marker(ACME, "m");
    f.marker(GLOBEX, "m");

    List<String> acmeTypes = SecureRealtimeFixture.untilMarker(acme, "m").stream().map(SseTestClient.Event::type)
        .toList();
    assertEquals(List.of("realtime.message", EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_UPDATE,
        EventTypes.PRESENCE_LEAVE), acmeTypes);
    assertEquals(List.of(), SecureRealtimeFixture.untilMarker(globex, "m"), "globex sees nothing of acme");
    RenEvent leave = f.recorder.events().get(f.recorder.events().size() - 1);
    assertEquals(EventTypes.PRESENCE_LEAVE, leave.t());
    assertEquals(ACME, leave.tenant(), "presence expiry carries the member's tenant");
    assertFalse(acme.drain().stream().anyMatch(e -> e.data().contains("\"tn\"")), "the tenant is not shown");
  }

  // ---------------------------------------------------------------- identities

  @Test
  void join_bodyUserIdOfAnotherUser_403NobodyJoinedNoEvent() throws Exception {
    start();

    refused(f.post(ALICE, "presence/room-1/join", "{\"userId\":\"bob\",\"metadata\":{\"role\":\"root\"}}"), 403);

    assertEquals(List.of(), members(ACME, "room-1"));
    assertEquals(List.of(), f.recorder.events());
  }

  @Test
  void join_withoutUserId_memberIsTheCaller() throws Exception {
    start();

    assertTrue(ok(f.post(ALICE, "presence/room-1/join", "{}")).get("isNew").asBoolean());

    assertEquals(List.of("alice"), members(ACME, "room-1"));
  }

  @Test
  void leave_anotherUsersMember_403MemberStaysNoEvent() throws Exception {
    start();
    ok(f.post(BOB, "presence/room-1/join", "{}"));
    f.recorder.clear();

    refused(f.post(ALICE, "presence/room-1/leave", "{\"userId\":\"bob\"}"), 403);

    assertEquals(List.of("bob"), members(ACME, "room-1"));
    assertEquals(List.of(), f.recorder.events());
    assertFalse(ok(f.post(ALICE, "presence/room-1/leave", "{}")).get("wasPresent").asBoolean(),
        "alice leaving as herself touches nobody else");
    assertEquals(List.of("bob"), members(ACME, "room-1"));
  }

  @Test
  void update_anotherUsersMetadata_403MetadataUnchangedNoEvent() throws Exception {
    start();
    ok(f.post(BOB, "presence/room-1/join", "{\"metadata\":{\"role\":\"user\"}}"));
    f.recorder.clear();

    refused(f.post(ALICE, "presence/room-1/update", "{\"userId\":\"bob\",\"metadata\":{\"role\":\"root\"}}"), 403);

    assertEquals("{\"role\":\"user\"}", f.realtime.tenant(ACME).members("room-1").get(0).metadata().toString());
    assertEquals(List.of(), f.recorder.events());
  }

  @Test
  void presenceMember_anonymousOrOtherUserViaRealtimeApi_refusedOnlyTheHolderChangesIt() {
    start();
    f.realtime.tenant(ACME).as("bob").join("room-1", "bob", null);

    org.junit.jupiter.api.Assertions.assertThrows(dev.ren.realtime.IdentityRefusedException.class,
        () -> f.realtime.tenant(ACME).leave("room-1", "bob"), "an anonymous caller cannot make bob leave");
    org.junit.jupiter.api.Assertions.assertThrows(dev.ren.realtime.IdentityRefusedException.class,
        () -> f.realtime.tenant(ACME).update("room-1", "bob", null), "nor change his metadata");

    assertEquals(List.of("bob"), members(ACME, "room-1"));
    assertTrue(f.realtime.tenant(ACME).as("bob").leave("room-1", "bob"));
  }

  @Test
  void publish_userIdOfAnotherUser_403NothingPublished() throws Exception {
    start();

    refused(f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":1,\"userId\":\"bob\"}"), 403);

    assertEquals(0, f.realtime.tenant(ACME).history("room-1", 0, 10).lastSeq());
    assertEquals(List.of(), f.recorder.events());
    ok(f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":1}"));
    assertEquals("alice", f.realtime.tenant(ACME).history("room-1", 0, 10).messages().get(0).userId(),
        "without a userId the message is the caller's");
  }

  @Test
  void presence_streamWithBorrowedClientId_doesNotKeepMemberAliveAfterOwnersStreamCloses() throws Exception {
    start();
    SseTestClient observer = f.stream(BOB, "presence:room-1", null);
    SseTestClient aliceTab = f.stream(ALICE, "realtime:room-1", "tab-a");
    ok(f.post(ALICE, "presence/room-1/join", "{}", "X-Ren-Client", "tab-a"));
    assertEquals(EventTypes.PRESENCE_JOIN, observer.next(SecureRealtimeFixture.WAIT).type());
    // bob opens a stream with alice's client id (visible in her events' src)
    f.stream(BOB, "realtime:room-1", "tab-a");

    aliceTab.kill();
    Waits.atMost(SecureRealtimeFixture.WAIT).alias("the server notices alice's dead socket")
        .until(() -> !f.hub.isClientConnected("tab-a", "alice", ACME));
    assertTrue(f.hub.isClientConnected("tab-a"), "bob's stream with her client id is still open");
    for (int i = 0; i < 2; i++) { // the live hold is found unbacked, then its grace period ends
      f.clock.advance(SecureRealtimeFixture.GRACE.plusMillis(1));
      f.realtime.sweep();
    }

    assertEquals(List.of(), members(ACME, "room-1"), "bob's stream does not keep alice present");
    SseTestClient.Event leave = observer.next(EventTypes.PRESENCE_LEAVE, SecureRealtimeFixture.WAIT);
    assertEquals("alice", leave.json().get("uid").asText());
  }

  @Test
  void presence_ownersOwnStream_keepsMemberAliveAcrossSweeps() throws Exception {
    start();
    f.stream(ALICE, "realtime:room-1", "tab-a");
    ok(f.post(ALICE, "presence/room-1/join", "{}", "X-Ren-Client", "tab-a"));

    for (int i = 0; i < 3; i++) {
      f.clock.advance(SecureRealtimeFixture.GRACE.plusMillis(1));
      f.realtime.sweep();
    }

    assertEquals(List.of("alice"), members(ACME, "room-1"));
  }

  // ---------------------------------------------------------------- private channels

  @Test
  void privateChannel_withoutChannelToken_403AndAnonymous401NothingChanged() throws Exception {
    start();

    refused(f.post(ALICE, "publish", "{\"channel\":\"private-a\",\"data\":1}"), 403);
    refused(f.post(ALICE, "presence/private-a/join", "{}"), 403);
    refused(f.get(ALICE, "history/private-a"), 403);
    refused(f.get(ALICE, "presence/private-a"), 403);
    refused(f.post(Who.ANONYMOUS, "publish", "{\"channel\":\"private-a\",\"data\":1}"), 401);

    assertEquals(0, f.realtime.tenant(ACME).history("private-a", 0, 10).lastSeq());
    assertEquals(List.of(), members(ACME, "private-a"));
    assertEquals(List.of(), f.recorder.events());
  }

  @Test
  void privateChannel_channelTokens_grantExactlyTheirPermissionsForTheirUser() throws Exception {
    start();
    String publish = f.security.mintChannelToken(ALICE.caller(), "private-a", Set.of(TokenClaims.PUBLISH),
        Duration.ofMinutes(5));
    String subscribe = f.security.mintChannelToken(ALICE.caller(), "private-a", Set.of(TokenClaims.SUBSCRIBE),
        Duration.ofMinutes(5));
    String otherChannel = f.security.mintChannelToken(ALICE.caller(), "private-b",
        Set.of(TokenClaims.PUBLISH, TokenClaims.SUBSCRIBE), Duration.ofMinutes(5));

    ok(f.post(ALICE, "publish", "{\"channel\":\"private-a\",\"data\":1,\"token\":\"" + publish + "\"}"));
    ok(f.post(ALICE, "publish", "{\"channel\":\"private-a\",\"data\":2}", RealtimeServlet.CHANNEL_TOKEN_HEADER,
        publish));
    refused(f.post(ALICE, "publish", "{\"channel\":\"private-a\",\"data\":3,\"token\":\"" + subscribe + "\"}"), 403);
    refused(f.post(ALICE, "publish", "{\"channel\":\"private-a\",\"data\":4,\"token\":\"" + otherChannel + "\"}"),
        403);
    refused(f.post(BOB, "publish", "{\"channel\":\"private-a\",\"data\":5,\"token\":\"" + publish + "\"}"), 403);
    assertEquals(401, f.post(ALICE, "publish", "{\"channel\":\"private-a\",\"token\":\"forged\"}").statusCode());

    assertEquals(2, ok(f.get(ALICE, "history/private-a", RealtimeServlet.CHANNEL_TOKEN_HEADER, subscribe))
        .get("lastSeq").asLong());
    refused(f.get(ALICE, "history/private-a", RealtimeServlet.CHANNEL_TOKEN_HEADER, publish), 403);
    ok(f.post(ALICE, "presence/private-a/join", "{\"token\":\"" + subscribe + "\"}"));
    assertEquals("alice", ok(f.get(ALICE, "presence/private-a", RealtimeServlet.CHANNEL_TOKEN_HEADER, subscribe))
        .get("members").get(0).get("userId").asText());
    ok(f.post(ALICE, "presence/private-a/leave", "{}")); // leaving needs no token
    assertEquals(List.of(), members(ACME, "private-a"));
  }

  @Test
  void channels_privateChannelInUse_notListedEvenToItsTokenHolder() throws Exception {
    start();
    String token = f.security.mintChannelToken(ALICE.caller(), "private-alice-bob",
        Set.of(TokenClaims.PUBLISH), Duration.ofMinutes(5));
    ok(f.post(ALICE, "publish", "{\"channel\":\"private-alice-bob\",\"data\":1,\"token\":\"" + token + "\"}"));
    ok(f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":1}"));

    assertEquals("[\"room-1\"]", ok(f.get(BOB, "channels")).get("channels").toString());
    assertEquals("[\"room-1\"]", ok(f.get(ALICE, "channels")).get("channels").toString());
    assertTrue(f.realtime.tenant(ACME).channels().contains("private-alice-bob"));
  }

  // ---------------------------------------------------------------- publish rate

  @Test
  void publish_overRatePerCaller_429RetryAfterRateLimitedNothingPublished() throws Exception {
    start(new RealtimeServlet.PublishRate(1, 3));
    for (int i = 0; i < 3; i++) {
      ok(f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":" + i + "}"));
    }

    HttpResponse<String> r = f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":9}");

    assertEquals(429, r.statusCode(), r.body());
    assertEquals("rate_limited", SecureRealtimeFixture.json(r).path("error").asText());
    assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
    assertEquals(3, f.realtime.tenant(ACME).history("room-1", 0, 10).lastSeq(), "nothing published when limited");
    ok(f.post(BOB, "publish", "{\"channel\":\"room-1\",\"data\":\"bob\"}")); // another caller, its own bucket
    f.nanos.addAndGet(1_000_000_000L);
    ok(f.post(ALICE, "publish", "{\"channel\":\"room-1\",\"data\":10}")); // refilled
  }

  @Test
  void rateLimiter_manyCallers_boundedAndIdleBucketsDropped() {
    long[] now = {0};
    PublishRateLimiter limiter = new PublishRateLimiter(new RealtimeServlet.PublishRate(10, 2), () -> now[0], 100);
    for (int i = 0; i < 1000; i++) {
      assertEquals(0, limiter.acquire("caller-" + i));
    }
    assertEquals(100, limiter.size(), "at most the bound");
    now[0] += 1_000_000_000L; // every bucket is full again: the same as none
    limiter.acquire("fresh");
    assertTrue(limiter.size() < 100, "idle buckets are dropped, was " + limiter.size());
  }
}
