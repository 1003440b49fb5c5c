package dev.ren.kv;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Expiry racing re-puts on real threads (RELIABILITY 28), on fake time: one thread plays the expiry scheduler
 * (advances the ticker and runs what is due), two threads re-put keys at random fake moments, before their
 * deadline, between the deadline and Caffeine's removal, or after it. Removal notices run on whichever thread
 * triggered maintenance (the default direct executor), so they race the puts for real; nothing waits on the real
 * clock.
 */
class KvExpiryRaceTest {

  private static final System.Logger LOG = System.getLogger(KvExpiryRaceTest.class.getName());
  private static final int KEYS = 400;
  private static final Duration TTL = Duration.ofMillis(200);
  private static final Duration SPAN = Duration.ofMillis(1_500);
  private static final Duration STEP = Duration.ofMillis(5);

  @Test
  void expiryRacingRePut_stress_neverExpiredAfterNewerPut() throws Exception {
    RecordingPublisher rec = new RecordingPublisher();
    FakeTime time = new FakeTime();
    try (KvStore store = KvStore.builder(rec).ticker(time).scheduler(time).build()) {
      KvNamespace ns = store.namespace("stress");
      long start = time.read();
      for (int i = 0; i < KEYS; i++) {
        ns.put("k" + i, "old", TTL);
      }
      // every key is re-put once, without TTL, once fake time has reached its moment
      long[] at = new long[KEYS];
      for (int i = 0; i < KEYS; i++) {
        at[i] = start + ThreadLocalRandom.current().nextLong(SPAN.toNanos());
      }
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        List<Future<?>> done = new ArrayList<>();
        done.add(pool.submit(() -> {
          while (time.read() - start < SPAN.plus(TTL).toNanos()) {
            time.advance(STEP);
            time.runDue();
            Thread.yield(); // let the put threads catch up with the clock now and then
          }
        }));
        for (int t = 0; t < 2; t++) {
          int offset = t;
          done.add(pool.submit(() -> {
            List<Integer> mine = new ArrayList<>();
            for (int i = offset; i < KEYS; i += 2) {
              mine.add(i);
            }
            mine.sort((a, b) -> Long.compare(at[a], at[b]));
            for (int i : mine) {
              while (time.read() - at[i] < 0) {
                Thread.yield(); // the clock thread moves time; it stops only past every moment
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
      time.advance(Duration.ofHours(1));
      time.runDue();

      Map<String, Long> newestPut = new HashMap<>();
      for (RenEvent e : rec.events()) {
        long v = Long.parseLong(e.v());
        if (e.t().equals(EventTypes.KV_PUT)) {
          newestPut.merge(e.k(), v, Math::max);
        } else if (e.t().equals(EventTypes.KV_EXPIRED)) {
          Long newest = newestPut.get(e.k());
          if (newest != null && newest > v) {
            fail("kv.expired v=" + v + " for " + e.k() + " was published after kv.put v=" + newest);
          }
        }
      }
      List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
      // most runs announce some and not all: both sides of the race were taken
      LOG.log(System.Logger.Level.INFO, expired.size() + " of " + KEYS + " old values announced expired");
      for (int i = 0; i < KEYS; i++) {
        KvEntry live = ns.get("k" + i).orElseThrow();
        assertEquals("new", live.stringValue());
        for (RenEvent e : expired) {
          if (e.k().equals("k" + i) && Long.parseLong(e.v()) == live.version()) {
            fail("kv.expired for the live value of k" + i);
          }
        }
      }
    }
  }
}
