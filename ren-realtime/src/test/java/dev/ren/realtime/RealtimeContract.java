package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What realtime promises whatever keeps its state: in this process (the default) or in a {@link RealtimeBackend}
 * shared by several nodes. Each implementation's module subclasses it ({@code InProcessRealtimeContractTest} here,
 * the Redis backend in ren-realtime-redis) and all must pass it unchanged; it runs on real time (retention and TTL
 * tests use short periods). Published in ren-realtime's test-jar.
 */
public abstract class RealtimeContract {

  protected RenHub clients;
  protected RecordingPublisher events;
  private final List<Realtime> built = new ArrayList<>();

  /** Adds the implementation under test to {@code b} (nothing for the in-process one); a fresh, empty state. */
  protected abstract Realtime.Builder configure(Realtime.Builder b);

  @BeforeEach
  void setUpContract() {
    clients = RenHub.create();
    events = new RecordingPublisher();
  }

  @AfterEach
  void tearDownContract() {
    built.forEach(Realtime::close);
    clients.close();
  }

  /** A realtime publishing to {@link #events}, with the settings {@code b} adds; closed after the test. */
  protected final Realtime realtime(java.util.function.UnaryOperator<Realtime.Builder> settings) {
    Realtime rt = configure(settings.apply(Realtime.builder(events, clients))).build();
    built.add(rt);
    return rt;
  }

  protected static JsonNode json(String s) {
    return TestJson.parse(s);
  }

  @Test
  void publish_historyChannel_numbersFromOneAndHistoryHoldsThemWithIds() {
    Realtime rt = realtime(b -> b.history("room-*", 10));

    ChannelMessage m1 = rt.publish("room-1", json("{\"n\":1}"), "alice");
    ChannelMessage m2 = rt.publish("room-1", json("{\"n\":2}"), null);
    ChannelMessage other = rt.publish("room-2", json("[]"), null);

    assertEquals(1, m1.seq());
    assertEquals(2, m2.seq());
    assertEquals(1, other.seq(), "each channel has its own sequence");
    List<RenEvent> published = events.ofType(EventTypes.REALTIME_MESSAGE);
    assertEquals(List.of("1", "2", "1"), published.stream().map(e -> String.valueOf(e.v())).toList());
    Waits.until(() -> rt.history("room-1", 0, 100).messages().stream().allMatch(m -> m.id() != null));
    ChannelHistory h = rt.history("room-1", 0, 100);
    assertEquals(2, h.lastSeq());
    assertFalse(h.truncated());
    assertEquals(List.of(1L, 2L), h.messages().stream().map(ChannelMessage::seq).toList());
    assertEquals(json("{\"n\":1}"), h.messages().get(0).data());
    assertEquals("alice", h.messages().get(0).userId());
    assertEquals(m1.id(), h.messages().get(0).id());
    assertEquals(List.of(2L), rt.history("room-1", 1, 100).messages().stream().map(ChannelMessage::seq).toList());
    assertEquals(1, rt.history("room-1", 0, 1).messages().size(), "the limit holds");
  }

  @Test
  void publish_channelWithoutHistory_noSequenceAndChannelListed() {
    Realtime rt = realtime(b -> b.history("room-*", 10));

    ChannelMessage m = rt.publish("lobby", json("1"), null);

    assertEquals(0, m.seq());
    assertEquals(null, events.last().v());
    assertEquals(List.of("lobby"), rt.channels());
  }

  @Test
  void history_pastChannelLimit_keepsTheLastMessagesAndReportsTheGap() {
    Realtime rt = realtime(b -> b.history("room-*", 3));

    for (int i = 1; i <= 5; i++) {
      rt.publish("room-1", json(Integer.toString(i)), null);
    }

    ChannelHistory h = rt.history("room-1", 0, 100);
    assertEquals(List.of(3L, 4L, 5L), h.messages().stream().map(ChannelMessage::seq).toList());
    assertTrue(h.truncated(), "1 and 2 are gone");
    assertFalse(rt.history("room-1", 2, 100).truncated(), "nothing after 2 is missing");
    assertTrue(rt.history("room-1", 9, 100).truncated(), "after more than was handed out: the channel restarted");
    assertTrue(rt.history("room-9", 4, 100).truncated(), "an unknown channel after a number: reset");
    assertFalse(rt.history("room-9", 0, 100).truncated());
  }

  @Test
  void history_overTotalBytes_dropsTheOldestMessagesOfAnyChannel() {
    Realtime rt = realtime(b -> b.history("*", 1000).maxPayloadBytes(1024).maxHistoryBytes(8 << 10));
    String payload = "\"" + "x".repeat(1000) + "\"";

    for (int i = 0; i < 20; i++) {
      rt.publish("ch-" + (i % 2), json(payload), null);
    }

    List<ChannelMessage> a = rt.history("ch-0", 0, 1000).messages();
    List<ChannelMessage> b = rt.history("ch-1", 0, 1000).messages();
    assertTrue(a.size() + b.size() < 20 && a.size() + b.size() >= 4, "kept " + a.size() + " + " + b.size());
    assertEquals(10, b.get(b.size() - 1).seq(), "the newest is kept");
    assertTrue(a.get(0).seq() > 1 && b.get(0).seq() > 1, "the oldest of both channels went first");
    assertTrue(rt.history("ch-0", 0, 1000).truncated());
  }

  @Test
  void historyRetention_elapsed_channelDroppedAndStartsOverAtOne() {
    Realtime rt = realtime(b -> b.history("room-*", 10).historyRetention(Duration.ofMillis(300)));
    rt.publish("room-1", json("1"), null);
    rt.publish("room-1", json("2"), null);

    Waits.until(() -> rt.history("room-1", 0, 10).messages().isEmpty());

    assertTrue(rt.channels().isEmpty());
    assertEquals(1, rt.publish("room-1", json("3"), null).seq());
  }

