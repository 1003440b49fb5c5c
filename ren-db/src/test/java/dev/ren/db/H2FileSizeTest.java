package dev.ren.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15, finding 2: under steady writes the H2 file stays proportional to the live data. */
class H2FileSizeTest {

  /** Ten documents of under 1 KB: the file may hold them many times over, but not one chunk per write. */
  static final long BOUND_BYTES = 2L << 20;

  @TempDir
  Path dir;

  @Test
  void updateOne_thousandsOfUpdatesOfTenDocuments_fileStaysUnderBound() throws Exception {
    try (DocumentStore store = DocumentStore.h2(dir, e -> "0")) {
      Collection c = store.collection("small");
      for (int i = 0; i < 10; i++) {
        c.insertOne(JsonNodeFactory.instance.objectNode().put("_id", "d" + i).put("n", 0));
      }
      long max = 0;
      for (int i = 1; i <= 3_000; i++) {
        ObjectNode update = JsonNodeFactory.instance.objectNode();
        update.putObject("$set").put("n", i).put("pad", "x".repeat(100 + i % 400));
        c.updateOne(JsonNodeFactory.instance.objectNode().put("_id", "d" + i % 10), update);
        max = Math.max(max, Files.size(dir.resolve("ren.mv.db")));
      }
      assertTrue(max < BOUND_BYTES, "the file grew to " + max + " bytes for ten small documents");
    }
  }
}
