package dev.ren.kv;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.Waits;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link KvBackend} contract as behaviour, run through a {@link KvStore} on real time: every backend's module
 * subclasses it (the Caffeine backend in ren-kv, the Redis backend in ren-kv-redis) and all of them must pass it
 * unchanged. Published in ren-kv's test-jar.
 *
 * <p>A subclass makes backends with given bounds and says what an entry is charged ({@link #weight}). Each test
 * makes its own backend; the stores are closed after each test.
 */
public abstract class KvBackendContract {

  /** How long after its deadline a {@code kv.expired} may arrive at the latest (Caffeine's timer: about 1 s). */
  protected static final Duration EXPIRY_BOUND = Duration.ofSeconds(3);

  private final List<KvStore> stores = new ArrayList<>();

  /** A fresh, empty backend holding at most {@code maxEntries} entries and {@code maxTotalBytes} bytes. */
  protected abstract KvBackend newBackend(long maxEntries, long maxTotalBytes);

  /** The bytes the backend charges for {@code key} with a value of {@code jsonLength} bytes of JSON text. */
  protected abstract long weight(KvKey key, int jsonLength);

  /** A store over {@link #newBackend} publishing to {@code rec}; closed after the test. */
  protected final KvStore store(RecordingPublisher rec, long maxEntries, long maxTotalBytes) {
    KvStore s = KvStore.builder(rec).backend(newBackend(maxEntries, maxTotalBytes)).build();
    stores.add(s);
    return s;
  }

  protected final KvStore store(RecordingPublisher rec) {
    return store(rec, KvStore.Builder.DEFAULT_MAX_ENTRIES, KvStore.Builder.DEFAULT_MAX_TOTAL_BYTES);
  }

  @AfterEach
  void closeStores() {
    stores.forEach(KvStore::close);
  }

  @Test
  void put_thenGet_sameValueAndVersion() {
    KvNamespace ns = store(new RecordingPublisher()).namespace("c1");

    long v = ns.putJson("a", "{\"x\": [1, 2]}".getBytes(StandardCharsets.UTF_8));

    KvEntry e = ns.get("a").orElseThrow();
    assertEquals("{\"x\":[1,2]}", new String(e.json(), StandardCharsets.UTF_8));
    assertEquals(v, e.version());
    assertNull(e.expiration());
    assertTrue(ns.get("b").isEmpty());
  }

  @Test
  void put_sameKeyRepeatedAndAfterDelete_versionsStrictlyIncrease() {
    KvNamespace ns = store(new RecordingPublisher()).namespace("c2");

    long v1 = ns.put("k", "1");
    long v2 = ns.put("k", "2");
    assertTrue(ns.delete("k"));
    long v3 = ns.put("k", "3");

    assertTrue(v1 < v2 && v2 < v3, v1 + " < " + v2 + " < " + v3);
    assertEquals("3", ns.getString("k").orElseThrow());
  }

  @Test
  void delete_presentThenAbsent_trueOnceAndOneEvent() {
    RecordingPublisher rec = new RecordingPublisher();
    KvNamespace ns = store(rec).namespace("c3");
    ns.put("k", "1");

    assertTrue(ns.delete("k"));
    assertFalse(ns.delete("k"));

    assertTrue(ns.get("k").isEmpty());
    assertEquals(1, rec.ofType(EventTypes.KV_DELETE).size());
  }

  @Test
  void tenants_sameNamespaceAndKey_separateEntriesAndListings() {
    KvStore store = store(new RecordingPublisher());
    store.namespace("c4").put("k", "default");
    store.tenant("acme").namespace("c4").put("k", "acme");
    store.tenant("acme").namespace("c4").put("only-acme", "x");

    assertEquals("default", store.namespace("c4").getString("k").orElseThrow());
    assertEquals("acme", store.tenant("acme").namespace("c4").getString("k").orElseThrow());
    assertEquals(List.of("k"), names(store.namespace("c4").list("", 10, null)));
    assertEquals(List.of("k", "only-acme"), names(store.tenant("acme").namespace("c4").list("", 10, null)));
    assertTrue(store.tenant("other").namespace("c4").list("", 10, null).keys().isEmpty());
  }

  @Test
  void list_prefixAndLimit_ascendingPagesUntilNoCursor() {
    KvNamespace ns = store(new RecordingPublisher()).namespace("c5");
    for (String k : List.of("b:3", "a:1", "b:1", "b:2", "c:1", "b:10")) {
      ns.put(k, k);
    }
    store(new RecordingPublisher()); // another backend instance must not matter

    KvPage p1 = ns.list("b:", 2, null);
    assertEquals(List.of("b:1", "b:10"), names(p1));
    assertNotNull(p1.cursor());
    KvPage p2 = ns.list("b:", 2, p1.cursor());
    assertEquals(List.of("b:2", "b:3"), names(p2));
    List<String> rest = p2.cursor() == null ? List.of() : names(ns.list("b:", 2, p2.cursor()));
    assertEquals(List.of(), rest);
    assertEquals(List.of("a:1", "b:1", "b:10", "b:2", "b:3", "c:1"), names(ns.list("", 100, null)));
  }

  @Test
  void list_writesBetweenPages_everyKeyPresentThroughoutExactlyOnce() {
    KvNamespace ns = store(new RecordingPublisher()).namespace("c6");
    Set<String> stable = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      String k = String.format("k%03d", i * 2);
      ns.put(k, "v");
      stable.add(k);
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int page = 0;
    do {
      KvPage p = ns.list("", 7, cursor);
      seen.addAll(names(p));
      cursor = p.cursor();
      // between pages: new keys everywhere, the stable ones rewritten
      ns.put(String.format("k%03d", page * 10 + 1), "new");
      ns.put(String.format("k%03d", 79 - page), "new");
      ns.put(String.format("k%03d", page * 2), "rewritten");
      page++;
    } while (cursor != null);

    assertEquals(seen.size(), new HashSet<>(seen).size(), "duplicates in " + seen);
    assertTrue(seen.containsAll(stable), "skipped: " + seen);
    List<String> sorted = new ArrayList<>(seen);
    sorted.sort(null);
    assertEquals(sorted, seen);
  }

  @Test
  void list_foreignCursor_illegalArgument() {
    KvNamespace ns = store(new RecordingPublisher()).namespace("c7");

    assertThrows(IllegalArgumentException.class, () -> ns.list("", 10, "not-a-cursor"));
  }

  @Test
  void ttl_deadlinePasses_getEmptyAndOneExpiredWithTheVersion() {
    RecordingPublisher rec = new RecordingPublisher();
    KvNamespace ns = store(rec).namespace("c8");
    Instant before = Instant.now();

    long v = ns.put("s", "x", Duration.ofMillis(400));

    KvEntry live = ns.get("s").orElseThrow();
    Instant exp = live.expiration();
    assertNotNull(exp);
    assertTrue(Duration.between(before, exp).toMillis() >= 300, "expiration " + exp + " for a put at " + before);
    assertEquals(live.expirationEpochSeconds(), ns.list("", 10, null).keys().get(0).expirationEpochSeconds());
    Waits.atMost(EXPIRY_BOUND.plusMillis(400)).until(() -> !rec.ofType(EventTypes.KV_EXPIRED).isEmpty());
    assertTrue(ns.get("s").isEmpty());
    assertTrue(ns.list("", 10, null).keys().isEmpty());

    List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
    assertEquals(1, expired.size());
    assertEquals("s", expired.get(0).k());
    assertEquals(Long.toString(v), expired.get(0).v());
  }

  @Test
  void ttl_readRightAfterDeadline_emptyAtOnce() throws InterruptedException {
    KvNamespace ns = store(new RecordingPublisher()).namespace("c9");
    ns.put("s", "x", Duration.ofMillis(150));

    Thread.sleep(250);

    assertTrue(ns.get("s").isEmpty(), "a read after the deadline must not see the value");
    assertFalse(ns.delete("s"), "a delete after the deadline removes nothing live");
  }

  @Test
  void ttl_replacedWithoutTtlBeforeDeadline_neverExpires() throws InterruptedException {
    RecordingPublisher rec = new RecordingPublisher();
    KvNamespace ns = store(rec).namespace("c10");
    ns.put("s", "x", Duration.ofMillis(200));
    ns.put("s", "y");
    ns.put("t", "x", Duration.ofMillis(200));
    ns.delete("t");

    Thread.sleep(1500);

    assertEquals("y", ns.getString("s").orElseThrow());
    assertTrue(rec.ofType(EventTypes.KV_EXPIRED).isEmpty(), "replaced/deleted values are never reported");
  }

  @Test
  void maxEntries_full_newKeyRefusedReplaceAllowedDeleteMakesRoom() {
    RecordingPublisher rec = new RecordingPublisher();
    KvNamespace ns = store(rec, 2, KvStore.Builder.DEFAULT_MAX_TOTAL_BYTES).namespace("c11");
    ns.put("a", "1");
    ns.put("b", "1");
    int published = rec.events().size();

    KvStoreFullException full = assertThrows(KvStoreFullException.class, () -> ns.put("c", "1"));

    assertEquals(KvStoreFullException.Bound.ENTRIES, full.bound());
    assertEquals(2, full.limit());
    assertTrue(ns.get("c").isEmpty());
    assertEquals(published, rec.events().size(), "a refused put publishes nothing");
    ns.put("a", "2"); // replacing is not a new entry
    assertTrue(ns.delete("b"));
    ns.put("c", "1");
    assertEquals(List.of("a", "c"), names(ns.list("", 10, null)));
  }

  @Test
  void maxTotalBytes_full_putRefusedAndOldValueKept() {
    KvKey a = new KvKey("c12", "a");
    String small = "\"" + "s".repeat(100) + "\"";
    String big = "\"" + "b".repeat(1000) + "\"";
    long max = weight(a, small.length()) + weight(new KvKey("c12", "b"), small.length()) + 10;
    RecordingPublisher rec = new RecordingPublisher();
    KvNamespace ns = store(rec, 100, max).namespace("c12");
    ns.putJson("a", small.getBytes(StandardCharsets.UTF_8));
    ns.putJson("b", small.getBytes(StandardCharsets.UTF_8));

    KvStoreFullException full = assertThrows(KvStoreFullException.class,
        () -> ns.putJson("a", big.getBytes(StandardCharsets.UTF_8)));

    assertEquals(KvStoreFullException.Bound.BYTES, full.bound());
    assertEquals(max, full.limit());
    assertEquals(small, new String(ns.get("a").orElseThrow().json(), StandardCharsets.UTF_8));
    assertThrows(KvStoreFullException.class, () -> ns.putJson("c", small.getBytes(StandardCharsets.UTF_8)));
    assertTrue(ns.delete("b"));
    ns.putJson("c", small.getBytes(StandardCharsets.UTF_8)); // the room came back
  }

  @Test
  void maxEntries_expiredEntry_givesItsRoomBack() {
    RecordingPublisher rec = new RecordingPublisher();
    KvNamespace ns = store(rec, 1, KvStore.Builder.DEFAULT_MAX_TOTAL_BYTES).namespace("c13");
    ns.put("a", "1", Duration.ofMillis(200));

    Waits.atMost(EXPIRY_BOUND.plusMillis(200)).until(() -> {
      try {
        ns.put("b", "1");
        return true;
      } catch (KvStoreFullException stillFull) {
        return false;
      }
    });

    assertEquals(List.of("b"), names(ns.list("", 10, null)));
  }

  private static List<String> names(KvPage p) {
    return p.keys().stream().map(KvPage.Item::name).toList();
  }

  /** For subclasses: the names of a page. */
  protected static List<String> keyNames(KvPage p) {
    return names(p);
  }

  /** For subclasses: an entry's value as text, or null. */
  protected static @Nullable String text(@Nullable KvEntry e) {
    return e == null ? null : new String(e.json(), StandardCharsets.UTF_8);
  }
}
