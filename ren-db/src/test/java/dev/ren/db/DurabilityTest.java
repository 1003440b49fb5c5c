package dev.ren.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RELIABILITY 26: a committed insert survives kill -9 of the JVM that made it. */
class DurabilityTest {

  @TempDir
  Path dir;

  @Test
  void insertOne_committedBeforeKill9_survivesReopen() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        DurabilityChild.class.getName(), dir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    List<String> committed = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      // kill while the child is still inserting: the last insert may be cut anywhere
      while (committed.size() < 40 && (line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          committed.add(line.substring("committed ".length()));
        }
      }
      child.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no H2 close
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
    } finally {
      child.destroyForcibly();
    }
    assertEquals(40, committed.size(), "child stopped early");
    try (DocumentStore store = DocumentStore.h2(dir, e -> "0")) {
      Collection c = store.collection("durable");
      for (String id : committed) {
        assertTrue(c.get(id).isPresent(), "committed document " + id + " lost after kill -9");
      }
      // the store is writable after recovery
      c.insertOne(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("after", true));
    }
  }
}
