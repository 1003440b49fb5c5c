package dev.ren.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, finding 3 (KV): values are kept as compact JSON text and the store is bounded as stored — one value
 * ({@code maxValueBytes}), and the whole store's entries and bytes. Deterministic: fake ticker and scheduler, direct
 * executor; the assertions are on the store's own accounting ({@link StoreBudget}), never on time.
 */
class KvBoundsTest {

  private final RecordingPublisher rec = new RecordingPublisher();
  private final FakeTime time = new FakeTime();
  private final List<KvStore> stores = new ArrayList<>();

  @AfterEach
  void close() {
    stores.forEach(KvStore::close);
  }

  private record Bounded(KvStore store, CaffeineKvBackend backend, KvNamespace ns) {
    StoreBudget budget() {
      return backend.budget();
    }
  }

  private Bounded store(long maxValueBytes, long maxEntries, long maxTotalBytes) {
    return store(-1, maxValueBytes, maxEntries, maxTotalBytes);
  }

  private Bounded store(long maximumSize, long maxValueBytes, long maxEntries, long maxTotalBytes) {
    CaffeineKvBackend backend = new CaffeineKvBackend(maximumSize, new StoreBudget(maxEntries, maxTotalBytes),
        time, time, Runnable::run, null);
    KvStore s = new EventingKvStore(rec, backend, maxValueBytes);
    stores.add(s);
    return new Bounded(s, backend, s.namespace("demo"));
  }

  /** {@code [{},{},...]} of about {@code bytes} bytes: the shape that cost ~29 MB of heap per MB as a tree. */
  static String emptyObjects(int bytes) {
    StringBuilder sb = new StringBuilder(bytes + 3).append('[');
    while (sb.length() < bytes - 3) {
      sb.append(sb.length() == 1 ? "{}" : ",{}");
    }
    return sb.append(']').toString();
  }

  private static long weight(String key, int jsonLength) {
    return StoreBudget.weight(new KvKey("demo", key), jsonLength);
  }

  // ------------------------------------------------------------------ stored form and accounting

