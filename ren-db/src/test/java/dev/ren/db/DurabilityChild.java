package dev.ren.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM for {@link DurabilityTest}: writes until killed, printing each write once it has returned (been
 * acknowledged). {@code inserters} threads insert new documents ({@code ins <id>}); {@code updaters} threads each
 * own one document {@code u<n>} and update it again and again ({@code upd <id> <rev>}, the revision the update
 * made, which the document also carries as {@code n}).
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
      }));
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
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
  }

  private static void ack(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
