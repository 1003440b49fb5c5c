package dev.ren.realtime;

import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.RenOrigin;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import dev.ren.testing.ManualClock;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 in realtime itself: tenant views keyed structurally (one channel in two tenants is two channels, with
 * their own sequences, history and members; events carry the tenant, expiry too; the default tenant as before) and
 * user views that cannot act as another user nor be kept alive by another user's stream.
 */
class RealtimeTenantTest {

  static final Duration GRACE = Duration.ofSeconds(10);

  RenHub hub;
  RecordingPublisher events;
  ManualClock clock;
  Realtime realtime;

  @BeforeEach
  void setUp() {
    hub = RenHub.create();
    events = new RecordingPublisher();
    clock = new ManualClock(1_700_000_000_000L);
    realtime = Realtime.builder(events, hub).clock(clock).scheduler(new ManualScheduler(clock)).gracePeriod(GRACE)
        .history("room-*", 10).build();
  }

  @AfterEach
  void tearDown() {
    realtime.close();
    hub.close();
  }

  Subscription stream(String clientId, String user, String tenant) {
    return hub.subscribe(SubscribeRequest.of(RenFilter.all()).withClientId(clientId)
        .withCaller(RenCaller.user(user, Set.of(), tenant)), () -> { });
  }

  @Test
  void tenantViews_sameChannel_separateSequencesHistoryMembersAndLists() {
    Realtime a = realtime.tenant("a");
    Realtime b = realtime.tenant("b");
    a.publish("room-1", TestJson.parse("1"), null);
    a.publish("room-1", TestJson.parse("2"), null);
    ChannelMessage inB = b.publish("room-1", TestJson.parse("3"), null);
    a.join("room-1", "alice", null);

    assertEquals(1, inB.seq(), "sequences are per tenant");
    assertEquals(2, a.history("room-1", 0, 10).lastSeq());
    assertEquals(1, b.history("room-1", 0, 10).messages().size());
    assertEquals(List.of("alice"), a.members("room-1").stream().map(PresenceMember::userId).toList());
    assertTrue(b.members("room-1").isEmpty());
    assertEquals(List.of("room-1"), b.channels());
    assertEquals(List.of(), realtime.channels(), "the default tenant has none");
    assertEquals(0, realtime.history("room-1", 0, 10).lastSeq());
    for (RenEvent e : events.drain()) {
      assertEquals(e.data() != null && e.data().asInt() == 3 ? "b" : "a", e.tenant(), e.toString());
    }
    realtime.publish("room-1", null, null);
    assertNull(events.drain().get(0).tenant(), "the default tenant's events carry none");
  }

  @Test
  void tenantView_presenceExpiry_leaveCarriesTheTenant() {
    realtime.tenant("a").join("room-1", "alice", null);
    events.drain();

    clock.advance(Duration.ofMinutes(2));
    realtime.sweep();

    RenEvent leave = events.drain().get(0);
    assertEquals("presence.leave", leave.t());
    assertEquals("a", leave.tenant());
  }

  @Test
  void userView_actsAsAnotherUser_refusedNothingChanged() {
    Realtime alice = realtime.tenant("a").as("alice");
    realtime.tenant("a").as("bob").join("room-1", "bob", TestJson.parse("{\"r\":1}"));
    events.drain();

    assertThrows(IdentityRefusedException.class, () -> alice.join("room-1", "bob", null));
    assertThrows(IdentityRefusedException.class, () -> alice.update("room-1", "bob", TestJson.parse("{}")));
    assertThrows(IdentityRefusedException.class, () -> alice.leave("room-1", "bob"));
    assertThrows(IdentityRefusedException.class, () -> alice.publish("room-1", null, "bob"));
    assertThrows(IdentityRefusedException.class, () -> realtime.tenant("a").leave("room-1", "bob"),
        "an anonymous caller cannot make an authenticated user's member leave");

    assertEquals(List.of(), events.drain());
    assertEquals("{\"r\":1}", realtime.tenant("a").members("room-1").get(0).metadata().toString());
    assertEquals("alice", alice.publish("room-1", null, null).userId(), "a message is the view's user's");
  }

  @Test
  void userView_borrowedClientIdStream_doesNotKeepTheMemberAlive() {
    Subscription own = stream("tab-a", "alice", "a");
    try (RenOrigin.Scope s = RenOrigin.open("tab-a")) {
      realtime.tenant("a").as("alice").join("room-1", "alice", null);
    }
    Subscription borrowed = stream("tab-a", "bob", "a");
    own.close(); // the client id still has bob's stream: the hub reports no disconnect

    clock.advance(GRACE.plusMillis(1));
    realtime.sweep();
    assertFalse(realtime.tenant("a").members("room-1").isEmpty(), "within its grace period");
    clock.advance(GRACE.plusMillis(1));
    realtime.sweep();

    assertTrue(realtime.tenant("a").members("room-1").isEmpty(), "bob's stream does not hold alice");
    borrowed.close();
  }

  @Test
  void userView_borrowedClientIdStreamOpenedFirst_neverMakesTheHoldLive() {
    Subscription borrowed = stream("tab-a", "bob", "a");
    try (RenOrigin.Scope s = RenOrigin.open("tab-a")) {
      realtime.tenant("a").as("alice").join("room-1", "alice", null);
    }

    clock.advance(Duration.ofMinutes(2)); // past the TTL of a hold without a stream of alice's
    realtime.sweep();

    assertTrue(realtime.tenant("a").members("room-1").isEmpty());
    borrowed.close();
  }
}
