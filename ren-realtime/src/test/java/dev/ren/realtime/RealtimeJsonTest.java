package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.hub.RenHub;
import dev.ren.testing.ManualClock;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hardening leftover (issue 15): payloads and metadata given as JSON text ({@link Realtime#publishJson},
 * {@link Realtime#joinJson}, {@link Realtime#updateJson}) are checked, compacted and measured as stored before any
 * tree is built, and the stored bytes are read back as they are ({@link Realtime#historyJson},
 * {@link Realtime#membersJson}). A batch of leaves (a mass expiry) decodes one member's metadata at a time.
 */
class RealtimeJsonTest {

  RenHub hub;
  ManualClock clock;
  ManualScheduler scheduler;
  RecordingPublisher events;
  final List<Realtime> built = new ArrayList<>();

  @BeforeEach
  void setUp() {
    hub = RenHub.create();
    clock = new ManualClock(1_700_000_000_000L);
    scheduler = new ManualScheduler(clock);
    events = new RecordingPublisher();
  }

  @AfterEach
  void tearDown() {
    built.forEach(Realtime::close);
    hub.close();
  }

  Realtime build(RenPublisher publisher, int maxPayloadBytes) {
    Realtime rt = Realtime.builder(publisher, hub).clock(clock).scheduler(scheduler).history("*", 100)
        .maxPayloadBytes(maxPayloadBytes).build();
    built.add(rt);
    return rt;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** {@code [{},{},...]} of about {@code bytes} bytes. */
  static String emptyObjects(int bytes) {
    StringBuilder sb = new StringBuilder(bytes + 3).append("[{}");
    while (sb.length() + 4 <= bytes) {
      sb.append(",{}");
    }
    return sb.append(']').toString();
  }

  // ---------------------------------------------------------------- publish

  @Test
  void publishJson_spacedText_storedCompactAndEventCarriesTheTree() {
    Realtime rt = build(events, 1024);

    ChannelMessage m = rt.publishJson("room", utf8(" { \"a\" : [ 1 , 1E2 ] ,\n \"b\" : \"é\" } "), "alice");

    assertEquals(1, m.seq());
    StoredMessage stored = rt.historyJson("room", 0, 10).messages().get(0);
    assertEquals("{\"a\":[1,100.0],\"b\":\"é\"}", text(stored.dataJson()));
    assertEquals(stored.dataJson().length, stored.dataLength());
    RenEvent e = events.last();
    assertEquals(EventTypes.REALTIME_MESSAGE, e.t());
    assertEquals(TestJson.parse("{\"a\":[1,100.0],\"b\":\"é\"}"), e.data());
    assertEquals(rt.history("room", 0, 10).messages().get(0).data(), stored.data());
  }

  @Test
  void publishJson_sameValueAsPublishedTree_storesTheSameBytes() {
    Realtime rt = build(events, 1024);
    String json = "[1,2.5,-0,1e-400,123456789012345678901234567890,{\"x\":\"\\u00e9\\n\"},true,null]";

    rt.publishJson("a", utf8(json), null);
    rt.publish("a", TestJson.parse(json), null);

    List<StoredMessage> page = rt.historyJson("a", 0, 10).messages();
    assertEquals(text(page.get(1).dataJson()), text(page.get(0).dataJson()));
  }

  @Test
  void publishJson_nullLiteralOrNoData_keptAsPublishKeepsThem() {
    Realtime rt = build(events, 1024);

    rt.publishJson("a", utf8("null"), null);
    rt.publishJson("a", null, null);

    List<StoredMessage> page = rt.historyJson("a", 0, 10).messages();
    assertEquals("null", text(page.get(0).dataJson()));
    assertNull(page.get(1).dataJson());
    assertEquals(0, page.get(1).dataLength());
  }

  @Test
  void publishJson_overTheLimitAsStored_refusedWithItsExactSizeNothingRecorded() {
    Realtime rt = build(events, 64 << 10);
    String megabyte = emptyObjects(1 << 20);

    PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class,
        () -> rt.publishJson("room", utf8(megabyte), null));

    assertEquals(megabyte.length(), e.size(), "measured to its end");
    assertEquals(64 << 10, e.limit());
    assertTrue(events.events().isEmpty(), events.events().toString());
    assertEquals(0, rt.historyJson("room", 0, 10).lastSeq());
    assertTrue(rt.channels().isEmpty(), "a refused message creates no channel");
  }

  @Test
  void publishJson_spacedTextOverTheLimitButCompactWithin_accepted() {
    Realtime rt = build(events, 1024);
    String atLimit = "\"" + "z".repeat(1022) + "\"";

    rt.publishJson("p", utf8(" ".repeat(20_000) + atLimit + "\n".repeat(20_000)), null);

    assertEquals(atLimit, text(rt.historyJson("p", 0, 10).messages().get(0).dataJson()));
  }

  @Test
  void publishJson_megabyteOfEmptyObjects_refusedHavingCostAboutItsText() {
    Realtime rt = build(events, 64 << 10);
    byte[] megabyte = utf8(emptyObjects(1 << 20));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertThrows(PayloadTooLargeException.class, () -> rt.publishJson("warm", megabyte, null)); // first-use costs
    long id = Thread.currentThread().getId();

    long before = threads.getThreadAllocatedBytes(id);
    assertThrows(PayloadTooLargeException.class, () -> rt.publishJson("room", megabyte, null));
    long allocated = threads.getThreadAllocatedBytes(id) - before;

    // the copy keeps at most the limit and counts the rest; a tree of the megabyte would be ~30 MB
    assertTrue(allocated < megabyte.length, "refusing a megabyte allocated " + allocated + " bytes");
  }

  @Test
  void publishJson_notOneJsonValue_refusedNamingTheRuleNothingPublished() {
    Realtime rt = build(events, 1024);
    List<String> bad = List.of("", " ", "{\"a\":", "nope", "{} {}", "1 2", "[1e400]", "NaN",
        "[".repeat(101) + "]".repeat(101));

    for (String b : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> rt.publishJson("room", utf8(b), null), b);
      assertTrue(e.getMessage().startsWith("message payload "), e.getMessage());
    }

    assertTrue(events.events().isEmpty(), events.events().toString());
    assertTrue(rt.channels().isEmpty());
    rt.publishJson("room", utf8("[".repeat(100) + "]".repeat(100)), null); // a hundred deep is allowed
  }

  @Test
  void publish_treeWithNumberNotFinite_refusedInsteadOfStoringAString() {
    Realtime rt = build(events, 1024);

    JsonNode nan = JsonNodeFactory.instance.arrayNode().add(Double.NaN);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rt.publish("room", nan, null));

    assertTrue(e.getMessage().contains("not finite"), e.getMessage());
    assertTrue(events.events().isEmpty());
  }

  // ---------------------------------------------------------------- presence

  @Test
  void joinJson_metadataText_storedCompactAndReadBackAsStored() {
    Realtime rt = build(events, 1024);

    assertTrue(rt.joinJson("room", "alice", utf8("{ \"status\" : \"here\" }")));
    assertTrue(rt.joinJson("room", "bob", null));
    assertTrue(rt.joinJson("room", "carol", utf8("null")));

    List<StoredMember> members = rt.membersJson("room");
    assertEquals(List.of("alice", "bob", "carol"), members.stream().map(StoredMember::userId).toList());
    assertEquals("{\"status\":\"here\"}", text(members.get(0).metadataJson()));
    assertEquals("{}", text(members.get(1).metadataJson()));
    assertEquals("{}", text(members.get(2).metadataJson()));
    assertEquals(TestJson.parse("{\"status\":\"here\"}"), rt.members("room").get(0).metadata());
    assertEquals(TestJson.parse("{\"status\":\"here\"}"), events.ofType(EventTypes.PRESENCE_JOIN).get(0).data());
    assertEquals("{\"status\":\"here\"}".length(), members.get(0).metadataLength());
  }

  @Test
  void membersJson_returnedBytesAreCopies_storedMetadataUnchanged() {
    Realtime rt = build(events, 1024);
    rt.joinJson("room", "alice", utf8("{\"a\":1}"));

    byte[] first = rt.membersJson("room").get(0).metadataJson();
    first[1] = 'X';

    assertEquals("{\"a\":1}", text(rt.membersJson("room").get(0).metadataJson()));
  }

  @Test
  void updateJson_overTheLimit_413NothingChanged() {
    Realtime rt = build(events, 1024);
    rt.joinJson("room", "alice", utf8("{\"a\":1}"));
    events.drain();

    assertThrows(PayloadTooLargeException.class,
        () -> rt.updateJson("room", "alice", utf8(emptyObjects(64 << 10))));
    assertFalse(rt.updateJson("room", "ghost", utf8("{}")), "absent: nothing changed");

    assertEquals("{\"a\":1}", text(rt.membersJson("room").get(0).metadataJson()));
    assertTrue(events.events().isEmpty(), events.events().toString());
    assertTrue(rt.updateJson("room", "alice", utf8("{\"a\":2}")));
    assertEquals(EventTypes.PRESENCE_UPDATE, events.last().t());
  }

  @Test
  void joinJson_invalidMetadata_refusedNothingJoined() {
    Realtime rt = build(events, 1024);

    assertThrows(IllegalArgumentException.class, () -> rt.joinJson("room", "alice", utf8("{\"a\":1} x")));

    assertTrue(rt.membersJson("room").isEmpty());
    assertTrue(events.events().isEmpty());
  }

  // ---------------------------------------------------------------- leaves: one tree at a time

  @Test
  void expire_manyMembersLeaveAtOnce_eachLeaveBuiltOnlyWhenItsTurnComes() {
    AtomicInteger published = new AtomicInteger();
    AtomicInteger pendingMax = new AtomicInteger();
    List<RenEvent> seen = new ArrayList<>();
    OrderedOutbox outbox = new OrderedOutbox(e -> {
      seen.add(e);
      return Integer.toString(published.incrementAndGet());
    });
    AtomicInteger built = new AtomicInteger();
    List<OrderedOutbox.Ticket> tickets = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      int n = i;
      tickets.add(outbox.enqueue(new ChannelKey(null, "room"), EventTypes.PRESENCE_LEAVE, () -> {
        // built by the drainer right before its publish: every earlier one was published already
        pendingMax.accumulateAndGet(built.incrementAndGet() - published.get(), Math::max);
        return RenEvent.presence(EventTypes.PRESENCE_LEAVE, "room", "u" + n, TestJson.parse("{}"));
      }, null));
    }
    assertEquals(0, built.get(), "nothing is built while queued");

    for (OrderedOutbox.Ticket t : tickets) {
      outbox.await(t);
    }

    assertEquals(50, published.get());
    assertEquals(1, pendingMax.get(), "at most one event built and not yet published");
    assertEquals("u0", seen.get(0).uid());
    assertEquals("u49", seen.get(49).uid());
  }

  @Test
  void sweep_membersPastTheirTtl_leavesCarryTheirMetadata() {
    Realtime rt = build(events, 1024);
    for (int i = 0; i < 20; i++) {
      rt.joinJson("room", "u" + i, utf8("{\"i\":" + i + "}"));
    }
    events.drain();

    clock.advance(Duration.ofMinutes(2));
    rt.sweep();

    List<RenEvent> leaves = events.ofType(EventTypes.PRESENCE_LEAVE);
    assertEquals(20, leaves.size());
    for (int i = 0; i < 20; i++) {
      assertEquals("u" + i, leaves.get(i).uid());
      assertEquals(i, leaves.get(i).data().path("i").asInt(-1), leaves.get(i).toString());
    }
    assertTrue(rt.membersJson("room").isEmpty());
  }
}
