package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventTypes;
import dev.ren.RenPublisher;
import dev.ren.hub.RenHub;
import dev.ren.testing.ManualClock;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 (findings 3 and 4): what clients can make realtime keep is bounded (history bytes, channels, presence
 * members and metadata), payloads are kept as compact JSON, and idle channels are dropped so the maps keyed by
 * client input shrink back. Time moves only on a {@link ManualScheduler}, whose due tasks (the expiry timer) run as
 * it advances.
 */
class RealtimeBoundsTest {

  RenHub hub;
  ManualClock clock;
  ManualScheduler scheduler;
  final List<Realtime> built = new ArrayList<>();

  @BeforeEach
  void setUp() {
    hub = RenHub.create();
    clock = new ManualClock(1_700_000_000_000L);
    scheduler = new ManualScheduler(clock);
  }

  @AfterEach
  void tearDown() {
    built.forEach(Realtime::close);
    hub.close();
  }

  /** A builder on the manual clock and scheduler, publishing to {@code publisher}. */
  Realtime.Builder builder(RenPublisher publisher) {
    return Realtime.builder(publisher, hub).clock(clock).scheduler(scheduler);
  }

  Realtime build(Realtime.Builder b) {
    Realtime rt = b.build();
    built.add(rt);
    return rt;
  }

  /** A publisher that keeps nothing (a recorder would hold every payload's tree). */
  static RenPublisher discarding() {
    AtomicLong ids = new AtomicLong();
    return e -> Long.toString(ids.incrementAndGet());
  }

  /** {@code [{},{},...]}: the shape whose tree costs ~30 times its JSON, {@code bytes} long. */
  static JsonNode emptyObjects(int bytes) {
    StringBuilder sb = new StringBuilder(bytes).append('[');
    while (sb.length() + 4 <= bytes) {
      sb.append(sb.length() == 1 ? "{}" : ",{}");
    }
    return TestJson.parse(sb.append(']').toString());
  }

  static JsonNode json(String s) {
    return TestJson.parse(s);
  }

  // ---------------------------------------------------------------- history bytes

  @Test
  void publish_floodOf64KiBEmptyObjectMessages_historyBytesStayUnderTheBound() {
    long bound = 4L << 20;
    Realtime rt = build(builder(discarding()).history("room-*", 100).maxHistoryBytes(bound));
    JsonNode payload = emptyObjects(64 << 10);
    int payloadBytes = payload.toString().length();
    for (int i = 0; i < 300; i++) {
      rt.publish("room-" + (i / 10), payload, "u"); // ten messages on room-0, then ten on room-1, ...
    }
    HistoryStore store = rt.historyStore();
    assertTrue(store.bytes() <= bound, "history holds " + store.bytes() + " bytes, bound " + bound);
    // kept as its JSON: about bound / payload messages remain, not a handful of trees
    long perMessage = store.bytes() / store.messages();
    assertTrue(perMessage >= payloadBytes && perMessage < payloadBytes + 512, "stored cost " + perMessage);
    assertTrue(store.messages() >= bound / (payloadBytes + 512), "messages kept: " + store.messages());
    // the newest messages are what is left; the oldest channels lost theirs first
    ChannelHistory newest = rt.history("room-29", 0, 100);
    assertEquals(10, newest.lastSeq());
    assertEquals(payload, newest.messages().get(newest.messages().size() - 1).data());
    ChannelHistory oldest = rt.history("room-0", 0, 100);
    assertTrue(oldest.messages().isEmpty(), "room-0's messages were the oldest");
    assertTrue(oldest.truncated(), "a reader of room-0 learns it missed messages");
  }

