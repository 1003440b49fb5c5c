package dev.ren.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.file.Path;

/** Child JVM for {@link DurabilityTest}: inserts until killed, printing each id once its insert has returned. */
public final class DurabilityChild {
  private DurabilityChild() {}

  public static void main(String[] args) {
    DocumentStore store = DocumentStore.h2(Path.of(args[0]), e -> "0");
    Collection c = store.collection("durable");
    for (int i = 0; i < 1_000_000; i++) {
      String id = c.insertOne(JsonNodeFactory.instance.objectNode().put("i", i).put("pad", "x".repeat(200)));
      System.out.println("committed " + id);
      System.out.flush();
    }
  }
}
