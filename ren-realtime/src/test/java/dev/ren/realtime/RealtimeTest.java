package dev.ren.realtime;

import dev.ren.testing.ManualClock;
import dev.ren.testing.TestJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RealtimeTest {

  static final Duration GRACE = Duration.ofSeconds(10);
  static final Duration TTL = Duration.ofSeconds(60);

  RenHub hub;
  ManualClock clock;
  Realtime realtime;
  EventQueue events;

  @BeforeEach
  void setUp() {
    hub = RenHub.create();
    clock = new ManualClock(1_700_000_000_000L);
    realtime = Realtime.builder(hub).clock(clock).gracePeriod(GRACE).presenceTtl(TTL)
        .channelRetention(Duration.ofMinutes(5)).history("room-*", 3).maxPayloadBytes(1024).build();
    events = new EventQueue(hub);
  }

  @AfterEach
  void tearDown() throws Exception {
    events.close();
    realtime.close();
    hub.close();
  }

  static JsonNode json(String s) {
    return TestJson.parse(s);
  }

  static Subscription stream(RenHub hub, String clientId) {
    return hub.subscribe(SubscribeRequest.of(RenFilter.all()).withClientId(clientId), () -> { });
  }

  static <T> T as(String clientId, java.util.function.Supplier<T> action) {
    try (RenOrigin.Scope scope = RenOrigin.open(clientId)) {
      return action.get();
    }
  }

  void advanceAndSweep(Duration d) {
    clock.advance(d);
    realtime.sweep();
  }

  // ---------------------------------------------------------------- messages

  @Test
  void publish_validMessage_emitsRealtimeMessageWithChannelDataUserAndSrc() throws Exception {
    ChannelMessage m = as("c1", () -> realtime.publish("chat", json("{\"text\":\"hi\"}"), "alice"));
    RenEvent e = events.next(EventTypes.REALTIME_MESSAGE);
    assertEquals("chat", e.ch());
    assertEquals(json("{\"text\":\"hi\"}"), e.data());
    assertEquals("alice", e.uid());
    assertEquals("c1", e.src());
    assertNull(e.v(), "no sequence on channels without history");
    assertEquals(clock.millis(), e.ts());
    assertEquals(0, m.seq());
    assertEquals("c1", m.src());
  }

  @Test
  void publish_badChannel_rejectedAndNothingEmitted() throws Exception {
    for (String bad : new String[] {"", "a b", "x/y", "a\nb", "é", "*", "x".repeat(129)}) {
      IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
          () -> realtime.publish(bad, json("1"), null), bad);
      assertTrue(ex.getMessage().contains("[A-Za-z0-9_.:-]{1,128}"), ex.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> realtime.publish(null, json("1"), null));
    realtime.publish("x".repeat(128), json("1"), null);
    realtime.publish("a-Z_0.9:b", json("1"), null);
    assertEquals(2, events.drainPublished().size());
    assertEquals(List.of("a-Z_0.9:b", "x".repeat(128)), realtime.channels());
  }

  @Test
  void publish_payloadOverLimit_rejectedAndNothingEmittedOrKept() throws Exception {
    JsonNode big = json("\"" + "x".repeat(1100) + "\"");
    PayloadTooLargeException ex = assertThrows(PayloadTooLargeException.class,
        () -> realtime.publish("room-1", big, null));
    assertEquals(1024, ex.limit());
    assertTrue(ex.getMessage().contains("1024"), ex.getMessage());
    assertThrows(PayloadTooLargeException.class, () -> realtime.join("room-1", "u", big));
    assertTrue(events.drainPublished().isEmpty());
    assertTrue(realtime.channels().isEmpty());
    assertTrue(realtime.members("room-1").isEmpty());
    assertTrue(realtime.history("room-1", 0, 10).messages().isEmpty());
  }

  @Test
  void publish_badUserId_rejected() {
    assertThrows(IllegalArgumentException.class, () -> realtime.publish("c", null, ""));
    assertThrows(IllegalArgumentException.class, () -> realtime.publish("c", null, "a\u0000b"));
    assertThrows(IllegalArgumentException.class, () -> realtime.publish("c", null, "u".repeat(257)));
    assertThrows(IllegalArgumentException.class, () -> realtime.join("c", null, null));
    assertTrue(realtime.channels().isEmpty());
  }

  @Test
  void channels_membersOrRecentMessages_listedUntilIdle() throws Exception {
    Subscription s = stream(hub, "c1");
    realtime.publish("news", json("1"), null);
    as("c1", () -> realtime.join("lobby", "alice", null));
    assertEquals(List.of("lobby", "news"), realtime.channels());
    advanceAndSweep(Duration.ofMinutes(5));
    assertEquals(List.of("lobby"), realtime.channels(), "news idle past retention");
    realtime.leave("lobby", "alice");
    assertTrue(realtime.channels().isEmpty());
    s.close();
  }

  // ---------------------------------------------------------------- presence basics

  @Test
  void join_newUser_emitsJoinAndReturnsTrue() throws Exception {
    assertTrue(as("c1", () -> realtime.join("room-1", "alice", json("{\"name\":\"Alice\"}"))));
    RenEvent e = events.next(EventTypes.PRESENCE_JOIN);
    assertEquals("room-1", e.ch());
    assertEquals("alice", e.uid());
    assertEquals(json("{\"name\":\"Alice\"}"), e.data());
    assertEquals("c1", e.src());
    List<PresenceMember> members = realtime.members("room-1");
    assertEquals(List.of(new PresenceMember("alice", json("{\"name\":\"Alice\"}"), clock.millis())), members);
  }

  @Test
  void join_alreadyPresentSameMetadata_emitsNothing() throws Exception {
    realtime.join("room-1", "alice", json("{\"a\":1}"));
    clock.advance(Duration.ofSeconds(1));
    assertFalse(realtime.join("room-1", "alice", json("{\"a\":1}")));
    List<RenEvent> published = events.drainPublished();
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), published.stream().map(RenEvent::t).toList());
    assertEquals(clock.millis(), realtime.members("room-1").get(0).lastSeen(), "a join refreshes lastSeen");
  }

  @Test
  void join_alreadyPresentOtherMetadata_emitsUpdate() throws Exception {
    realtime.join("room-1", "alice", json("{\"a\":1}"));
    assertFalse(realtime.join("room-1", "alice", json("{\"a\":2}")));
    List<RenEvent> published = events.drainPublished();
    assertEquals(List.of(EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_UPDATE),
        published.stream().map(RenEvent::t).toList());
    assertEquals(json("{\"a\":2}"), published.get(1).data());
  }

  @Test
  void join_nullMetadata_storedAsEmptyObject() {
    realtime.join("room-1", "alice", null);
    assertEquals(json("{}"), realtime.members("room-1").get(0).metadata());
  }

  @Test
  void join_metadataMutatedByCallerAfterwards_storedCopyUnchanged() {
    ObjectNode meta = (ObjectNode) json("{\"a\":1}");
    realtime.join("room-1", "alice", meta);
    meta.put("a", 2);
    assertEquals(json("{\"a\":1}"), realtime.members("room-1").get(0).metadata());
  }

  @Test
  void update_present_emitsUpdate_absent_returnsFalseAndEmitsNothing() throws Exception {
    assertFalse(realtime.update("room-1", "ghost", json("{}")));
    realtime.join("room-1", "alice", json("{\"s\":\"idle\"}"));
    assertTrue(realtime.update("room-1", "alice", json("{\"s\":\"typing\"}")));
    assertTrue(realtime.update("room-1", "alice", json("{\"s\":\"typing\"}")), "identical: present, no event");
    List<RenEvent> published = events.drainPublished();
    assertEquals(List.of(EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_UPDATE),
        published.stream().map(RenEvent::t).toList());
    assertTrue(realtime.members("room-1").stream().noneMatch(m -> m.userId().equals("ghost")));
  }

  @Test
  void leave_present_emitsLeaveWithLastMetadata_absent_returnsFalse() throws Exception {
    realtime.join("room-1", "alice", json("{\"a\":1}"));
    assertTrue(as("c9", () -> realtime.leave("room-1", "alice")));
    assertFalse(realtime.leave("room-1", "alice"));
    List<RenEvent> published = events.drainPublished();
    assertEquals(List.of(EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_LEAVE),
        published.stream().map(RenEvent::t).toList());
    RenEvent leave = published.get(1);
    assertEquals("alice", leave.uid());
    assertEquals(json("{\"a\":1}"), leave.data());
    assertEquals("c9", leave.src());
    assertTrue(realtime.members("room-1").isEmpty());
  }

  @Test
  void members_severalUsers_inJoinOrder() {
    realtime.join("room-1", "bob", null);
    realtime.join("room-1", "alice", null);
    realtime.join("room-2", "carol", null);
    assertEquals(List.of("bob", "alice"), realtime.members("room-1").stream().map(PresenceMember::userId).toList());
    assertThrows(IllegalArgumentException.class, () -> realtime.members("bad channel"));
  }

  // ---------------------------------------------------------------- presence tied to streams

  @Test
  void presence_clientStreamClosed_leavesAfterGraceWithoutSrc() throws Exception {
    Subscription s = stream(hub, "c1");
    as("c1", () -> realtime.join("room-1", "alice", null));
    events.next(EventTypes.PRESENCE_JOIN);
    advanceAndSweep(TTL.multipliedBy(3));
    assertTrue(events.drainPublished().isEmpty(), "a live stream keeps the member past the TTL");
    s.close();
    advanceAndSweep(GRACE.minusMillis(1));
    assertTrue(events.drainPublished().isEmpty(), "no leave inside the grace period");
    advanceAndSweep(Duration.ofMillis(1));
    RenEvent leave = events.next(EventTypes.PRESENCE_LEAVE);
    assertEquals("alice", leave.uid());
    assertNull(leave.src(), "expiry is system-caused");
    assertTrue(realtime.members("room-1").isEmpty());
  }

  @Test
  void presence_clientReconnectsWithinGrace_noLeaveNoJoin() throws Exception {
    Subscription s = stream(hub, "c1");
    as("c1", () -> realtime.join("room-1", "alice", null));
    s.close();
    advanceAndSweep(GRACE.minusSeconds(1));
    Subscription again = stream(hub, "c1");
    advanceAndSweep(GRACE.multipliedBy(10));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), events.drainPublished().stream().map(RenEvent::t).toList());
    assertEquals(1, realtime.members("room-1").size());
    again.close();
    advanceAndSweep(GRACE);
    events.next(EventTypes.PRESENCE_LEAVE);
  }

  @Test
  void presence_streamClosedAndReopenedBeforeSweep_noLeave() throws Exception {
    Subscription s = stream(hub, "c1");
    as("c1", () -> realtime.join("room-1", "alice", null));
    s.close();
    Subscription again = stream(hub, "c1");
    advanceAndSweep(GRACE.multipliedBy(2));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), events.drainPublished().stream().map(RenEvent::t).toList());
    again.close();
  }

  @Test
  void presence_twoClientsOfOneUser_countOnceAndLeaveWhenLastGoes() throws Exception {
    Subscription tab1 = stream(hub, "tab1");
    Subscription tab2 = stream(hub, "tab2");
    assertTrue(as("tab1", () -> realtime.join("room-1", "alice", null)));
    assertFalse(as("tab2", () -> realtime.join("room-1", "alice", null)));
    assertEquals(1, realtime.members("room-1").size());
    tab1.close();
    advanceAndSweep(GRACE.multipliedBy(2));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), events.drainPublished().stream().map(RenEvent::t).toList());
    tab2.close();
    advanceAndSweep(GRACE);
    events.next(EventTypes.PRESENCE_LEAVE);
    assertTrue(realtime.members("room-1").isEmpty());
  }

  @Test
  void presence_twoStreamsOfOneClient_leaveOnlyAfterBothClose() throws Exception {
    Subscription a = stream(hub, "c1");
    Subscription b = stream(hub, "c1");
    as("c1", () -> realtime.join("room-1", "alice", null));
    a.close();
    advanceAndSweep(GRACE.multipliedBy(2));
    assertEquals(1, realtime.members("room-1").size());
    b.close();
    advanceAndSweep(GRACE);
    events.next(EventTypes.PRESENCE_LEAVE);
  }

  @Test
  void leave_fromOneOfTwoHoldingClients_keepsMemberWithoutEvent() throws Exception {
    Subscription tab1 = stream(hub, "tab1");
    Subscription tab2 = stream(hub, "tab2");
    as("tab1", () -> realtime.join("room-1", "alice", null));
    as("tab2", () -> realtime.join("room-1", "alice", null));
    assertTrue(as("tab1", () -> realtime.leave("room-1", "alice")));
    assertEquals(1, realtime.members("room-1").size());
    assertTrue(as("tab2", () -> realtime.leave("room-1", "alice")));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_LEAVE),
        events.drainPublished().stream().map(RenEvent::t).toList());
    tab1.close();
    tab2.close();
  }

  @Test
  void leave_withoutClientId_removesMemberHeldByClients() throws Exception {
    Subscription tab1 = stream(hub, "tab1");
    as("tab1", () -> realtime.join("room-1", "alice", null));
    assertTrue(realtime.leave("room-1", "alice"));
    assertTrue(realtime.members("room-1").isEmpty());
    tab1.close();
    advanceAndSweep(GRACE.multipliedBy(2));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_LEAVE),
        events.drainPublished().stream().map(RenEvent::t).toList(), "exactly one leave");
  }

  @Test
  void presence_joinWithoutClientId_expiresAfterTtlUnlessRefreshed() throws Exception {
    realtime.join("room-1", "alice", null);
    advanceAndSweep(TTL.minusSeconds(1));
    realtime.update("room-1", "alice", null); // refresh
    advanceAndSweep(TTL.minusSeconds(1));
    assertEquals(1, realtime.members("room-1").size());
    realtime.join("room-1", "alice", null); // refresh
    advanceAndSweep(TTL.minusMillis(1));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), events.drainPublished().stream().map(RenEvent::t).toList());
    advanceAndSweep(Duration.ofMillis(1));
    RenEvent leave = events.next(EventTypes.PRESENCE_LEAVE);
    assertNull(leave.src());
    assertTrue(realtime.members("room-1").isEmpty());
    assertTrue(realtime.channels().isEmpty());
  }

  @Test
  void presence_clientThatNeverStreamed_expiresAfterTtl() throws Exception {
    as("c1", () -> realtime.join("room-1", "alice", null));
    advanceAndSweep(TTL);
    events.next(EventTypes.PRESENCE_LEAVE);
  }

  @Test
  void presence_clientOpensStreamAfterJoin_heldByStreamNotTtl() throws Exception {
    as("c1", () -> realtime.join("room-1", "alice", null));
    Subscription s = stream(hub, "c1");
    advanceAndSweep(TTL.multipliedBy(2));
    assertEquals(1, realtime.members("room-1").size());
    s.close();
    advanceAndSweep(GRACE);
    events.next(EventTypes.PRESENCE_LEAVE);
  }

  @Test
  void presence_ghostAfterLeaveAndRejoin_noStaleExpiry() throws Exception {
    as("c1", () -> realtime.join("room-1", "alice", null));
    realtime.leave("room-1", "alice");
    Subscription s = stream(hub, "c2");
    as("c2", () -> realtime.join("room-1", "alice", null));
    advanceAndSweep(TTL.multipliedBy(2));
    assertEquals(1, realtime.members("room-1").size(), "the old client's TTL does not remove the new holder");
    s.close();
  }

  @Test
  void presence_realClockShortGrace_leavesByItself() throws Exception {
    try (RenHub h = RenHub.create();
         EventQueue q = new EventQueue(h);
         Realtime rt = Realtime.builder(h).gracePeriod(Duration.ofMillis(200)).build()) {
      Subscription s = stream(h, "c1");
      as("c1", () -> rt.join("room-1", "alice", null));
      q.next(EventTypes.PRESENCE_JOIN);
      long closedAt = System.nanoTime();
      s.close();
      RenEvent leave = q.next(EventTypes.PRESENCE_LEAVE);
      // lower bound only, with slack for millisecond truncation of the wall clock
      assertTrue(System.nanoTime() - closedAt >= Duration.ofMillis(150).toNanos(), "not before the grace period");
      assertEquals("alice", leave.uid());
      assertTrue(rt.members("room-1").isEmpty());
    }
  }

  @Test
  void presence_concurrentJoinsLeavesAndStreams_eventsAlternateAndMatchFinalState() throws Exception {
    int threads = 8;
    int ops = 400;
    List<String> users = List.of("u0", "u1", "u2", "u3");
    java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(threads);
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String cid = "c" + (t % 4);
      long seed = t;
      futures.add(pool.submit(() -> {
        java.util.Random rnd = new java.util.Random(seed);
        start.await();
        Subscription s = null;
        for (int i = 0; i < ops; i++) {
          String user = users.get(rnd.nextInt(users.size()));
          switch (rnd.nextInt(6)) {
            case 0, 1 -> as(cid, () -> realtime.join("room-1", user, json("{\"m\":" + rnd.nextInt(3) + "}")));
            case 2 -> as(cid, () -> realtime.update("room-1", user, json("{\"m\":" + rnd.nextInt(3) + "}")));
            case 3 -> as(rnd.nextBoolean() ? cid : null, () -> realtime.leave("room-1", user));
            case 4 -> {
              if (s == null) {
                s = stream(hub, cid);
              } else {
                s.close();
                s = null;
              }
            }
            default -> {
              clock.advance(Duration.ofSeconds(rnd.nextInt(15)));
              realtime.sweep();
            }
          }
        }
        if (s != null) {
          s.close();
        }
        return null;
      }));
    }
    start.countDown();
    for (java.util.concurrent.Future<?> f : futures) {
      f.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }
    pool.shutdown();
    java.util.Map<String, Boolean> present = new java.util.HashMap<>();
    int count = 0;
    for (RenEvent e : events.drainPublished()) {
      count++;
      boolean was = present.getOrDefault(e.uid(), false);
      switch (e.t()) {
        case EventTypes.PRESENCE_JOIN -> assertFalse(was, "join while present: " + e);
        case EventTypes.PRESENCE_UPDATE, EventTypes.PRESENCE_LEAVE -> assertTrue(was, e.t() + " while absent: " + e);
        default -> throw new AssertionError("unexpected " + e);
      }
      present.put(e.uid(), !e.t().equals(EventTypes.PRESENCE_LEAVE));
    }
    assertTrue(count > 10, "the test exercised presence: " + count + " events");
    java.util.Set<String> expected = new java.util.TreeSet<>();
    present.forEach((u, p) -> {
      if (p) {
        expected.add(u);
      }
    });
    assertEquals(expected, new java.util.TreeSet<>(realtime.members("room-1").stream()
        .map(PresenceMember::userId).toList()), "final members match the event stream");
    // every stream is closed now: after grace and TTL everybody is gone, each with exactly one leave
    advanceAndSweep(TTL.plus(GRACE));
    assertTrue(realtime.members("room-1").isEmpty());
    long leaves = events.drainPublished().stream().filter(e -> e.t().equals(EventTypes.PRESENCE_LEAVE)).count();
    assertEquals(expected.size(), leaves);
  }

  @Test
  void publish_concurrentOnHistoryChannel_sequenceMatchesWireOrder() throws Exception {
    try (Realtime rt = Realtime.builder(hub).history("busy", 10_000).build()) {
      int threads = 4;
      int each = 250;
      java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            rt.publish("busy", json("1"), null);
          }
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : futures) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
      pool.shutdown();
      List<RenEvent> wire = events.drainPublished();
      assertEquals(threads * each, wire.size());
      for (int i = 0; i < wire.size(); i++) {
        assertEquals(Long.toString(i + 1), wire.get(i).v(), "wire order is sequence order");
      }
      ChannelHistory h = rt.history("busy", 0, 1000);
      assertEquals(1000, h.messages().size());
      assertEquals(threads * each, h.lastSeq());
      assertEquals(1, h.messages().get(0).seq());
    }
  }

  // ---------------------------------------------------------------- history

  @Test
  void history_lateJoiner_catchesUpAfterSequence() throws Exception {
    for (int i = 1; i <= 5; i++) {
      ChannelMessage m = realtime.publish("room-1", json("{\"n\":" + i + "}"), "u" + i);
      assertEquals(i, m.seq());
    }
    List<RenEvent> published = events.drainPublished();
    assertEquals(List.of("1", "2", "3", "4", "5"), published.stream().map(RenEvent::v).toList(),
        "history channels carry the sequence as v");

    ChannelHistory all = realtime.history("room-1", 0, 100);
    assertEquals(List.of(3L, 4L, 5L), all.messages().stream().map(ChannelMessage::seq).toList(), "last 3 kept");
    assertTrue(all.truncated(), "messages 1 and 2 are gone");
    assertEquals(5, all.lastSeq());
    assertEquals(json("{\"n\":3}"), all.messages().get(0).data());
    assertEquals("u3", all.messages().get(0).userId());

    ChannelHistory after3 = realtime.history("room-1", 3, 1);
    assertEquals(List.of(4L), after3.messages().stream().map(ChannelMessage::seq).toList());
    assertFalse(after3.truncated());
    assertEquals(published.get(3).ts(), after3.messages().get(0).ts());

    assertTrue(realtime.history("room-1", 5, 10).messages().isEmpty());
    assertTrue(realtime.history("room-2", 0, 10).messages().isEmpty(), "enabled, nothing yet");
  }

  @Test
  void history_channelWithoutHistory_throwsAndBadArgumentsRejected() {
    assertFalse(realtime.historyEnabled("chat"));
    assertTrue(realtime.historyEnabled("room-x"));
    IllegalStateException ex = assertThrows(IllegalStateException.class, () -> realtime.history("chat", 0, 10));
    assertTrue(ex.getMessage().contains("chat"));
    assertThrows(IllegalArgumentException.class, () -> realtime.history("room-1", -1, 10));
    assertThrows(IllegalArgumentException.class, () -> realtime.history("room-1", 0, 0));
    assertThrows(IllegalArgumentException.class, () -> realtime.history("room-1", 0, 1001));
  }

  @Test
  void history_retentionPassed_dropped() {
    realtime.publish("room-1", json("1"), null);
    advanceAndSweep(Duration.ofHours(24));
    assertTrue(realtime.history("room-1", 0, 10).messages().isEmpty());
  }

  // ---------------------------------------------------------------- lifecycle and configuration

  @Test
  void builder_badOrRepeatedSettings_failNamingTheValue() {
    Realtime.Builder b = Realtime.builder(hub).gracePeriod(Duration.ofSeconds(3));
    IllegalStateException ex = assertThrows(IllegalStateException.class, () -> b.gracePeriod(Duration.ofSeconds(4)));
    assertTrue(ex.getMessage().contains("PT3S"), ex.getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.presenceTtl(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.maxPayloadBytes(0));
    assertThrows(IllegalArgumentException.class, () -> b.history("room/*", 10));
    assertThrows(IllegalArgumentException.class, () -> b.history("room-*", 0));
    b.history("room-*", 10);
    IllegalStateException again = assertThrows(IllegalStateException.class, () -> b.history("room-*", 20));
    assertTrue(again.getMessage().contains("10"), again.getMessage());
  }

  @Test
  void close_injectedScheduler_notShutDownAndIdempotent() {
    ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
    try {
      Realtime rt = Realtime.builder(hub).scheduler(exec).build();
      rt.join("room-1", "alice", null);
      rt.close();
      rt.close();
      assertFalse(exec.isShutdown());
      assertThrows(IllegalStateException.class, () -> rt.publish("room-1", null, null));
    } finally {
      exec.shutdownNow();
    }
  }
}
