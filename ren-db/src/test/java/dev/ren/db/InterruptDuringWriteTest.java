package dev.ren.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * store keeps working, and after a reopen every write that returned is there.
 */
class InterruptDuringWriteTest {

  @TempDir
  Path dir;

  @Test
  void insertOne_writersCancelledWithInterruptMidWrite_storeKeepsWorkingAndNoReturnedWriteIsLost() throws Exception {
    Set<String> returned = ConcurrentHashMap.newKeySet();
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
                c.insertOne(doc);
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
      assertEquals(returned.size(), c.find(null).size(), "the open store lost or invented writes");
    }
    try (DocumentStore reopened = DocumentStore.h2(dir, e -> "0")) {
      Collection c = reopened.collection("notes");
      Set<String> ids = ConcurrentHashMap.newKeySet();
      c.find(null).forEach(d -> ids.add(d.id()));
      assertEquals(returned, ids, "after a reopen");
    }
  }
}
