package dev.ren.kv.redis;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvPage;
import dev.ren.kv.KvStore;
import dev.ren.kv.KvStoreFullException;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes (two backends, two stores, two publishers) on one real Redis and one prefix: versions increase across
 * nodes, each expiry is announced exactly once in the cluster while both nodes sweep, listing on one node is stable
 * while the other writes, and the bounds are the cluster's.
 */
@Tag("redis")
class RedisKvClusterTest {

  private static final AtomicInteger CLUSTERS = new AtomicInteger();
  @TempDir
  static Path dir;
  private static PrivateRedis redis;

  private final List<KvStore> stores = new ArrayList<>();

  @BeforeAll
  static void startRedis() throws Exception {
    redis = PrivateRedis.start(dir, false);
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void closeStores() {
    stores.forEach(KvStore::close);
  }

  /** An event as a node published it, and when. */
  record Published(String node, RenEvent event, long nanos) {
  }

  /** Two stores on one prefix, publishing into {@code sink}; maxEntries for both together. */
  private KvStore[] cluster(ConcurrentLinkedQueue<Published> sink, long maxEntries) {
    String prefix = "cluster" + CLUSTERS.incrementAndGet() + ":";
    KvStore[] nodes = new KvStore[2];
    for (int i = 0; i < 2; i++) {
      String node = "node" + i;
      RenPublisher pub = e -> {
        sink.add(new Published(node, e, System.nanoTime()));
        return "1";
      };
      nodes[i] = KvStore.builder(pub).backend(RedisKvBackend.builder(redis.uri()).prefix(prefix)
          .maxEntries(maxEntries).sweepInterval(Duration.ofMillis(100)).build()).build();
      stores.add(nodes[i]);
    }
    return nodes;
  }

  @Test
  void versions_twoNodesWritingOneKey_strictlyIncreasing() throws Exception {
    KvStore[] nodes = cluster(new ConcurrentLinkedQueue<>(), 1000);
    KvNamespace a = nodes[0].namespace("v");
    KvNamespace b = nodes[1].namespace("v");

    long last = 0;
    for (int i = 0; i < 20; i++) {
      long v = (i % 2 == 0 ? a : b).put("k", Integer.toString(i));
      assertTrue(v > last, "version " + v + " after " + last);
      last = v;
      if (i % 5 == 4) {
        assertTrue((i % 2 == 0 ? b : a).delete("k"));
      }
    }
    // concurrently: every version distinct, and the value left is the one with the highest version
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> writers = new ArrayList<>();
    for (KvNamespace ns : List.of(a, b)) {
      Thread t = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < 100; i++) {
            seen.add(ns.put("k", "x"));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.start();
      writers.add(t);
    }
    go.countDown();
    for (Thread t : writers) {
      t.join(20_000);
    }
    assertEquals(200, seen.size());
    long max = seen.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(max > last);
    assertEquals(max, a.get("k").orElseThrow().version());
    assertEquals(max, b.get("k").orElseThrow().version());
  }

  @Test
  void expiry_twoNodesSweeping_exactlyOneExpiredPerEntryWithinBound() {
    ConcurrentLinkedQueue<Published> sink = new ConcurrentLinkedQueue<>();
    KvStore[] nodes = cluster(sink, 1000);
    Map<String, Long> versions = new HashMap<>();
    Map<String, Long> deadlines = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      String k = "s" + i;
      KvNamespace ns = nodes[i % 2].namespace("e");
      versions.put(k, ns.put(k, "x", Duration.ofMillis(300 + 10 * i)));
      deadlines.put(k, System.nanoTime() + Duration.ofMillis(300 + 10 * i).toNanos());
    }

    Waits.atMost(Duration.ofSeconds(5)).until(() -> expired(sink).size() >= 40);
    Waits.atMost(Duration.ofSeconds(1)).pollDelay(Duration.ofMillis(500)).until(() -> true); // late duplicates?

    List<Published> expired = expired(sink);
    assertEquals(40, expired.size(), "one kv.expired per entry in the whole cluster: " + expired);
    for (Published p : expired) {
      String k = p.event().k();
      assertEquals(Long.toString(versions.get(k)), p.event().v(), k);
      long lateMs = (p.nanos() - deadlines.get(k)) / 1_000_000;
      assertTrue(lateMs < 1500, k + " announced " + lateMs + " ms after its deadline");
      assertTrue(lateMs > -50, k + " announced " + -lateMs + " ms before its deadline");
    }
    assertEquals(40, expired.stream().map(p -> p.event().k()).distinct().count());
    assertTrue(nodes[0].namespace("e").list("", 100, null).keys().isEmpty());
  }

  private static List<Published> expired(ConcurrentLinkedQueue<Published> sink) {
    return sink.stream().filter(p -> p.event().t().equals(EventTypes.KV_EXPIRED)).toList();
  }

  @Test
  void list_oneNodePagesWhileOtherWrites_everyStableKeyExactlyOnce() {
    KvStore[] nodes = cluster(new ConcurrentLinkedQueue<>(), 10_000);
    KvNamespace reader = nodes[0].namespace("l");
    KvNamespace writer = nodes[1].namespace("l");
    Set<String> stable = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String k = String.format("k%04d", i * 3);
      writer.put(k, "v");
      stable.add(k);
    }

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int page = 0;
    do {
      KvPage p = reader.list("k", 9, cursor);
      p.keys().forEach(item -> seen.add(item.name()));
      cursor = p.cursor();
      for (int j = 0; j < 5; j++) { // new keys before, inside and after the page; rewrites of stable ones
        writer.put(String.format("k%04d", page * 7 + j * 61 + 1), "new");
        writer.put(String.format("k%04d", (page * 3 + j * 17) % 100 * 3), "rewritten");
      }
      writer.delete(String.format("k%04d", (page * 7 % 100) * 3 + 1)); // never a stable key
      page++;
    } while (cursor != null);

    assertEquals(seen.size(), new HashSet<>(seen).size(), "duplicates");
    assertTrue(seen.containsAll(stable), "skipped stable keys");
    List<String> sorted = new ArrayList<>(seen);
    sorted.sort(null);
    assertEquals(sorted, seen);
  }

  @Test
  void bounds_entriesOfBothNodesTogether_refusedOnEither() {
    KvStore[] nodes = cluster(new ConcurrentLinkedQueue<>(), 4);
    nodes[0].namespace("b").put("a", "1");
    nodes[1].namespace("b").put("b", "1");
    nodes[0].namespace("b").put("c", "1");
    nodes[1].namespace("b").put("d", "1");

    assertThrows(KvStoreFullException.class, () -> nodes[0].namespace("b").put("e", "1"));
    assertThrows(KvStoreFullException.class, () -> nodes[1].namespace("b").put("e", "1"));
    assertTrue(nodes[0].namespace("b").delete("d"));
    nodes[1].namespace("b").put("e", "1");
    assertEquals(List.of("a", "b", "c", "e"),
        nodes[0].namespace("b").list("", 10, null).keys().stream().map(KvPage.Item::name).toList());
  }
}