  @Test
  void publish_manyChannelsEachWithAMessage_channelsAndHistoryBytesBounded() {
    RecordingPublisher events = new RecordingPublisher();
    Realtime rt = build(builder(events).history("c-*", 100).maxChannels(1000).maxHistoryBytes(256 << 10));
    JsonNode payload = json("{\"text\":\"" + "x".repeat(900) + "\"}");
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 1500; i++) {
      try {
        rt.publish("c-" + i, payload, null);
        accepted++;
      } catch (RealtimeFullException e) {
        assertEquals("maxChannels", e.setting());
        assertEquals(1000, e.limit());
        refused++;
      }
    }
    assertEquals(1000, accepted);
    assertEquals(500, refused);
    assertEquals(1000, events.events().size(), "a refused message emits nothing");
    assertEquals(1000, rt.liveChannels());
    assertEquals(1000, rt.channels().size());
    assertTrue(rt.historyStore().bytes() <= 256 << 10, "history bytes " + rt.historyStore().bytes());
    rt.publish("c-0", payload, null); // a live channel takes messages when the table is full
  }

  @Test
  void publish_messageAlone_historyDropsOldestOfAnyChannelFirstAndPublishingNeverFails() {
    Realtime rt = build(builder(discarding()).history("*", 1000).maxPayloadBytes(1024).maxHistoryBytes(4096));
    JsonNode payload = json("\"" + "y".repeat(1000) + "\"");
    rt.publish("a", payload, null);
    rt.publish("b", payload, null);
    rt.publish("a", payload, null);
    rt.publish("b", payload, null); // four ~1.1 KiB messages do not fit in 4 KiB: the first goes
    assertEquals(List.of(2L), seqs(rt.history("a", 0, 10)));
    assertEquals(List.of(1L, 2L), seqs(rt.history("b", 0, 10)));
    assertTrue(rt.history("a", 0, 10).truncated());
    assertFalse(rt.history("b", 0, 10).truncated());
  }

  static List<Long> seqs(ChannelHistory h) {
    return h.messages().stream().map(ChannelMessage::seq).toList();
  }

  @Test
  void publish_payloadMeasuredAsStored_compactJsonAtTheLimitAcceptedOneMoreRefused() {
    Realtime rt = build(builder(discarding()).history("*", 10).maxPayloadBytes(1024));
    String atLimit = "\"" + "z".repeat(1022) + "\"";
    // whitespace in what the caller parsed is not stored, so it does not count
    rt.publish("p", json("[ " + atLimit + " ]").get(0), null);
    PayloadTooLargeException ex = assertThrows(PayloadTooLargeException.class,
        () -> rt.publish("p", json("\"" + "z".repeat(1023) + "\""), null));
    assertEquals(1025, ex.size());
    long cost = rt.historyStore().bytes();
    assertTrue(cost >= 1024 && cost < 1024 + 300, "stored cost " + cost);
  }

  @Test
  void history_pageOverOneMiB_endsEarlyAndLastSeqSaysMoreFollow() {
    Realtime rt = build(builder(discarding()).history("big", 100));
    JsonNode payload = emptyObjects(60 << 10);
    for (int i = 0; i < 24; i++) {
      rt.publish("big", payload, null);
    }
    ChannelHistory first = rt.history("big", 0, 1000);
    int n = first.messages().size();
    assertTrue(n > 1 && n < 24, "one page: " + n);
    assertEquals(24, first.lastSeq());
    long after = first.messages().get(n - 1).seq();
    long read = n;
    while (after < first.lastSeq()) {
      ChannelHistory next = rt.history("big", after, 1000);
      read += next.messages().size();
      after = next.messages().get(next.messages().size() - 1).seq();
    }
    assertEquals(24, read);
  }

  // ---------------------------------------------------------------- retention and idle channels

  @Test
  void history_defaultRetention_oneHourAfterTheLastMessage() {
    Realtime rt = build(builder(discarding()).history("room-*", 10));
    rt.publish("room-1", json("1"), null);
    scheduler.advance(Duration.ofMinutes(59));
    assertEquals(1, rt.history("room-1", 0, 10).messages().size());
    scheduler.advance(Duration.ofMinutes(1));
    ChannelHistory gone = rt.history("room-1", 0, 10);
    assertTrue(gone.messages().isEmpty());
    assertTrue(rt.history("room-1", 1, 10).truncated(), "a reader that saw seq 1 must start over");
    assertEquals(0, rt.historyStore().bytes());
  }

  @Test
  void sweep_idleChannelsAndLeftMembers_droppedSoTheTablesShrinkBack() {
    Realtime rt = build(builder(discarding()).history("h-*", 10).maxChannels(600));
    for (int i = 0; i < 200; i++) {
      rt.publish("h-" + i, json("{\"n\":" + i + "}"), null);
      rt.publish("plain-" + i, json("1"), null);
      rt.join("p-" + i, "u" + i, json("{\"a\":1}"));
    }
    assertEquals(600, rt.liveChannels());
    assertThrows(RealtimeFullException.class, () -> rt.publish("one-more", null, null));
    // no stream holds the members: their TTL (60 s) ends them; plain channels go after 5 min, history after 1 h
    scheduler.advance(Duration.ofMinutes(5));
    assertEquals(0, rt.presence().memberCount());
    assertEquals(0, rt.presence().metadataBytes());
    assertEquals(200, rt.liveChannels(), "only the history channels are left");
    scheduler.advance(Duration.ofHours(1));
    assertEquals(0, rt.liveChannels());
    assertEquals(0, rt.historyStore().messages());
    assertEquals(0, rt.historyStore().bytes());
    assertTrue(rt.channels().isEmpty());
    rt.publish("one-more", null, null); // room again
  }

  @Test
  void channels_logAndPresenceOnOneName_countOnce() {
    Realtime rt = build(builder(discarding()).history("h", 10).maxChannels(2));
    rt.publish("h", json("1"), null);
    rt.join("h", "alice", null);
    rt.join("p", "bob", null);
    assertEquals(2, rt.liveChannels());
    RealtimeFullException ex = assertThrows(RealtimeFullException.class, () -> rt.join("q", "carol", null));
    assertEquals("maxChannels", ex.setting());
    assertTrue(ex.getMessage().contains("'q'"), ex.getMessage());
    rt.leave("p", "bob");
    assertEquals(1, rt.liveChannels());
    rt.join("q", "carol", null);
  }

  // ---------------------------------------------------------------- presence

  @Test
  void join_membersBeyondPerChannelAndTotalLimits_refusedWithNothingChangedOrEmitted() {
    RecordingPublisher events = new RecordingPublisher();
    Realtime rt = build(builder(events).maxMembers(5).maxMembersPerChannel(3));
    for (String u : List.of("a", "b", "c")) {
      rt.join("room", u, null);
    }
    RealtimeFullException perChannel = assertThrows(RealtimeFullException.class, () -> rt.join("room", "d", null));
    assertEquals("maxMembersPerChannel", perChannel.setting());
    assertEquals(3, perChannel.limit());
    rt.join("room", "a", json("{\"x\":1}")); // a member already present may change
    rt.join("hall", "d", null);
    rt.join("hall", "e", null);
    RealtimeFullException total = assertThrows(RealtimeFullException.class, () -> rt.join("lobby", "f", null));
    assertEquals("maxMembers", total.setting());
    assertEquals(5, total.limit());
    assertEquals(List.of("hall", "room"), rt.channels());
    assertTrue(rt.members("lobby").isEmpty());
    assertEquals(5, events.ofType(EventTypes.PRESENCE_JOIN).size(), "refused joins emit nothing");
    assertEquals(1, events.ofType(EventTypes.PRESENCE_UPDATE).size());
    rt.leave("hall", "e");
    rt.join("lobby", "f", null);
    assertEquals(5, rt.presence().memberCount());
  }

  @Test
  void join_metadataBytesBeyondBound_refusedAndCountedAsStored() {
    RecordingPublisher events = new RecordingPublisher();
    Realtime rt = build(builder(events).maxPayloadBytes(1024).maxPresenceBytes(2048));
    JsonNode kb = json("{\"s\":\"" + "m".repeat(1000) + "\"}"); // 1008 bytes as stored
    rt.join("r", "a", kb);
    rt.join("r", "b", json("{}"));
    assertEquals(1010, rt.presence().metadataBytes());
    rt.join("r", "c", kb);
    RealtimeFullException ex = assertThrows(RealtimeFullException.class, () -> rt.join("r", "d", kb));
    assertEquals("maxPresenceBytes", ex.setting());
    assertThrows(RealtimeFullException.class, () -> rt.update("r", "b", kb), "growing metadata counts too");
    assertEquals(json("{}"), rt.members("r").get(1).metadata(), "a refused update changes nothing");
    rt.update("r", "a", json("{}")); // shrinking is always allowed
    rt.update("r", "b", kb);
    assertEquals(2018, rt.presence().metadataBytes());
    events.drain();
    rt.join("r", "a", json("{ }")); // the same JSON: no event, nothing counted twice
    assertTrue(events.events().isEmpty());
    rt.leave("r", "a");
    rt.leave("r", "b");
    rt.leave("r", "c");
    assertEquals(0, rt.presence().metadataBytes());
    assertEquals(0, rt.liveChannels());
  }

  @Test
  void leave_metadataKeptAsBytes_leaveEventCarriesItAsJson() {
    RecordingPublisher events = new RecordingPublisher();
    Realtime rt = build(builder(events));
    rt.join("r", "a", json("{\"b\":2,\"a\":1}"));
    rt.join("r", "a", json("{\"a\":1,\"b\":2}")); // equal JSON, other key order: no update
    rt.leave("r", "a");
    assertEquals(List.of(EventTypes.PRESENCE_JOIN, EventTypes.PRESENCE_LEAVE),
        events.events().stream().map(e -> e.t()).toList());
    assertEquals(json("{\"a\":1,\"b\":2}"), events.last().data());
  }

  // ---------------------------------------------------------------- builder

  @Test
  void builder_boundSettingsGivenTwiceOrOutOfRange_refusedNamingTheValue() {
    Realtime.Builder b = builder(discarding()).maxHistoryBytes(1 << 20).maxChannels(10).maxMembers(20)
        .maxMembersPerChannel(5).maxPresenceBytes(1 << 20);
    List<Executable> again = List.of(() -> b.maxHistoryBytes(2 << 20), () -> b.maxChannels(11),
        () -> b.maxMembers(21), () -> b.maxMembersPerChannel(6), () -> b.maxPresenceBytes(2 << 20));
    List<String> named = List.of("maxHistoryBytes was already set to 1048576", "maxChannels was already set to 10",
        "maxMembers was already set to 20", "maxMembersPerChannel was already set to 5",
        "maxPresenceBytes was already set to 1048576");
    for (int i = 0; i < again.size(); i++) {
      IllegalStateException ex = assertThrows(IllegalStateException.class, again.get(i));
      assertEquals(named.get(i), ex.getMessage());
    }
    Realtime.Builder c = builder(discarding());
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> c.maxChannels(0));
    assertTrue(zero.getMessage().startsWith("maxChannels must be in [1, "), zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.maxMembers(-1));
    assertThrows(IllegalArgumentException.class, () -> c.maxHistoryBytes(10));
    Realtime.Builder small = builder(discarding()).maxHistoryBytes(100 << 10);
    IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class, small::build);
    assertTrue(tooSmall.getMessage().contains("maxPayloadBytes (65536)"), tooSmall.getMessage());
    Realtime.Builder presence = builder(discarding()).maxPresenceBytes(1024);
    assertThrows(IllegalArgumentException.class, presence::build);
  }
}
