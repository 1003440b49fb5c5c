package dev.ren.kv;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.health.Health;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvUsageAndHealthTest {

  @Test
  void usage_putsAndDeletes_countsEntriesAndChargedBytesAcrossTenants() {
    try (KvStore store = KvStore.inMemory(new RecordingPublisher())) {
      assertEquals(new KvUsage(0, 0), store.usage().orElseThrow());
      store.namespace("a").put("k1", TextNode.valueOf("x"));
      store.tenant("t1").namespace("a").put("k1", TextNode.valueOf("y"));
      KvUsage two = store.usage().orElseThrow();
      assertEquals(2, two.entries());
      assertTrue(two.bytes() >= 2 * 320L, "each entry is charged its text and 320 B: " + two.bytes());
      assertEquals(two, store.tenant("t2").usage().orElseThrow(), "a view answers for the whole store");
      store.namespace("a").delete("k1");
      assertEquals(1, store.usage().orElseThrow().entries());
    }
  }

  @Test
  void health_openStore_isUpAndClosedStoreIsDown() {
    KvStore store = KvStore.inMemory(new RecordingPublisher());
    Health up = store.health(Duration.ofSeconds(1));
    assertTrue(up.isUp(), up.description());
    store.close();
    Health down = store.health(Duration.ofSeconds(1));
    assertFalse(down.isUp());
    assertThrows(IllegalStateException.class, store::usage);
  }
}
