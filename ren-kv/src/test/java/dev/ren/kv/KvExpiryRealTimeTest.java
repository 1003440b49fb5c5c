package dev.ren.kv;

import dev.ren.Registration;
import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one test on real time: the default store's own expiry thread and the system ticker fire {@code kv.expired}
 * with no cache traffic at all. Everything else about expiry is tested on fake time ({@link KvStoreTest},
 * {@link KvExpiryRaceTest}). Bounded to a few seconds.
 */
class KvExpiryRealTimeTest {

  private static final System.Logger LOG = System.getLogger(KvExpiryRealTimeTest.class.getName());

  @Test
  void expiry_noTraffic_kvExpiredReachesHubSubscriberSoonAfterDeadline() throws Exception {
    try (RenHub hub = RenHub.create(); KvStore store = KvStore.inMemory(hub)) {
      BlockingQueue<RenEvent> expired = new LinkedBlockingQueue<>();
      try (Registration l = hub.listen(RenFilter.parse("kv.expired"), (id, e) -> expired.add(e))) {
        store.namespace("demo").put("warm-up", "t"); // class loading must not blur the measurement
        store.namespace("demo").delete("warm-up");
        long earliest = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        long v = store.namespace("demo").put("session:1", "t", Duration.ofSeconds(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();

        // no reads or writes meanwhile; Caffeine paces its scheduler at about 1 s, so 4 s is gross lateness
        RenEvent e = expired.poll(5, TimeUnit.SECONDS);
        long lateMillis = (System.nanoTime() - deadline) / 1_000_000;

        assertNotNull(e, "kv.expired did not arrive within 4 s of the deadline");
        assertEquals("session:1", e.k());
        assertEquals(Long.toString(v), e.v());
        assertNull(e.src());
        assertTrue(System.nanoTime() - earliest >= 0, "expired before its deadline");
        LOG.log(System.Logger.Level.INFO, "kv.expired arrived " + lateMillis + " ms after the deadline");
      }
    }
  }
}
