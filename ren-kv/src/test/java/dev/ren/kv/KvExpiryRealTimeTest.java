package dev.ren.kv;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The default store on real time: the system ticker, the store's own scheduler thread, the common pool. */
class KvExpiryRealTimeTest {

  private static final System.Logger LOG = System.getLogger(KvExpiryRealTimeTest.class.getName());

  @Test
  void expiry_noTraffic_kvExpiredReachesHubSubscriberSoonAfterDeadline() throws Exception {
    try (RenHub hub = RenHub.create(); KvStore store = KvStore.inMemory(hub)) {
      BlockingQueue<RenEvent> expired = new LinkedBlockingQueue<>();
      try (AutoCloseable l = hub.listen(RenFilter.parse("kv.expired"), (id, e) -> expired.add(e))) {
        store.namespace("demo").put("warm-up", "t"); // class loading must not blur the measurement
        store.namespace("demo").delete("warm-up");
        long earliest = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        long v = store.namespace("demo").put("session:1", "t", Duration.ofSeconds(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();

        RenEvent e = expired.poll(15, TimeUnit.SECONDS); // no reads or writes meanwhile
        long lateMillis = (System.nanoTime() - deadline) / 1_000_000;

        assertNotNull(e, "kv.expired never arrived");
        assertEquals("session:1", e.k());
        assertEquals(Long.toString(v), e.v());
        assertNull(e.src());
        assertTrue(System.nanoTime() - earliest >= 0, "expired before its deadline");
        // the contract is 1.5 s on an idle machine; CI shares two cores, so only gross lateness fails here
        assertTrue(lateMillis < 5_000, "kv.expired arrived " + lateMillis + " ms after the deadline");
        LOG.log(System.Logger.Level.INFO, "kv.expired arrived " + lateMillis + " ms after the deadline");
        System.out.println("kv.expired latency after deadline: " + lateMillis + " ms");
      }
    }
  }

  @Test
  void expiryRacingRePut_stress_neverExpiredAfterNewerPut() throws Exception {
    Recorder rec = new Recorder();
    int keys = 400;
    try (KvStore store = KvStore.inMemory(rec)) {
      KvNamespace ns = store.namespace("stress");
      long start = System.nanoTime();
      for (int i = 0; i < keys; i++) {
        ns.put("k" + i, "old", Duration.ofMillis(200));
      }
      // every key is re-put once, without TTL, at a random moment between 0 and 1.5 s: before its deadline,
      // between the deadline and Caffeine's removal, or after the removal
      long[] at = new long[keys];
      for (int i = 0; i < keys; i++) {
        at[i] = start + ThreadLocalRandom.current().nextLong(Duration.ofMillis(1_500).toNanos());
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          int offset = t;
          done.add(pool.submit(() -> {
            List<Integer> mine = new ArrayList<>();
            for (int i = offset; i < keys; i += 2) {
              mine.add(i);
            }
            mine.sort((a, b) -> Long.compare(at[a], at[b]));
            for (int i : mine) {
              long wait = at[i] - System.nanoTime();
              if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
              }
              ns.put("k" + i, "new");
            }
          }));
        }
        for (Future<?> f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      // removal notifications run on the common pool; let the queued ones finish
      java.util.concurrent.ForkJoinPool.commonPool().awaitQuiescence(10, TimeUnit.SECONDS);

      Map<String, Long> newestPut = new HashMap<>();
      int expiredCount = 0;
      for (RenEvent e : rec.events()) {
        long v = Long.parseLong(e.v());
        if (e.t().equals(EventTypes.KV_PUT)) {
          newestPut.merge(e.k(), v, Math::max);
        } else if (e.t().equals(EventTypes.KV_EXPIRED)) {
          expiredCount++;
          Long newest = newestPut.get(e.k());
          if (newest != null && newest > v) {
            fail("kv.expired v=" + v + " for " + e.k() + " was published after kv.put v=" + newest);
          }
        }
      }
      for (int i = 0; i < keys; i++) {
        KvEntry live = ns.get("k" + i).orElseThrow();
        assertEquals("new", live.stringValue());
        for (RenEvent e : rec.ofType(EventTypes.KV_EXPIRED)) {
          if (e.k().equals("k" + i) && Long.parseLong(e.v()) == live.version()) {
            fail("kv.expired for the live value of k" + i);
          }
        }
      }
      System.out.println("stress: " + expiredCount + " of " + keys + " old values announced expired");
    }
  }
}
