package dev.ren.db;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RELIABILITY 26 and 40: every write the store acknowledged survives {@code kill -9} of the JVM that made it. A
 * child JVM inserts and updates continuously from several threads, printing each write once it returned; the
 * test kills it with SIGKILL at a random moment (no shutdown hook, no H2 close), reopens the directory and checks
 * that every acknowledged insert is there and every updated document is at least at its acknowledged revision.
 * {@code ren-bench/run.sh durability} ({@code dev.ren.bench.db.DurabilityRuns}) runs the same check 50 times and
 * reports the acknowledged writes and their throughput.
 */
class DurabilityTest {

  private static final System.Logger LOG = System.getLogger(DurabilityTest.class.getName());

  @TempDir
  Path dir;

  @RepeatedTest(10)
  void insertAndUpdate_kill9AtRandomMoment_everyAcknowledgedWriteSurvives() throws Exception {
    // the kill lands while writes are in flight: after the first acknowledged write, at a random delay
    long started = System.nanoTime();
    long killAfterNanos = TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextInt(50, 1500));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        DurabilityChild.class.getName(), dir.toString(), "3", "3")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    List<String> inserted = new ArrayList<>();
    Map<String, Long> updated = new HashMap<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      long killAt = Long.MAX_VALUE;
      String line;
      while ((line = out.readLine()) != null) {
        String[] w = line.split(" ");
        if (w[0].equals("ins")) {
          inserted.add(w[1]);
        } else if (w[0].equals("upd")) {
          updated.merge(w[1], Long.parseLong(w[2]), Math::max);
        }
        if (killAt == Long.MAX_VALUE) {
          killAt = System.nanoTime() + killAfterNanos;
        } else if (System.nanoTime() - killAt >= 0) {
          break;
        }
      }
      // SIGKILL on Linux: no shutdown hooks, no H2 close; through the handle, which leaves the pipe open to drain
      child.toHandle().destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
      // lines the child wrote before it died were acknowledged too
      while ((line = out.readLine()) != null) {
        String[] w = line.split(" ");
        if (w.length == 2 && w[0].equals("ins")) {
          inserted.add(w[1]);
        } else if (w.length == 3 && w[0].equals("upd")) {
          updated.merge(w[1], Long.parseLong(w[2]), Math::max);
        }
      }
    } finally {
      child.destroyForcibly();
    }
    assertTrue(!inserted.isEmpty() && !updated.isEmpty(), "child acknowledged nothing");
    LOG.log(System.Logger.Level.INFO, "killed after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
        + " ms, " + inserted.size() + " inserts and "
        + updated.values().stream().mapToLong(Long::longValue).sum() + " update revisions");
    try (DocumentStore store = DocumentStore.h2(dir, e -> "0")) {
      Collection c = store.collection("durable");
      int lost = 0;
      for (String id : inserted) {
        if (c.get(id).isEmpty()) {
          lost++;
        }
      }
      assertEquals(0, lost, "acknowledged inserts lost after kill -9 (of " + inserted.size() + ")");
      for (Map.Entry<String, Long> u : updated.entrySet()) {
        Optional<Document> d = c.get(u.getKey());
        assertTrue(d.isPresent(), "updated document " + u.getKey() + " lost after kill -9");
        long rev = d.get().revision();
        assertTrue(rev >= u.getValue(), u.getKey() + " is at revision " + rev + " after kill -9; revision "
            + u.getValue() + " was acknowledged");
        assertEquals(rev, d.get().json().get("n").longValue(), "revision and content of " + u.getKey());
      }
      // the store is writable after recovery
      c.insertOne(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("after", true));
    }
  }
}
