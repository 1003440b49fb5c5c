package dev.ren.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Not a test: prints the H2 file size and write rate over many updates of ten documents (issue 15, finding 2).
 * {@code java -cp <test classpath> dev.ren.db.H2FileSizeProbe [writes] [insertsOnly]}
 */
public final class H2FileSizeProbe {
  private H2FileSizeProbe() {}

  public static void main(String[] args) throws Exception {
    int writes = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    boolean inserts = args.length > 1 && Boolean.parseBoolean(args[1]);
    Path dir = Files.createTempDirectory("ren-h2-size");
    Path file = dir.resolve("ren.mv.db");
    try (DocumentStore store = DocumentStore.h2(dir, e -> "0")) {
      Collection c = store.collection("small");
      for (int i = 0; i < 10; i++) {
        c.insertOne(JsonNodeFactory.instance.objectNode().put("_id", "d" + i).put("n", 0));
      }
      long max = 0;
      long t0 = System.nanoTime();
      long last = t0;
      for (int i = 1; i <= writes; i++) {
        if (inserts) {
          c.insertOne(JsonNodeFactory.instance.objectNode().put("i", i).put("pad", "x".repeat(200)));
        } else {
          ObjectNode update = JsonNodeFactory.instance.objectNode();
          update.putObject("$set").put("n", i).put("pad", "x".repeat(100 + i % 400));
          c.updateOne(JsonNodeFactory.instance.objectNode().put("_id", "d" + i % 10), update);
        }
        max = Math.max(max, Files.size(file));
        if (i % (writes / 10) == 0) {
          long now = System.nanoTime();
          System.out.printf("%d writes: file %d bytes (max so far %d), %.0f writes/s%n", i, Files.size(file), max,
              (writes / 10) * 1e9 / (now - last));
          last = now;
        }
      }
      System.out.printf("total %.0f writes/s, max file %d bytes%n", writes * 1e9 / (System.nanoTime() - t0), max);
    }
  }
}