  @Test
  void maxChannels_reached_newChannelRefusedAndNothingPublished() {
    Realtime rt = realtime(b -> b.maxChannels(2));
    rt.publish("a", json("1"), null);
    rt.join("b", "alice", null);
    int before = events.size();

    RealtimeFullException e = assertThrows(RealtimeFullException.class, () -> rt.publish("c", json("1"), null));

    assertEquals("maxChannels", e.setting());
    assertThrows(RealtimeFullException.class, () -> rt.join("d", "bob", null));
    assertEquals(before, events.size());
    rt.publish("a", json("2"), null); // a live channel still takes messages
    assertTrue(rt.join("b", "carol", null));
  }

  @Test
  void presence_joinUpdateLeave_eventsAndMembersInJoinOrder() {
    Realtime rt = realtime(b -> b);

    assertTrue(rt.join("room", "alice", json("{\"c\":\"red\"}")));
    assertTrue(rt.join("room", "bob", null));
    assertFalse(rt.join("room", "alice", json("{\"c\":\"red\"}")), "already present: no event");
    assertTrue(rt.update("room", "alice", json("{\"c\":\"blue\"}")));
    assertFalse(rt.update("room", "carol", json("{}")), "not present");

    List<PresenceMember> members = rt.members("room");
    assertEquals(List.of("alice", "bob"), members.stream().map(PresenceMember::userId).toList());
    assertEquals(json("{\"c\":\"blue\"}"), members.get(0).metadata());
    assertEquals(json("{}"), members.get(1).metadata());
    assertEquals(List.of("room"), rt.channels());

    assertTrue(rt.leave("room", "alice"));
    assertFalse(rt.leave("room", "alice"));
    assertEquals(List.of("presence.join", "presence.join", "presence.update", "presence.leave"),
        events.events().stream().map(RenEvent::t).toList());
    RenEvent leave = events.last();
    assertEquals("alice", leave.uid());
    assertEquals(List.of("bob"), rt.members("room").stream().map(PresenceMember::userId).toList());
  }

  @Test
  void presence_bounds_refusedWithTheSettingAndNothingChanged() {
    Realtime rt = realtime(b -> b.maxMembers(3).maxMembersPerChannel(2).maxPayloadBytes(64).maxPresenceBytes(100));
    rt.join("a", "u1", null);
    rt.join("a", "u2", null);

    assertEquals("maxMembersPerChannel",
        assertThrows(RealtimeFullException.class, () -> rt.join("a", "u3", null)).setting());
    rt.join("b", "u4", null);
    assertEquals("maxMembers", assertThrows(RealtimeFullException.class, () -> rt.join("c", "u5", null)).setting());
    String big = "{\"s\":\"" + "x".repeat(50) + "\"}";
    rt.update("a", "u1", json(big));
    assertEquals("maxPresenceBytes",
        assertThrows(RealtimeFullException.class, () -> rt.update("b", "u4", json(big))).setting());
    assertEquals(json("{}"), rt.members("b").get(0).metadata(), "the refused update changed nothing");
    assertEquals(3, events.ofType(EventTypes.PRESENCE_JOIN).size());
    assertEquals(3, rt.presenceMembers(), "the count the bound is checked against");
    rt.leave("a", "u2");
    assertEquals(2, rt.presenceMembers());
    assertTrue(rt.join("c", "u5", null), "room again once a member left");
    assertEquals(3, rt.presenceMembers());
  }

  @Test
  void tenants_channelsSequencesAndMembersApart() {
    Realtime rt = realtime(b -> b.history("*", 10));
    Realtime acme = rt.tenant("acme");

    rt.publish("room", json("1"), null);
    rt.publish("room", json("2"), null);
    ChannelMessage m = acme.publish("room", json("3"), null);
    acme.join("room", "alice", null);

    assertEquals(1, m.seq(), "another tenant's channel of the same name has its own sequence");
    assertEquals("acme", events.last().tenant());
    assertEquals(2, rt.history("room", 0, 10).messages().size());
    assertEquals(1, acme.history("room", 0, 10).messages().size());
    assertTrue(rt.members("room").isEmpty());
    assertEquals(1, acme.members("room").size());
    rt.tenant("globex").join("lobby", "bob", null);
    assertEquals(List.of("lobby"), rt.tenant("globex").channels());
    assertEquals(List.of("room"), rt.channels());
  }

  @Test
  void ownedMember_anotherUser_refusedAndUnchanged() {
    Realtime rt = realtime(b -> b);
    rt.as("alice").join("room", "alice", json("{\"a\":1}"));

    assertThrows(IdentityRefusedException.class, () -> rt.update("room", "alice", json("{\"a\":2}")));
    assertThrows(IdentityRefusedException.class, () -> rt.leave("room", "alice"));

    assertEquals(json("{\"a\":1}"), rt.members("room").get(0).metadata());
    assertTrue(rt.as("alice").leave("room", "alice"));
  }

  @Test
  void presenceTtl_holdWithoutStream_memberLeavesWithSystemLeave() throws Exception {
    Realtime rt = realtime(b -> b.presenceTtl(Duration.ofMillis(300)));
    rt.join("room", "alice", null);

    RenEvent leave = events.await(e -> e.t().equals(EventTypes.PRESENCE_LEAVE), Duration.ofSeconds(10));

    assertNotNull(leave);
    assertEquals(null, leave.src(), "expiry is system-caused");
    Waits.until(() -> rt.members("room").isEmpty());
  }
}
