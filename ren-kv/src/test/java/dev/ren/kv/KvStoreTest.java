package dev.ren.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deterministic tests: fake ticker, fake scheduler, direct executor, recording publisher. */
class KvStoreTest {

  private final RecordingPublisher rec = new RecordingPublisher();
  private final FakeTime time = new FakeTime();
  private final Instant wallStart = Instant.parse("2026-01-01T00:00:00Z");
  private final KvStore store = KvStore.builder(stampingSrc(rec)).ticker(time).scheduler(time)
      .executor(Runnable::run).clock(Clock.fixed(wallStart, ZoneOffset.UTC)).build();
  private final KvNamespace ns = store.namespace("demo");

  @AfterEach
  void close() {
    store.close();
  }

  static JsonNode json(String s) {
    return TestJson.parse(s);
  }

  /**
   * {@code rec} behind a publisher that stamps {@code src} from {@link RenOrigin} when the event has none, as the
   * hub does ({@link RecordingPublisher} records events as given): without it, "expiry carries no src" would hold
   * trivially.
   */
  static RenPublisher stampingSrc(RecordingPublisher rec) {
    return event -> rec.publish(event.src() == null ? event.withSrc(RenOrigin.current()) : event);
  }

  // ------------------------------------------------------------------ put / get / delete

  @Test
  void put_newKey_publishesKvPutWithVersion() {
    long v = ns.put("todo:1", json("{\"title\":\"milk\"}"));

    List<RenEvent> events = rec.events();
    assertEquals(1, events.size());
    RenEvent e = events.get(0);
    assertEquals(EventTypes.KV_PUT, e.t());
    assertEquals("demo", e.ns());
    assertEquals("todo:1", e.k());
    assertEquals(Long.toString(v), e.v());
    assertNull(e.data(), "events carry keys, never values");
    assertEquals(json("{\"title\":\"milk\"}"), ns.get("todo:1").orElseThrow().value());
  }

  @Test
  void put_existingKey_isPutNeverDelete_versionIncreases() {
    long v1 = ns.put("k", "a");
    long v2 = ns.put("k", "b");
    long v3 = ns.put("k", json("[1,2]"));

    assertTrue(v1 < v2 && v2 < v3);
    assertEquals(List.of(EventTypes.KV_PUT, EventTypes.KV_PUT, EventTypes.KV_PUT),
        rec.events().stream().map(RenEvent::t).toList());
    assertEquals(v3, ns.get("k").orElseThrow().version());
  }

  @Test
  void put_string_storedAsJsonString() {
    ns.put("greeting", "héllo \"world\"");

    assertTrue(ns.get("greeting").orElseThrow().value().isTextual());
    assertEquals("héllo \"world\"", ns.getString("greeting").orElseThrow());
  }

  @Test
  void get_valueMutatedByCallerBeforeOrAfter_storedValueUnchanged() {
    ObjectNode in = (ObjectNode) json("{\"a\":1}");
    ns.put("k", in);
    in.put("a", 2);
    ((ObjectNode) ns.get("k").orElseThrow().value()).put("a", 3);

    assertEquals(json("{\"a\":1}"), ns.get("k").orElseThrow().value());
  }

  @Test
  void get_absent_empty() {
    assertTrue(ns.get("nope").isEmpty());
    assertTrue(rec.events().isEmpty());
  }

  @Test
  void delete_present_publishesDeleteAndReturnsTrue() {
    ns.put("k", "v");
    rec.drain();

    assertTrue(ns.delete("k"));

    assertEquals(1, rec.events().size());
    RenEvent e = rec.events().get(0);
    assertEquals(EventTypes.KV_DELETE, e.t());
    assertEquals("k", e.k());
    assertNull(e.data());
    assertTrue(ns.get("k").isEmpty());
  }

