package dev.ren.hub;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.Registration;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.log.EncodedEvent;
import dev.ren.log.EventLog;
import dev.ren.log.LogEntry;
import dev.ren.log.MemoryEventLog;
import dev.ren.log.Position;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenHubTest {

  RenHub hub;

  @AfterEach
  void close() {
    if (hub != null) {
      hub.close();
    }
  }

  static List<String> keys(Subscription s) {
    List<String> out = new ArrayList<>();
    s.poll((id, e, frame) -> out.add(e.k()) && true);
    return out;
  }

  @Test
  void publish_stampsTsAndSrcFromOrigin() {
    hub = RenHub.builder().clock(Clock.fixed(Instant.ofEpochMilli(42), ZoneOffset.UTC)).build();
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { });
    try (RenOrigin.Scope scope = RenOrigin.open("tab1")) {
      hub.publish(RenEvent.kvPut("n", "a", "1"));
    }
    hub.publish(RenEvent.kvPut("n", "b", "1"));
    List<RenEvent> got = new ArrayList<>();
    s.poll((id, e, f) -> got.add(e));
    assertEquals(42, got.get(0).ts());
    assertEquals("tab1", got.get(0).src());
    assertNull(got.get(1).src(), "outside a scope there is no origin");
  }

  @Test
  void publish_reservedRenDomainOrOversized_isRejected() {
    hub = RenHub.builder().maxEventBytes(300).build();
    assertThrows(IllegalArgumentException.class, () -> hub.publish(RenEvent.builder("ren.meta").build()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hub.publish(
        RenEvent.builder("kv.put").data(TextNode.valueOf("x".repeat(400))).build()));
    assertTrue(e.getMessage().contains("limit is 300"));
  }

  @Test
  void subscribe_withLastEventId_replaysAfterItWithoutDuplicate() {
    hub = RenHub.create();
    String a = hub.publish(RenEvent.kvPut("n", "a", "1"));
    hub.publish(RenEvent.kvPut("n", "b", "1"));
    hub.publish(RenEvent.kvPut("n", "c", "1"));
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(a), () -> { });
    assertFalse(s.reset());
    assertEquals(a, s.startId());
    assertEquals(List.of("b", "c"), keys(s));
    hub.publish(RenEvent.kvPut("n", "d", "1"));
    assertEquals(List.of("d"), keys(s));
    assertEquals(List.of(), keys(s));
  }

  @Test
  void subscribe_resumeIds_resetOnlyWhenPositionIsGone() {
    hub = RenHub.builder().log(new MemoryEventLog("abc")).capacity(4).build();
    String first = hub.publish(RenEvent.kvPut("n", "0", "1"));
    for (int i = 1; i < 10; i++) {
      hub.publish(RenEvent.kvPut("n", String.valueOf(i), "1"));
    }
    assertTrue(sub(first).reset(), "older than the ring");
    assertTrue(sub("abc.11").reset(), "from the future");
    assertTrue(sub("xyz.5").reset(), "another epoch");
    assertTrue(sub("abc.x").reset(), "malformed");
    assertTrue(sub("abc." + "1".repeat(200)).reset(), "over-long");
    Subscription ok = sub("abc.7");
    assertFalse(ok.reset());
    assertEquals(List.of("7", "8", "9"), keys(ok), "ids are 1-based: abc.7 is key 6");
    Subscription newest = sub("abc.10");
    assertFalse(newest.reset());
    assertEquals(List.of(), keys(newest));
  }

  @Test
  void subscribe_startIdOfFreshHub_resumesFromTheBeginning() {
    hub = RenHub.create();
    Subscription live = hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { });
    String start = live.startId();
    hub.publish(RenEvent.kvPut("n", "a", "1"));
    Subscription resumed = sub(start);
    assertFalse(resumed.reset());
    assertEquals(List.of("a"), keys(resumed));
  }

  private Subscription sub(String id) {
    return hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(id), () -> { });
  }

  @Test
  void poll_readerOverrunByRing_reportsOverrun() {
    hub = RenHub.builder().capacity(4).build();
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { });
    for (int i = 0; i < 10; i++) {
      hub.publish(RenEvent.kvPut("n", String.valueOf(i), "1"));
    }
    assertEquals(Subscription.PollResult.OVERRUN, s.poll((id, e, f) -> true));
  }

  @Test
  void ring_byteBudget_dropsOldestFrames() {
    hub = RenHub.builder().capacity(1024).maxRingBytes(4096).build();
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { });
    for (int i = 0; i < 100; i++) {
      hub.publish(RenEvent.builder("kv.put").key("k" + i).data(TextNode.valueOf("x".repeat(200))).build());
    }
    assertEquals(Subscription.PollResult.OVERRUN, s.poll((id, e, f) -> true), "bytes bound the ring too");
    assertTrue(s.lagBytes() > 4096);
  }

  @Test
  void publish_payloadTreesFarLargerThanTheirJson_countAgainstTheRingBound() {
    hub = RenHub.builder().capacity(1024).maxRingBytes(1 << 20).build();
    com.fasterxml.jackson.databind.node.ArrayNode empties = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < 20_000; i++) {
      empties.addObject(); // 60 KB of JSON, ~2 MB as a tree
    }
    String first = hub.publish(RenEvent.builder("realtime.message").channel("c").data(empties).build());
    for (int i = 0; i < 5; i++) {
      hub.publish(RenEvent.builder("realtime.message").channel("c").data(empties).build());
    }
    // six such events are 360 KB of frames, well under 1 MiB; counted as trees, the first was dropped long ago
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(first), () -> { });
    assertTrue(s.reset(), "the ring bound counts payload trees, not only frames");
  }

  @Test
  void subscribe_accessPredicate_appliesToReplayAndLive() {
    hub = RenHub.create();
    String first = hub.publish(RenEvent.kvPut("public", "a", "1"));
    hub.publish(RenEvent.kvPut("secret", "b", "1"));
    hub.publish(RenEvent.kvPut("public", "c", "1"));
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(first)
        .withAccess(e -> !"secret".equals(e.ns())), () -> { });
    assertEquals(List.of("c"), keys(s));
    hub.publish(RenEvent.kvPut("secret", "d", "1"));
    hub.publish(RenEvent.kvPut("public", "e", "1"));
    assertEquals(List.of("e"), keys(s));
  }

  @Test
  void subscribe_accessPredicateThrows_withholdsEvent() {
    hub = RenHub.create();
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withAccess(e -> {
      throw new IllegalStateException("boom");
    }), () -> { });
    hub.publish(RenEvent.kvPut("n", "a", "1"));
    assertEquals(List.of(), keys(s));
  }

  @Test
  void listen_listenerThrows_otherEventsStillDelivered() throws Exception {
    hub = RenHub.create();
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    try (AutoCloseable l = hub.listen(RenFilter.parse("kv"), (id, e) -> {
      if (e.k().equals("bad")) {
        throw new IllegalStateException("listener bug");
      }
      got.add(e.k());
    })) {
      hub.publish(RenEvent.kvPut("n", "bad", "1"));
      hub.publish(RenEvent.dbCreated("c", "ignored", "1"));
      hub.publish(RenEvent.kvPut("n", "good", "1"));
      assertEquals("good", got.poll(5, TimeUnit.SECONDS));
    }
    assertEquals(0, hub.subscriberCount());
  }

  @Test
  void publish_withNoSubscription_laterSubscribersAndListenersGetTheNextEvents() throws Exception {
    hub = RenHub.create();
    for (int i = 0; i < 100; i++) { // nobody listens: the dispatcher is not woken for these
      hub.publish(RenEvent.kvPut("n", "early" + i, "1"));
    }
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    CountDownLatch signalled = new CountDownLatch(1);
    try (AutoCloseable l = hub.listen(RenFilter.parse("kv"), (id, e) -> heard.add(e.k()))) {
      Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()), signalled::countDown);
      hub.publish(RenEvent.kvPut("n", "late", "1"));
      assertEquals("late", heard.poll(5, TimeUnit.SECONDS), "a listener sees events published after it joined");
      assertTrue(signalled.await(5, TimeUnit.SECONDS), "the subscription is told that an event waits");
      assertEquals(List.of("late"), keys(s));
      assertNull(heard.poll(100, TimeUnit.MILLISECONDS), "nothing from before the listener joined");
      s.close();
    }
    assertEquals(0, hub.subscriberCount());
  }

  @Test
  void clientListener_firstOpenAndLastClose_areReported() {
    hub = RenHub.create();
    List<String> calls = new ArrayList<>();
    hub.addClientListener(listenerOf(calls));
    Subscription a = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withClientId("c1"), () -> { });
    Subscription b = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withClientId("c1"), () -> { });
    assertTrue(hub.isClientConnected("c1"));
    a.close();
    a.close();
    assertTrue(hub.isClientConnected("c1"));
    b.close();
    assertFalse(hub.isClientConnected("c1"));
    assertEquals(List.of("+c1", "-c1"), calls);
  }

  @Test
  void held_countedPerClientId_releasedByAsManyReleases() {
    hub = RenHub.create();
    assertFalse(hub.anyClientHeld());
    hub.held("c1");
    hub.held("c1");
    hub.held("c2");
    assertTrue(hub.isClientHeld("c1"));
    assertTrue(hub.anyClientHeld());
    hub.released("c1");
    assertTrue(hub.isClientHeld("c1"), "one hold of c1 is left");
    hub.released("c1");
    hub.released("c1"); // one too many: nothing goes below zero
    assertFalse(hub.isClientHeld("c1"));
    assertTrue(hub.anyClientHeld(), "c2 is still held");
    hub.released("c2");
    assertFalse(hub.anyClientHeld());
    hub.held("c1");
    assertTrue(hub.isClientHeld("c1"), "an extra release earlier does not cancel a later hold");
  }

  private static ClientListener listenerOf(List<String> calls) {
    return new ClientListener() {
      @Override
      public void clientConnected(String clientId) {
        calls.add("+" + clientId);
      }

      @Override
      public void clientDisconnected(String clientId) {
        calls.add("-" + clientId);
      }
    };
  }

  @Test
  void addClientListener_registrationClosed_stopsNotifications() {
    hub = RenHub.create();
    List<String> calls = new ArrayList<>();
    Registration r = hub.addClientListener(listenerOf(calls));
    hub.subscribe(SubscribeRequest.of(RenFilter.all()).withClientId("a"), () -> { }).close();
    r.close();
    r.close(); // idempotent
    hub.subscribe(SubscribeRequest.of(RenFilter.all()).withClientId("b"), () -> { }).close();
    assertEquals(List.of("+a", "-a"), calls);
  }

  @Test
  void onAvailable_calledWhenEventsArrive() throws Exception {
    hub = RenHub.create();
    CountDownLatch signalled = new CountDownLatch(1);
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()), signalled::countDown);
    hub.publish(RenEvent.kvPut("n", "a", "1"));
    assertTrue(signalled.await(5, TimeUnit.SECONDS));
    assertTrue(s.hasMore());
  }

  @Test
  void concurrency_manyPublishersManyPollers_everyoneSeesOneOrderExactlyOnce() throws Exception {
    hub = RenHub.builder().capacity(1 << 16).build();
    int readers = 6;
    int publishers = 4;
    int each = 5000;
    List<List<String>> seen = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    for (int r = 0; r < readers; r++) {
      List<String> ids = new ArrayList<>();
      seen.add(ids);
      Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { });
      Thread t = new Thread(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ids.size() < publishers * each && System.nanoTime() < deadline) {
          if (s.poll((id, e, f) -> ids.add(id)) == Subscription.PollResult.OVERRUN) {
            failures.incrementAndGet();
            return;
          }
          Thread.onSpinWait();
        }
      });
      threads.add(t);
      t.start();
    }
    List<Thread> pubs = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      int pp = p;
      Thread t = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          hub.publish(RenEvent.kvPut("n", pp + ":" + i, "1"));
        }
      });
      pubs.add(t);
      t.start();
    }
    for (Thread t : pubs) {
      t.join();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(0, failures.get());
    for (List<String> ids : seen) {
      assertEquals(publishers * each, ids.size());
      assertEquals(seen.get(0), ids);
      assertEquals(ids.size(), ids.stream().distinct().count());
    }
  }

  @Test
  void gap_reportedByLog_endsStreamsAndResetsResumesFromBeforeIt() {
    EventLog.Sink[] sink = new EventLog.Sink[1];
    MemoryEventLog memory = new MemoryEventLog("gap");
    EventLog log = new EventLog() {
      @Override public Position start(Sink s) { sink[0] = s; return memory.start(s); }
      @Override public String append(EncodedEvent event) { return memory.append(event); }
      @Override public Position parse(String eventId) { return memory.parse(eventId); }
      @Override public String format(Position position) { return memory.format(position); }
      @Override public List<LogEntry> readAfter(Position after, Position before, int max) {
        return memory.readAfter(after, before, max);
      }
      @Override public String describe() { return "gapping"; }
      @Override public void close() { }
    };
    hub = RenHub.builder().log(log).build();
    String before = hub.publish(RenEvent.kvPut("n", "a", "1"));
    Subscription live = hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { });
    sink[0].gap("test: entries lost");
    assertEquals(Subscription.PollResult.OVERRUN, live.poll((id, e, f) -> true));
    assertTrue(sub(before).reset(), "a resume across the gap resets");
    String after = hub.publish(RenEvent.kvPut("n", "b", "1"));
    hub.publish(RenEvent.kvPut("n", "c", "1"));
    Subscription resumed = sub(after);
    assertFalse(resumed.reset());
    assertEquals(List.of("c"), keys(resumed));
  }

  @Test
  void close_isIdempotentAndRejectsPublishing() {
    hub = RenHub.create();
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { });
    hub.close();
    hub.close();
    assertTrue(s.isClosed());
    assertThrows(IllegalStateException.class, () -> hub.publish(RenEvent.kvPut("n", "a", "1")));
    assertNotNull(hub.headId());
  }

  @Test
  void builder_invalidSettings_failNamingTheValue() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RenHub.builder().capacity(1)).getMessage()
        .contains("was 1"));
    RenHub.Builder b = RenHub.builder().log(new MemoryEventLog());
    assertTrue(assertThrows(IllegalStateException.class, () -> b.log(new MemoryEventLog())).getMessage()
        .contains("already set"));
    assertThrows(IllegalArgumentException.class, () -> RenHub.builder().nodeId("bad id"));
  }

  @Test
  void builder_settingGivenTwice_refusedNamingTheFirstValue() {
    RenHub.Builder b = RenHub.builder().capacity(1024);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.capacity(2048));
    assertEquals("capacity was already set to 1024", e.getMessage());
    b.nodeId("n1");
    assertThrows(IllegalStateException.class, () -> b.nodeId("n2"));
  }
}
