package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import dev.ren.testing.ManualClock;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RealtimeTest {

  static final Duration GRACE = Duration.ofSeconds(10);
  static final Duration TTL = Duration.ofSeconds(60);

  /** The client tracker: tests open and close streams on it to drive presence. */
  RenHub hub;
  /** What realtime published, recorded by the calling thread before the call returns. */
  RecordingPublisher events;
  ManualClock clock;
  ManualScheduler scheduler;
  Realtime realtime;

  @BeforeEach
  void setUp() {
    hub = RenHub.create();
    events = new RecordingPublisher();
    clock = new ManualClock(1_700_000_000_000L);
    scheduler = new ManualScheduler(clock);
    realtime = Realtime.builder(events, hub).clock(clock).scheduler(scheduler).gracePeriod(GRACE).presenceTtl(TTL)
        .channelRetention(Duration.ofMinutes(5)).history("room-*", 3).maxPayloadBytes(1024).build();
  }

  @AfterEach
  void tearDown() {
    realtime.close();
    hub.close();
  }

  /** Takes every recorded event and returns the first of type {@code t}. */
  RenEvent take(String t) {
    List<RenEvent> taken = events.drain();
    return taken.stream().filter(e -> e.t().equals(t)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + t + " event; recorded: " + taken));
  }

  /** Takes every recorded event and returns their types. */
  List<String> takeTypes() {
    return events.drain().stream().map(RenEvent::t).toList();
  }

  /** A publisher that yields a random number of times before recording: widens the races of ordering tests. */
  RenPublisher jittery() {
    return e -> {
      for (int i = ThreadLocalRandom.current().nextInt(20); i > 0; i--) {
        Thread.yield();
      }
      return events.publish(e);
    };
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
    RenEvent e = take(EventTypes.REALTIME_MESSAGE);
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
    assertEquals(2, events.drain().size());
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
    assertTrue(events.drain().isEmpty());
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
    RenEvent e = take(EventTypes.PRESENCE_JOIN);
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
    List<RenEvent> published = events.drain();
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), published.stream().map(RenEvent::t).toList());
    assertEquals(clock.millis(), realtime.members("room-1").get(0).lastSeen(), "a join refreshes lastSeen");
  }

  @Test
  void join_alreadyPresentOtherMetadata_emitsUpdate() throws Exception {
    realtime.join("room-1", "alice", json("{\"a\":1}"));
    assertFalse(realtime.join("room-1", "alice", json("{\"a\":2}")));
    List<RenEvent> published = events.drain();
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
    List<RenEvent> published = events.drain();
    assertEquals(List.of(EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_UPDATE),
        published.stream().map(RenEvent::t).toList());
    assertTrue(realtime.members("room-1").stream().noneMatch(m -> m.userId().equals("ghost")));
  }

  @Test
  void leave_present_emitsLeaveWithLastMetadata_absent_returnsFalse() throws Exception {
    realtime.join("room-1", "alice", json("{\"a\":1}"));
    assertTrue(as("c9", () -> realtime.leave("room-1", "alice")));
    assertFalse(realtime.leave("room-1", "alice"));
    List<RenEvent> published = events.drain();
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
    take(EventTypes.PRESENCE_JOIN);
    advanceAndSweep(TTL.multipliedBy(3));
    assertTrue(events.drain().isEmpty(), "a live stream keeps the member past the TTL");
    s.close();
    advanceAndSweep(GRACE.minusMillis(1));
    assertTrue(events.drain().isEmpty(), "no leave inside the grace period");
    advanceAndSweep(Duration.ofMillis(1));
    RenEvent leave = take(EventTypes.PRESENCE_LEAVE);
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
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), takeTypes());
    assertEquals(1, realtime.members("room-1").size());
    again.close();
    advanceAndSweep(GRACE);
    take(EventTypes.PRESENCE_LEAVE);
  }

  @Test
  void presence_streamClosedAndReopenedBeforeSweep_noLeave() throws Exception {
    Subscription s = stream(hub, "c1");
    as("c1", () -> realtime.join("room-1", "alice", null));
    s.close();
    Subscription again = stream(hub, "c1");
    advanceAndSweep(GRACE.multipliedBy(2));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), takeTypes());
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
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), takeTypes());
    tab2.close();
    advanceAndSweep(GRACE);
    take(EventTypes.PRESENCE_LEAVE);
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
    take(EventTypes.PRESENCE_LEAVE);
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
        takeTypes());
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
        takeTypes(), "exactly one leave");
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
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), takeTypes());
    advanceAndSweep(Duration.ofMillis(1));
    RenEvent leave = take(EventTypes.PRESENCE_LEAVE);
    assertNull(leave.src());
    assertTrue(realtime.members("room-1").isEmpty());
    assertTrue(realtime.channels().isEmpty());
  }

  @Test
  void presence_clientThatNeverStreamed_expiresAfterTtl() throws Exception {
    as("c1", () -> realtime.join("room-1", "alice", null));
    advanceAndSweep(TTL);
    take(EventTypes.PRESENCE_LEAVE);
  }

  @Test
  void presence_clientOpensStreamAfterJoin_heldByStreamNotTtl() throws Exception {
    as("c1", () -> realtime.join("room-1", "alice", null));
    Subscription s = stream(hub, "c1");
    advanceAndSweep(TTL.multipliedBy(2));
    assertEquals(1, realtime.members("room-1").size());
    s.close();
    advanceAndSweep(GRACE);
    take(EventTypes.PRESENCE_LEAVE);
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
  void presence_expiryTimer_firesAtGraceDeadlineByItself() {
    Subscription s = stream(hub, "c1");
    as("c1", () -> realtime.join("room-1", "alice", null));
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), takeTypes());
    assertEquals(Long.MAX_VALUE, scheduler.nextDue(), "a live stream needs no timer");
    s.close();
    assertEquals(clock.millis() + GRACE.toMillis(), scheduler.nextDue(), "the timer waits for the grace deadline");
    clock.advance(GRACE.minusMillis(1));
    assertEquals(0, scheduler.runDue());
    assertTrue(events.drain().isEmpty(), "not before the grace period");
    clock.advance(Duration.ofMillis(1));
    assertEquals(1, scheduler.runDue());
    RenEvent leave = take(EventTypes.PRESENCE_LEAVE);
    assertEquals("alice", leave.uid());
    assertNull(leave.src(), "expiry is system-caused");
    assertTrue(realtime.members("room-1").isEmpty());
    assertEquals(Long.MAX_VALUE, scheduler.nextDue(), "nothing left to expire");
  }

  @Test
  void presence_expiryTimer_earlierDeadlineMovesTheTimer() {
    realtime.join("room-1", "alice", null); // anonymous: TTL
    assertEquals(clock.millis() + TTL.toMillis(), scheduler.nextDue());
    Subscription s = stream(hub, "c1");
    as("c1", () -> realtime.join("room-2", "bob", null));
    s.close();
    assertEquals(clock.millis() + GRACE.toMillis(), scheduler.nextDue(), "grace ends before the TTL");
    clock.advance(GRACE);
    scheduler.runDue();
    assertEquals(List.of("alice"), realtime.members("room-1").stream().map(PresenceMember::userId).toList());
    assertTrue(realtime.members("room-2").isEmpty());
    assertEquals(clock.millis() - GRACE.toMillis() + TTL.toMillis(), scheduler.nextDue(), "then the TTL");
  }

  @Test
  void presence_concurrentJoinsLeavesAndStreams_eventsAlternateAndMatchFinalState() throws Exception {
    // published outside the presence lock by a jittery publisher: only the outbox keeps a member's events in order
    Realtime rt = Realtime.builder(jittery(), hub).clock(clock).scheduler(scheduler).gracePeriod(GRACE)
        .presenceTtl(TTL).build();
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
            case 0, 1 -> as(cid, () -> rt.join("room-1", user, json("{\"m\":" + rnd.nextInt(3) + "}")));
            case 2 -> as(cid, () -> rt.update("room-1", user, json("{\"m\":" + rnd.nextInt(3) + "}")));
            case 3 -> as(rnd.nextBoolean() ? cid : null, () -> rt.leave("room-1", user));
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
              rt.sweep();
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
    java.util.Map<String, JsonNode> metadata = new java.util.HashMap<>();
    int count = 0;
    for (RenEvent e : events.drain()) {
      count++;
      metadata.put(e.uid(), e.data());
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
    assertEquals(expected, new java.util.TreeSet<>(rt.members("room-1").stream()
        .map(PresenceMember::userId).toList()), "final members match the event stream");
    for (PresenceMember m : rt.members("room-1")) {
      assertEquals(metadata.get(m.userId()), m.metadata(), "the last event of " + m.userId() + " is its last change");
    }
    // every stream is closed now: after grace and TTL everybody is gone, each with exactly one leave
    clock.advance(TTL.plus(GRACE));
    rt.sweep();
    assertTrue(rt.members("room-1").isEmpty());
    long leaves = events.drain().stream().filter(e -> e.t().equals(EventTypes.PRESENCE_LEAVE)).count();
    assertEquals(expected.size(), leaves);
    rt.close();
  }

  @Test
  void publish_concurrentOnHistoryChannel_sequenceMatchesWireOrderAndEachCallerGetsItsId() throws Exception {
    // published outside the channel lock by a jittery publisher: only the outbox keeps the sequence order
    try (Realtime rt = Realtime.builder(jittery(), hub).clock(clock).scheduler(scheduler).history("busy", 10_000)
        .build()) {
      int threads = 8;
      int each = 250;
      java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<java.util.concurrent.Future<List<ChannelMessage>>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          List<ChannelMessage> mine = new java.util.ArrayList<>();
          for (int i = 0; i < each; i++) {
            mine.add(rt.publish("busy", json("1"), null));
          }
          return mine;
        }));
      }
      List<ChannelMessage> returned = new java.util.ArrayList<>();
      for (java.util.concurrent.Future<List<ChannelMessage>> f : futures) {
        returned.addAll(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
      pool.shutdown();
      List<RenEvent> wire = events.drain();
      assertEquals(threads * each, wire.size());
      for (int i = 0; i < wire.size(); i++) {
        assertEquals(Long.toString(i + 1), wire.get(i).v(), "wire order is sequence order");
      }
      for (ChannelMessage m : returned) {
        // the recording publisher's ids count 1, 2, 3, ... in publish order
        assertEquals(Long.toString(m.seq()), m.id(), "the caller gets the id of its own event");
      }
      ChannelHistory h = rt.history("busy", 0, 1000);
      assertEquals(1000, h.messages().size());
      assertEquals(threads * each, h.lastSeq());
      assertEquals(1, h.messages().get(0).seq());
      assertEquals("1", h.messages().get(0).id());
    }
  }

  // ---------------------------------------------------------------- history

  @Test
  void history_lateJoiner_catchesUpAfterSequence() throws Exception {
    for (int i = 1; i <= 5; i++) {
      ChannelMessage m = realtime.publish("room-1", json("{\"n\":" + i + "}"), "u" + i);
      assertEquals(i, m.seq());
    }
    List<RenEvent> published = events.drain();
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

  @Test
  void builder_everySettingGivenTwice_refusedNamingTheEarlierValue() {
    ScheduledExecutorService exec = new ManualScheduler(clock);
    Realtime.Builder b = Realtime.builder(events, hub).gracePeriod(Duration.ofSeconds(3)).presenceTtl(TTL)
        .channelRetention(Duration.ofMinutes(7)).historyRetention(Duration.ofHours(2)).maxPayloadBytes(2048)
        .clock(clock).scheduler(exec).history("a-*", 5);
    List<org.junit.jupiter.api.function.Executable> again = List.of(
        () -> b.gracePeriod(Duration.ofSeconds(4)), () -> b.presenceTtl(TTL), () -> b.channelRetention(TTL),
        () -> b.historyRetention(TTL), () -> b.maxPayloadBytes(4096), () -> b.clock(clock), () -> b.scheduler(exec),
        () -> b.history("a-*", 6));
    List<String> named = List.of("gracePeriod was already set to PT3S", "presenceTtl was already set to PT1M",
        "channelRetention was already set to PT7M", "historyRetention was already set to PT2H",
        "maxPayloadBytes was already set to 2048", "clock was already set to", "scheduler was already set to",
        "history(a-*) was already set to 5");
    for (int i = 0; i < again.size(); i++) {
      IllegalStateException ex = assertThrows(IllegalStateException.class, again.get(i));
      assertTrue(ex.getMessage().startsWith(named.get(i)), ex.getMessage());
    }
    b.history("b-*", 6); // another pattern is another setting
    b.build().close();
  }

  @Test
  void close_ownScheduler_shutDownAndIdempotent() {
    Realtime rt = Realtime.builder(events, hub).build();
    rt.join("room-1", "alice", null); // schedules its TTL on the scheduler the builder created
    assertFalse(rt.expiryTimer().ownedSchedulerShutDown());
    rt.close();
    assertTrue(rt.expiryTimer().ownedSchedulerShutDown());
    rt.close();
    assertThrows(IllegalStateException.class, () -> rt.join("room-1", "bob", null));
  }

  // ---------------------------------------------------------------- publishing outside the locks

  /** Records through {@link #events}; the first event matching {@code block} waits for {@link #release}. */
  final class BlockingPublisher implements RenPublisher {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final Predicate<RenEvent> block;

    BlockingPublisher(Predicate<RenEvent> block) {
      this.block = block;
    }

    @Override
    public String publish(RenEvent e) {
      if (entered.getCount() > 0 && block.test(e)) {
        entered.countDown();
        try {
          assertTrue(release.await(30, TimeUnit.SECONDS), "released");
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(ex);
        }
      }
      return events.publish(e);
    }

    void awaitEntered() throws InterruptedException {
      assertTrue(entered.await(10, TimeUnit.SECONDS), "the blocking publish started");
    }
  }

  static <T> FutureTask<T> startThread(String name, java.util.concurrent.Callable<T> task) {
    FutureTask<T> f = new FutureTask<>(task);
    Thread t = new Thread(f, name);
    t.setDaemon(true);
    t.start();
    return f;
  }

  @Test
  void publish_publisherBlockedOnOneChannel_otherChannelsPresenceAndReadsComplete() throws Exception {
    BlockingPublisher blocking = new BlockingPublisher(e -> "slow".equals(e.ch()));
    try (Realtime rt = Realtime.builder(blocking, hub).clock(clock).scheduler(scheduler).history("slow", 10)
        .build()) {
      FutureTask<ChannelMessage> stuck = startThread("stuck", () -> rt.publish("slow", json("1"), null));
      blocking.awaitEntered();
      try {
        assertEquals(0, rt.publish("fast", json("2"), null).seq(), "another channel publishes");
        assertTrue(rt.join("other", "bob", null), "presence elsewhere goes on");
        assertTrue(rt.join("slow", "alice", null), "presence on the blocked channel goes on");
        assertEquals(List.of("fast", "other", "slow"), rt.channels(), "reads take the channel lock briefly only");
        assertTrue(rt.history("slow", 0, 10).messages().isEmpty(), "history lists a message once published");
        assertFalse(stuck.isDone());
      } finally {
        blocking.release.countDown();
      }
      ChannelMessage m = stuck.get(10, TimeUnit.SECONDS);
      assertEquals(1, m.seq());
      assertEquals(List.of(m), rt.history("slow", 0, 10).messages());
    }
  }

  @Test
  void join_publisherBlockedOnOneMember_otherPresenceChangesAndReadsComplete() throws Exception {
    BlockingPublisher blocking = new BlockingPublisher(e -> "alice".equals(e.uid()));
    try (Realtime rt = Realtime.builder(blocking, hub).clock(clock).scheduler(scheduler).build()) {
      FutureTask<Boolean> stuck = startThread("stuck", () -> rt.join("room-a", "alice", json("{\"s\":1}")));
      blocking.awaitEntered();
      try {
        assertEquals(List.of("alice"), rt.members("room-a").stream().map(PresenceMember::userId).toList(),
            "the join was applied before its event is published");
        assertTrue(rt.join("room-b", "bob", null), "a join on another channel completes");
        assertTrue(rt.leave("room-b", "bob"));
        assertEquals(List.of("room-a"), rt.channels());
        rt.publish("room-a", json("1"), null);
        assertFalse(stuck.isDone());
      } finally {
        blocking.release.countDown();
      }
      assertTrue(stuck.get(10, TimeUnit.SECONDS));
      assertTrue(events.events().stream().anyMatch(e -> "alice".equals(e.uid())
          && e.t().equals(EventTypes.PRESENCE_JOIN)));
    }
  }

  @Test
  void publish_sameChannelWhilePublishBlocked_waitsAndKeepsSequenceOrder() throws Exception {
    BlockingPublisher blocking = new BlockingPublisher(e -> "1".equals(e.v()));
    try (Realtime rt = Realtime.builder(blocking, hub).clock(clock).scheduler(scheduler).history("c", 10).build()) {
      FutureTask<ChannelMessage> first = startThread("first", () -> rt.publish("c", json("1"), null));
      blocking.awaitEntered();
      FutureTask<ChannelMessage> second = startThread("second", () -> rt.publish("c", json("2"), null));
      try {
        Waits.until(() -> rt.channels().contains("c") && !second.isDone() && threadWaiting("second"));
      } finally {
        blocking.release.countDown();
      }
      assertEquals(1, first.get(10, TimeUnit.SECONDS).seq());
      assertEquals(2, second.get(10, TimeUnit.SECONDS).seq());
      assertEquals(List.of("1", "2"), events.drain().stream().map(RenEvent::v).toList());
    }
  }

  /** Whether the thread named {@code name} is parked (on a lock it waits for). */
  static boolean threadWaiting(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.getState() == Thread.State.WAITING);
  }

  // ---------------------------------------------------------------- applied but not published

  @Test
  void publish_publisherFails_appliedButNotPublishedAndKeptInHistory() {
    events.failWith(new EventLogUnavailableException("log down"));
    AppliedButNotPublishedException ex = assertThrows(AppliedButNotPublishedException.class,
        () -> as("c1", () -> realtime.publish("room-1", json("{\"n\":1}"), "alice")));
    assertEquals(EventTypes.REALTIME_MESSAGE, ex.event().t());
    assertEquals("1", ex.event().v());
    assertEquals("c1", ex.event().src());
    assertInstanceOf(EventLogUnavailableException.class, ex.getCause());
    ChannelHistory h = realtime.history("room-1", 0, 10);
    assertEquals(1, h.lastSeq(), "the message was recorded");
    assertEquals(json("{\"n\":1}"), h.messages().get(0).data());
    assertNull(h.messages().get(0).id(), "it has no event id");
    assertEquals(List.of("room-1"), realtime.channels());

    events.failWith(null);
    ChannelMessage next = realtime.publish("room-1", json("{\"n\":2}"), "alice");
    assertEquals(2, next.seq());
    assertEquals(List.of("2"), events.drain().stream().map(RenEvent::v).toList());
  }

  @Test
  void presence_publisherFails_appliedButNotPublishedAndStateChanged() {
    events.failWith(new EventLogUnavailableException("log down"));
    AppliedButNotPublishedException join = assertThrows(AppliedButNotPublishedException.class,
        () -> realtime.join("room-1", "alice", json("{\"a\":1}")));
    assertEquals(EventTypes.PRESENCE_JOIN, join.event().t());
    assertEquals(List.of(new PresenceMember("alice", json("{\"a\":1}"), clock.millis())),
        realtime.members("room-1"));

    AppliedButNotPublishedException update = assertThrows(AppliedButNotPublishedException.class,
        () -> realtime.update("room-1", "alice", json("{\"a\":2}")));
    assertEquals(EventTypes.PRESENCE_UPDATE, update.event().t());
    assertEquals(json("{\"a\":2}"), realtime.members("room-1").get(0).metadata());
    assertTrue(realtime.update("room-1", "alice", json("{\"a\":2}")), "identical: no event, nothing to fail");

    AppliedButNotPublishedException leave = assertThrows(AppliedButNotPublishedException.class,
        () -> realtime.leave("room-1", "alice"));
    assertEquals(EventTypes.PRESENCE_LEAVE, leave.event().t());
    assertTrue(realtime.members("room-1").isEmpty());

    events.failWith(null);
    assertTrue(realtime.join("room-1", "alice", null), "a new member: the failed leave was applied");
    assertEquals(List.of(EventTypes.PRESENCE_JOIN), takeTypes());
  }

  @Test
  void publish_failedEventPublishedByAnotherCaller_failureReachesItsOwnCaller() throws Exception {
    java.util.Map<String, String> failedOn = new java.util.concurrent.ConcurrentHashMap<>();
    BlockingPublisher blocking = new BlockingPublisher(e -> "1".equals(e.v()));
    RenPublisher failingSecond = e -> {
      if ("2".equals(e.v())) {
        failedOn.put("2", Thread.currentThread().getName());
        throw new EventLogUnavailableException("log down for message 2");
      }
      return blocking.publish(e);
    };
    try (Realtime rt = Realtime.builder(failingSecond, hub).clock(clock).scheduler(scheduler).history("c", 10)
        .build()) {
      FutureTask<ChannelMessage> first = startThread("first", () -> rt.publish("c", json("1"), null));
      blocking.awaitEntered();
      FutureTask<ChannelMessage> second;
      FutureTask<ChannelMessage> third;
      try {
        // both are queued behind the first and wait for the channel's publish lock
        second = startThread("second", () -> rt.publish("c", json("2"), null));
        Waits.until(() -> threadWaiting("second"));
        third = startThread("third", () -> rt.publish("c", json("3"), null));
        Waits.until(() -> threadWaiting("third"));
      } finally {
        blocking.release.countDown();
      }
      assertEquals(1, first.get(10, TimeUnit.SECONDS).seq(), "the drainer's own message is fine");
      ExecutionException failed = assertThrows(ExecutionException.class, () -> second.get(10, TimeUnit.SECONDS));
      AppliedButNotPublishedException ex = assertInstanceOf(AppliedButNotPublishedException.class,
          failed.getCause());
      assertEquals("2", ex.event().v());
      assertEquals("first", failedOn.get("2"), "the first caller published the queued messages");
      assertEquals(3, third.get(10, TimeUnit.SECONDS).seq(), "a later caller is not failed by it");
      assertEquals(List.of("1", "3"), events.drain().stream().map(RenEvent::v).toList());
      List<ChannelMessage> history = rt.history("c", 0, 10).messages();
      assertEquals(List.of(1L, 2L, 3L), history.stream().map(ChannelMessage::seq).toList());
      assertNull(history.get(1).id());
    }
  }

  @Test
  void sweep_leavesNotPublished_throwsAfterExpiringEveryMember() {
    realtime.join("room-1", "alice", null);
    realtime.join("room-2", "bob", null);
    events.drain();
    events.failWith(new EventLogUnavailableException("log down"));
    clock.advance(TTL);
    AppliedButNotPublishedException ex = assertThrows(AppliedButNotPublishedException.class, realtime::sweep);
    assertEquals(EventTypes.PRESENCE_LEAVE, ex.event().t());
    assertEquals(1, ex.getSuppressed().length, "the other leave's failure");
    assertTrue(realtime.members("room-1").isEmpty());
    assertTrue(realtime.members("room-2").isEmpty());
    assertTrue(realtime.channels().isEmpty());
  }

  @Test
  void expiryTimer_leaveNotPublished_memberGoneAndTimerKeepsRunning() {
    realtime.join("room-1", "alice", null);
    clock.advance(Duration.ofSeconds(1));
    realtime.join("room-1", "bob", null);
    events.failWith(new EventLogUnavailableException("log down"));
    clock.advance(TTL.minusSeconds(1));
    assertEquals(1, scheduler.runDue(), "the failure is logged, not thrown at the scheduler");
    assertEquals(List.of("bob"), realtime.members("room-1").stream().map(PresenceMember::userId).toList());
    events.failWith(null);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, scheduler.runDue(), "the next deadline was scheduled");
    assertEquals("bob", take(EventTypes.PRESENCE_LEAVE).uid());
  }
}