  @Test
  void delete_absent_noEventAndFalse() {
    assertFalse(ns.delete("k"));
    ns.put("k", "v");
    ns.delete("k");
    rec.drain();

    assertFalse(ns.delete("k"));
    assertTrue(rec.events().isEmpty());
  }

  @Test
  void put_afterDelete_versionStillIncreases() {
    long v1 = ns.put("k", "a");
    ns.delete("k");
    long v2 = ns.put("k", "b");
    assertTrue(v2 > v1);
  }

  @Test
  void namespaces_sameKeyDifferentNamespace_independent() {
    // joined with '.', ("a", "b.c") and ("a.b", "c") would be the same string (RELIABILITY 15)
    store.namespace("a").put("b.c", "first");
    store.namespace("a.b").put("c", "second");
    store.namespace("a").delete("b.c");

    assertTrue(store.namespace("a").get("b.c").isEmpty());
    assertEquals("second", store.namespace("a.b").getString("c").orElseThrow());
    assertEquals(1, rec.ofType(EventTypes.KV_DELETE).size());
  }

  // ------------------------------------------------------------------ expiry

  @Test
  void get_afterDeadline_absentAtOnceWithoutCleanup() {
    ns.put("session", "t", Duration.ofSeconds(5));
    time.advance(Duration.ofMillis(4_999));
    assertTrue(ns.get("session").isPresent());

    time.advance(Duration.ofMillis(1));

    assertTrue(ns.get("session").isEmpty());
    assertTrue(ns.list("", 10, null).keys().isEmpty());
  }

  @Test
  void expiry_schedulerFiresWithoutTraffic_publishesKvExpiredWithVersionAndNoSrc() {
    long v;
    try (RenOrigin.Scope s = RenOrigin.open("c1")) {
      v = ns.put("session", "t", Duration.ofSeconds(5));
    }
    assertEquals("c1", rec.events().get(0).src());
    time.advance(Duration.ofSeconds(7));

    time.runDue(); // what the scheduler thread does: no get, no put

    List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
    assertEquals(1, expired.size());
    RenEvent e = expired.get(0);
    assertEquals("demo", e.ns());
    assertEquals("session", e.k());
    assertEquals(Long.toString(v), e.v());
    assertNull(e.src(), "expiry is system-caused");
    assertNull(e.data());
  }

  @Test
  void expiry_reportedOnUserThread_stillHasNoSrc() {
    ns.put("session", "t", Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(2));

    try (RenOrigin.Scope s = RenOrigin.open("c1")) {
      assertFalse(ns.delete("session"), "an expired key is not deleted: it expired");
    }

    List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
    assertEquals(1, expired.size());
    assertNull(expired.get(0).src());
    assertTrue(rec.ofType(EventTypes.KV_DELETE).isEmpty());
  }

  @Test
  void expiry_keyRePutBeforeRemoval_noExpiredEvent() {
    ns.put("k", "old", Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(2));

    long v2 = ns.put("k", "new");
    time.advance(Duration.ofHours(1));
    time.runDue();

    assertTrue(rec.ofType(EventTypes.KV_EXPIRED).isEmpty(), rec.events().toString());
    assertTrue(rec.ofType(EventTypes.KV_DELETE).isEmpty());
    assertEquals(v2, ns.get("k").orElseThrow().version());
  }

  @Test
  void expiry_staleNotificationArrivesAfterNewerPut_dropped() {
    // notifications queue up on a manual executor, so the EXPIRED notice for v1 runs after v2 was put
    List<Runnable> queued = new ArrayList<>();
    CaffeineKvBackend backend = new CaffeineKvBackend(-1, time, time, queued::add, null);
    try (KvStore s = new EventingKvStore(stampingSrc(rec), backend)) {
      KvNamespace n = s.namespace("demo");
      n.put("k", "old", Duration.ofSeconds(1));
      time.advance(Duration.ofSeconds(2));
      backend.cleanUp(); // removes v1 (EXPIRED); the notification waits in the queue
      long v2 = n.put("k", "new");

      while (!queued.isEmpty()) {
        queued.remove(0).run();
      }

      assertTrue(rec.ofType(EventTypes.KV_EXPIRED).isEmpty(), rec.events().toString());
      assertEquals(v2, n.get("k").orElseThrow().version());
    }
  }

