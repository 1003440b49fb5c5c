package dev.ren.bench.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.db.Collection;
import dev.ren.db.DocumentStore;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link DurabilityRuns}: opens the embedded H2 document store in {@code args[0]} and writes until
 * it is killed, printing each write on stdout once it has returned (been acknowledged). {@code args[1]} threads
 * insert new documents ({@code ins <id>}); {@code args[2]} threads each own one document {@code u<n>} and update it
 * again and again, guarded by its revision ({@code upd <id> <rev>}: the revision the update made, which the
 * document also carries as {@code n}). The same workload as ren-db's {@code DurabilityTest} child, kept here because
 * ren-bench depends on ren-db's main code only.
 *
 * <p>Thread-safety: a program; its writer threads share the store (thread-safe) and stdout (under its lock).
 */
public final class DurabilityChild {

  private DurabilityChild() {}

  public static void main(String[] args) throws InterruptedException {
    DocumentStore store = DocumentStore.h2(Path.of(args[0]), e -> "0");
    int inserters = Integer.parseInt(args[1]);
    int updaters = Integer.parseInt(args[2]);
    Collection c = store.collection("durable");
    PrintStream out = System.out;
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < inserters; t++) {
      int thread = t;
      threads.add(new Thread(() -> {
        for (int i = 0; ; i++) {
          String id = c.insertOne(JsonNodeFactory.instance.objectNode().put("t", thread).put("i", i)
              .put("pad", "x".repeat(200)));
          ack(out, "ins " + id);
        }
      }, "inserter-" + t));
    }
    for (int t = 0; t < updaters; t++) {
      String id = "u" + t;
      threads.add(new Thread(() -> {
        ObjectNode filter = JsonNodeFactory.instance.objectNode().put("_id", id);
        c.insertOne(JsonNodeFactory.instance.objectNode().put("_id", id).put("n", 1));
        ack(out, "upd " + id + " 1");
        for (long rev = 1; ; rev++) {
          ObjectNode update = JsonNodeFactory.instance.objectNode();
          update.putObject("$set").put("n", rev + 1).put("pad", "y".repeat((int) (rev % 300)));
          c.updateOne(filter, update, rev);
          ack(out, "upd " + id + " " + (rev + 1));
        }
      }, "updater-" + t));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
  }

  /** One whole line per write call: a pipe write of under 4 KiB is atomic, so a kill never leaves half a line. */
  private static void ack(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