  @Test
  void put_megabyteOfEmptyObjects_chargedItsSizeAsStoredNotAsATree() {
    Bounded b = store(2 << 20, 10, 64L << 20);
    String text = emptyObjects(1 << 20);
    JsonNode tree = TestJson.parse(text);

    b.ns().put("big", tree);

    KvEntry e = b.backend().get(new KvKey("demo", "big"));
    assertEquals(text.length(), e.jsonLength(), "kept as its compact text");
    assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), e.json());
    long charged = b.budget().bytes();
    assertEquals(weight("big", text.length()), charged);
    // about its size: the text plus a fixed per-entry estimate, nowhere near the ~30x of a Jackson tree
    assertTrue(charged - text.length() < 1024, "charged " + charged + " for " + text.length() + " bytes");
    assertEquals(1, b.budget().entries());
    assertEquals(tree, b.ns().get("big").orElseThrow().value(), "get returns the same JSON");
  }

  @Test
  void put_replacingValue_chargesTheDifference() {
    Bounded b = store(1000, 10, 1L << 20);
    b.ns().put("k", "x".repeat(500));
    long big = b.budget().bytes();

    b.ns().put("k", "x".repeat(10));

    assertEquals(weight("k", 12), b.budget().bytes()); // "xxxxxxxxxx" with its quotes
    assertEquals(big - 490, b.budget().bytes());
    assertEquals(1, b.budget().entries());
  }

  @Test
  void get_returnsEqualJsonAndANewTreeEachTime() {
    Bounded b = store(1000, 10, 1L << 20);
    JsonNode v = TestJson.parse("{\"a\":[1,2.5,\"é\",null,true,{\"b\":{}}],\"n\":12345678901234}");
    b.ns().put("k", v);

    KvEntry e = b.ns().get("k").orElseThrow();
    assertEquals(v, e.value());
    ((ObjectNode) e.value()).put("a", 0);
    assertEquals(v, e.value());
    assertEquals(v.toString(), new String(e.json(), StandardCharsets.UTF_8));
    assertEquals(v.toString(), e.stringValue());
  }

  // ------------------------------------------------------------------ one value too large

  @Test
  void put_valueOverLimitAsStored_throwsTooLargeAndStoresNothing() {
    Bounded b = store(100, 10, 1L << 20);
    String text = "x".repeat(99); // 101 bytes with its quotes

    KvValueTooLargeException e = assertThrows(KvValueTooLargeException.class, () -> b.ns().put("k", text));

    assertEquals(101, e.size());
    assertEquals(100, e.limit());
    assertTrue(e.getMessage().contains("101 bytes") && e.getMessage().contains("limit is 100"), e.getMessage());
    assertTrue(b.ns().get("k").isEmpty());
    assertTrue(rec.events().isEmpty());
    assertEquals(0, b.budget().bytes());
    assertEquals(0, b.budget().entries());
    b.ns().put("k", "x".repeat(98)); // exactly at the limit
    assertEquals(100, b.ns().get("k").orElseThrow().jsonLength());
  }

  @Test
  void put_tooLargeOverExistingValue_keepsTheOldValue() {
    Bounded b = store(100, 10, 1L << 20);
    long v1 = b.ns().put("k", "small");
    long before = b.budget().bytes();

    assertThrows(KvValueTooLargeException.class, () -> b.ns().put("k", "x".repeat(200)));

    assertEquals("small", b.ns().getString("k").orElseThrow());
    assertEquals(v1, b.ns().get("k").orElseThrow().version());
    assertEquals(before, b.budget().bytes());
  }

  @Test
  void put_defaultStore_valueOverOneMebibyteRefused() {
    KvStore s = KvStore.builder(rec).ticker(time).scheduler(time).executor(Runnable::run).build();
    stores.add(s);
    String text = "x".repeat((int) KvStore.Builder.DEFAULT_MAX_VALUE_BYTES); // + 2 quotes

    assertThrows(KvValueTooLargeException.class, () -> s.namespace("demo").put("k", text));
    assertTrue(s.namespace("demo").get("k").isEmpty());
  }

  // ------------------------------------------------------------------ full store

  @Test
  void put_newKeyPastMaxEntries_throwsStoreFullAndStoresNothing() {
    Bounded b = store(1000, 2, 1L << 20);
    b.ns().put("a", "1");
    b.ns().put("b", "2");
    rec.drain();

    KvStoreFullException e = assertThrows(KvStoreFullException.class, () -> b.ns().put("c", "3"));

    assertEquals(KvStoreFullException.Bound.ENTRIES, e.bound());
    assertEquals(2, e.limit());
    assertTrue(b.ns().get("c").isEmpty());
    assertTrue(rec.events().isEmpty(), rec.events().toString());
    assertEquals(2, b.budget().entries());
    // a namespace of its own gets no room of its own: the bound is the whole store's
    assertThrows(KvStoreFullException.class, () -> b.store().namespace("other").put("c", "3"));
    // replacing an existing key needs no new entry
    b.ns().put("a", "one");
    assertEquals("one", b.ns().getString("a").orElseThrow());
  }

  @Test
  void delete_fullStore_freesRoomForANewKey() {
    Bounded b = store(1000, 2, 1L << 20);
    b.ns().put("a", "1");
    b.ns().put("b", "2");
    assertThrows(KvStoreFullException.class, () -> b.ns().put("c", "3"));

    b.ns().delete("a");

    assertEquals(1, b.budget().entries());
    assertEquals(weight("b", 3), b.budget().bytes());
    b.ns().put("c", "3");
    assertEquals("3", b.ns().getString("c").orElseThrow());
  }

  @Test
  void put_pastMaxTotalBytes_throwsStoreFullAndKeepsOldValue() {
    String fill = "x".repeat(400);
    long one = weight("a", fill.length() + 2);
    Bounded b = store(10_000, 100, 2 * one + 10);
    b.ns().put("a", fill);
    b.ns().put("b", fill);

    KvStoreFullException e = assertThrows(KvStoreFullException.class, () -> b.ns().put("c", "y"));
    assertEquals(KvStoreFullException.Bound.BYTES, e.bound());
    assertEquals(2 * one + 10, e.limit());
    assertTrue(b.ns().get("c").isEmpty());
    assertEquals(2, b.budget().entries(), "a refused byte reservation gives its entry back");

    // growing a value past the bound is refused too, and the old value stays
    assertThrows(KvStoreFullException.class, () -> b.ns().put("a", fill + "x".repeat(11)));
    assertEquals(fill, b.ns().getString("a").orElseThrow());
    // shrinking always fits, and makes room
    b.ns().put("a", "small");
    b.ns().put("c", "y");
    assertEquals(3, b.budget().entries());
    assertEquals(weight("a", 7) + weight("b", 402) + weight("c", 3), b.budget().bytes());
  }

  @Test
  void put_fullStoreWithEntryPastItsDeadline_expiryMakesRoomFirst() {
    Bounded b = store(1000, 1, 1L << 20);
    long v1 = b.ns().put("a", "1", Duration.ofSeconds(1));
    // past the deadline by more than Caffeine's timer granularity (~1.07 s); the scheduler has not run
    time.advance(Duration.ofSeconds(3));

    b.ns().put("b", "2");

    assertEquals("2", b.ns().getString("b").orElseThrow());
    assertEquals(1, b.budget().entries());
    assertEquals(weight("b", 3), b.budget().bytes());
    List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
    assertEquals(1, expired.size());
    assertEquals(Long.toString(v1), expired.get(0).v());
  }

  @Test
  void expiry_entryExpires_releasesItsShare() {
    Bounded b = store(1000, 10, 1L << 20);
    b.ns().put("a", "1", Duration.ofSeconds(1));
    b.ns().put("b", "2");
    time.advance(Duration.ofSeconds(2));
    time.runDue();
    b.backend().cleanUp();

    assertEquals(1, b.budget().entries());
    assertEquals(weight("b", 3), b.budget().bytes());
  }

  @Test
  void put_sameKeyAfterItsDeadline_chargedOnce() {
    Bounded b = store(1000, 10, 1L << 20);
    b.ns().put("a", "1", Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(2));

    b.ns().put("a", "22");

    assertEquals(1, b.budget().entries());
    assertEquals(weight("a", 4), b.budget().bytes());
  }

  @Test
  void delete_entryPastItsDeadline_releasesItsShareOnce() {
    Bounded b = store(1000, 10, 1L << 20);
    b.ns().put("a", "1", Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(3));

    assertFalse(b.ns().delete("a"));
    time.runDue();
    b.backend().cleanUp();

    assertEquals(0, b.budget().entries());
    assertEquals(0, b.budget().bytes());
    assertEquals(1, rec.ofType(EventTypes.KV_EXPIRED).size());
  }

  @Test
  void eviction_maximumSize_releasesEvictedShare() {
    Bounded b = store(1, 1000, 10, 1L << 20);
    b.ns().put("a", "1");
    b.ns().put("b", "2");
    b.ns().put("c", "3");
    b.backend().cleanUp();

    assertEquals(1, b.budget().entries());
    assertEquals(2, rec.ofType(EventTypes.KV_EVICTED).size());
  }

  @Test
  void build_defaults_oneMebibyteValuesHundredThousandEntriesSixtyFourMebibytes() {
    KvStore s = KvStore.inMemory(rec);
    stores.add(s);
    EventingKvStore store = (EventingKvStore) s;
    StoreBudget budget = ((CaffeineKvBackend) store.backend()).budget();

    assertEquals(1L << 20, store.maxValueBytes());
    assertEquals(100_000, budget.maxEntries());
    assertEquals(64L << 20, budget.maxBytes());
  }

  @Test
  void build_settings_reachTheStore() {
    KvStore s = KvStore.builder(rec).maxValueBytes(5).maxEntries(6).maxTotalBytes(7).build();
    stores.add(s);
    EventingKvStore store = (EventingKvStore) s;
    StoreBudget budget = ((CaffeineKvBackend) store.backend()).budget();

    assertEquals(5, store.maxValueBytes());
    assertEquals(6, budget.maxEntries());
    assertEquals(7, budget.maxBytes());
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentPutsAndDeletes_accountingMatchesWhatIsStored() throws Exception {
    Bounded b = store(1000, 40, 40 * weight("k00", 60));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(pool.submit(() -> {
        go.await();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 2_000; i++) {
          String key = String.format("k%02d", r.nextInt(60));
          try {
            switch (r.nextInt(4)) {
              case 0 -> b.ns().delete(key);
              case 1 -> b.ns().put(key, "v", Duration.ofSeconds(1 + r.nextInt(3)));
              default -> b.ns().put(key, "x".repeat(r.nextInt(50)));
            }
          } catch (KvStoreFullException full) {
            // expected near the bounds
          }
          if (i % 200 == 0) {
            time.advance(Duration.ofMillis(700));
          }
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    time.advance(Duration.ofHours(1)); // every TTL is over: cleanUp removes them all, and releases them
    b.backend().cleanUp();

    long entries = 0;
    long bytes = 0;
    for (Map.Entry<KvKey, CaffeineKvBackend.Stored> e : storedEntries(b.backend())) {
      entries++;
      bytes += e.getValue().weight;
    }
    assertEquals(entries, b.budget().entries());
    assertEquals(bytes, b.budget().bytes());
    assertTrue(b.budget().entries() <= 40 && b.budget().bytes() <= 40 * weight("k00", 60));
  }

  private static List<Map.Entry<KvKey, CaffeineKvBackend.Stored>> storedEntries(CaffeineKvBackend backend) {
    List<Map.Entry<KvKey, CaffeineKvBackend.Stored>> out = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      KvKey k = new KvKey("demo", String.format("k%02d", i));
      CaffeineKvBackend.Stored s = backend.stored(k);
      if (s != null) {
        out.add(Map.entry(k, s));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ builder

  @Test
  void builder_boundsNotPositive_fail() {
    for (long bad : new long[] {0, -1}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> KvStore.builder(rec).maxValueBytes(bad));
      assertEquals("maxValueBytes must be positive, was " + bad, e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> KvStore.builder(rec).maxTotalBytes(bad));
      assertThrows(IllegalArgumentException.class, () -> KvStore.builder(rec).maxEntries(bad));
    }
  }

  @Test
  void builder_customBackendWithStoreBound_failsButValueLimitApplies() {
    KvBackendSpiTest.SortedMapBackend other = new KvBackendSpiTest.SortedMapBackend();
    for (String setting : List.of("maxTotalBytes", "maxEntries")) {
      KvStore.Builder b = KvStore.builder(rec).backend(other);
      if (setting.equals("maxTotalBytes")) {
        b.maxTotalBytes(1000);
      } else {
        b.maxEntries(10);
      }
      IllegalStateException e = assertThrows(IllegalStateException.class, b::build, setting);
      assertTrue(e.getMessage().startsWith(setting + " applies to the Caffeine backend only"), e.getMessage());
    }
    KvStore s = KvStore.builder(rec).backend(other).maxValueBytes(10).build();
    stores.add(s);
    assertThrows(KvValueTooLargeException.class, () -> s.namespace("demo").put("k", "x".repeat(9)));
    assertTrue(other.map.isEmpty());
  }
}