  @Test
  void expiry_staleNotificationWithKeyStillAbsent_published() {
    List<Runnable> queued = new ArrayList<>();
    CaffeineKvBackend backend = new CaffeineKvBackend(-1, time, time, queued::add, null);
    try (KvStore s = new EventingKvStore(stampingSrc(rec), backend)) {
      long v1 = s.namespace("demo").put("k", "old", Duration.ofSeconds(1));
      time.advance(Duration.ofSeconds(2));
      backend.cleanUp();
      while (!queued.isEmpty()) {
        queued.remove(0).run();
      }
      List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
      assertEquals(1, expired.size());
      assertEquals(Long.toString(v1), expired.get(0).v());
    }
  }

  @Test
  void put_withoutTtlOverTtlKey_removesTtl() {
    ns.put("k", "a", Duration.ofSeconds(1));
    ns.put("k", "b");
    time.advance(Duration.ofDays(1));
    time.runDue();

    assertEquals("b", ns.getString("k").orElseThrow());
    assertNull(ns.get("k").orElseThrow().expiration());
    assertTrue(rec.ofType(EventTypes.KV_EXPIRED).isEmpty());
  }

  @Test
  void put_ttlShortenedByRePut_expiresAtNewDeadline() {
    ns.put("k", "a", Duration.ofHours(1));
    long v2 = ns.put("k", "b", Duration.ofSeconds(2));
    time.advance(Duration.ofSeconds(3));
    time.runDue();

    List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
    assertEquals(1, expired.size());
    assertEquals(Long.toString(v2), expired.get(0).v());
  }

  // ------------------------------------------------------------------ eviction

  @Test
  void maximumSize_exceeded_evictionAnnounced() {
    RecordingPublisher r = new RecordingPublisher();
    CaffeineKvBackend backend = new CaffeineKvBackend(2, time, time, Runnable::run, null);
    try (KvStore bounded = new EventingKvStore(stampingSrc(r), backend)) {
      KvNamespace n = bounded.namespace("demo");
      try (RenOrigin.Scope s = RenOrigin.open("c1")) { // evictions run on this thread, still without src
        for (int i = 0; i < 5; i++) {
          n.put("k" + i, "v" + i);
        }
      }
      time.runDue();
      backend.cleanUp();

      List<RenEvent> evicted = r.ofType(EventTypes.KV_EVICTED);
      assertEquals(3, evicted.size(), r.events().toString());
      Set<String> evictedKeys = new HashSet<>();
      for (RenEvent e : evicted) {
        evictedKeys.add(e.k());
        assertTrue(n.get(e.k()).isEmpty(), "evicted key " + e.k() + " must be gone");
        assertNull(e.src());
      }
      assertEquals(3, evictedKeys.size());
      assertEquals(2, n.list("", 10, null).keys().size());
      assertTrue(r.ofType(EventTypes.KV_DELETE).isEmpty());
    }
  }

  // ------------------------------------------------------------------ list

  @Test
  void list_prefixAndOrder_expirationInUnixSeconds() {
    ns.put("user:2", "b");
    ns.put("user:1", "a", Duration.ofSeconds(90));
    ns.put("todo:1", "x");
    store.namespace("other").put("user:3", "c");

    KvPage page = ns.list("user:", 10, null);

    assertEquals(List.of("user:1", "user:2"), page.keys().stream().map(KvPage.Item::name).toList());
    assertEquals(wallStart.getEpochSecond() + 90, page.keys().get(0).expirationEpochSeconds());
    assertNull(page.keys().get(1).expiration());
    assertNull(page.cursor());
  }

