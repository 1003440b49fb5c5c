package dev.ren.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RELIABILITY 24: an interrupt that reaches a writer while it is inside the embedded database (a
 * {@code Future.cancel(true)} on a running write, the usual way it happens) must not close or damage the file: the
 * store keeps working, every write that returned is there (also after a reopen), and a write that is there without
 * having returned is one whose call failed (an interrupted call may have been applied, and says so by failing).
 */
class InterruptDuringWriteTest {

  @TempDir
  Path dir;

  @Test
  void insertOne_writersCancelledWithInterruptMidWrite_storeKeepsWorkingAndNoReturnedWriteIsLost() throws Exception {
    Set<String> returned = ConcurrentHashMap.newKeySet();
    Map<String, String> failed = new ConcurrentHashMap<>();
    Set<String> stored = ConcurrentHashMap.newKeySet();
    int interrupted = 0;
    try (DocumentStore store = DocumentStore.h2(dir, e -> "0")) {
      Collection c = store.collection("notes");
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int n = 0;
        while (System.nanoTime() < end) {
          List<Future<?>> batch = new ArrayList<>();
          for (int i = 0; i < 4; i++) {
            String id = "d" + n++;
            batch.add(pool.submit(() -> {
              for (int k = 0; k < 20; k++) {
                ObjectNode doc = JsonNodeFactory.instance.objectNode().put("_id", id + "-" + k)
                    .put("pad", "x".repeat(200));
                try {
                  c.insertOne(doc);
                } catch (RuntimeException e) { // said no: it may or may not have been applied
                  failed.put(id + "-" + k, e.getClass().getName());
                  return null;
                }
                returned.add(id + "-" + k);
              }
              return null;
            }));
          }
          Thread.sleep(ThreadLocalRandom.current().nextInt(0, 3));
          for (Future<?> f : batch) {
            if (f.cancel(true)) {
              interrupted++;
            }
          }
        }
      } finally {
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
      }
      assertTrue(interrupted > 0, "no write was interrupted while running");
      c.insertOne(JsonNodeFactory.instance.objectNode().put("_id", "after"));
      returned.add("after");
      c.find(null).forEach(d -> stored.add(d.id()));
      assertTrue(stored.containsAll(returned), "a write that returned is missing from the open store");
      Set<String> unacknowledged = new HashSet<>(stored);
      unacknowledged.removeAll(returned);
      assertTrue(failed.keySet().containsAll(unacknowledged),
          "stored without returning or failing: " + unacknowledged + " (failures: " + failed + ")");
    }
    try (DocumentStore reopened = DocumentStore.h2(dir, e -> "0")) {
      Collection c = reopened.collection("notes");
      Set<String> ids = new HashSet<>();
      c.find(null).forEach(d -> ids.add(d.id()));
      assertEquals(stored, ids, "after a reopen");
    }
  }
}