  @Test
  void list_pagesWhileKeysChange_everyStableKeyExactlyOnce() {
    for (int i = 0; i < 25; i++) {
      ns.put(String.format("k%02d", i), "v");
    }
    Set<String> stable = new HashSet<>();
    for (int i = 0; i < 25; i++) {
      if (i % 3 != 0) {
        stable.add(String.format("k%02d", i));
      }
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int round = 0;
    do {
      KvPage page = ns.list("k", 4, cursor);
      page.keys().forEach(it -> seen.add(it.name()));
      cursor = page.cursor();
      // churn between pages: delete unstable keys, add new ones before and after the boundary
      ns.delete(String.format("k%02d", round * 3));
      ns.put("k" + round + "x", "new");
      ns.put("k00" + round, "new");
      round++;
    } while (cursor != null);

    for (String k : stable) {
      assertEquals(1, seen.stream().filter(k::equals).count(), k + " in " + seen);
    }
    assertEquals(new HashSet<>(seen).size(), seen.size(), "no key repeated: " + seen);
  }

  @Test
  void list_limitExactlyMatches_lastPageHasNoCursor() {
    ns.put("a", "1");
    ns.put("b", "2");
    KvPage p1 = ns.list("", 1, null);
    assertEquals("a", p1.keys().get(0).name());
    KvPage p2 = ns.list("", 1, p1.cursor());
    assertEquals("b", p2.keys().get(0).name());
    assertNull(p2.cursor());
  }

  // ------------------------------------------------------------------ bad input changes nothing

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a/b", "a:b", "ü", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "a\0"})
  void namespace_invalid_rejected(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.namespace(name));
    assertTrue(e.getMessage().contains("[A-Za-z0-9_.-]{1,64}"), e.getMessage());
  }

  @Test
  void put_badKeys_rejectedAndNothingChanges() {
    ns.put("keep", "v");
    rec.drain();
    String tooLong = "k".repeat(KvKey.MAX_KEY_LENGTH + 1);
    for (String bad : List.of("", tooLong, "a\0b", "lone\uD800")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ns.put(bad, "v"),
          "key " + bad);
      assertTrue(e.getMessage().contains("key"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> ns.delete(bad));
      assertThrows(IllegalArgumentException.class, () -> ns.get(bad));
    }
    assertThrows(NullPointerException.class, () -> ns.put("k", (JsonNode) null));
    assertThrows(IllegalArgumentException.class, () -> ns.put("k", MissingNode.getInstance()));
    assertTrue(rec.events().isEmpty());
    assertEquals(List.of("keep"), ns.list("", 10, null).keys().stream().map(KvPage.Item::name).toList());
  }

  @Test
  void put_keyAtLimitWithSlashColonUnicode_accepted() {
    String k = "a/b:c/ü😀" + "k".repeat(KvKey.MAX_KEY_LENGTH - 9);
    assertEquals(KvKey.MAX_KEY_LENGTH, k.length());
    ns.put(k, NullNode.getInstance());
    assertTrue(ns.get(k).orElseThrow().value().isNull());
  }

  @Test
  void put_badTtl_rejectedAndNothingChanges() {
    for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-1), KvNamespace.MAX_TTL.plusSeconds(1))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ns.put("k", "v", bad));
      assertTrue(e.getMessage().contains("ttl"), e.getMessage());
    }
    assertTrue(ns.get("k").isEmpty());
    assertTrue(rec.events().isEmpty());
  }

  @Test
  void list_badLimitOrCursor_rejected() {
    assertThrows(IllegalArgumentException.class, () -> ns.list("", 0, null));
    assertThrows(IllegalArgumentException.class, () -> ns.list("", KvNamespace.MAX_LIST_LIMIT + 1, null));
    for (String bad : List.of("garbage", "k1.!!!", "k1.AA", "")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ns.list("", 10, bad));
      assertTrue(e.getMessage().contains("cursor"), e.getMessage());
    }
  }
}
