package dev.ren.bench.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.db.Collection;
import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Inserts per second into the H2 document store, each insert its own durable transaction (file store: the commit
 * reaches the file before {@code insertOne} returns) and its {@code db.document.created} published to a hub. With
 * {@code indexes=1} every insert also writes an index entry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class DbInsertBenchmark {

  @Param({"file", "memory"})
  String storage;

  @Param({"0", "1"})
  int indexes;

  Path dir;
  RenHub hub;
  DocumentStore store;
  Collection todos;
  long counter;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    hub = RenHub.create();
    dir = Files.createTempDirectory("ren-db-bench");
    store = storage.equals("file") ? DocumentStore.h2(dir, hub) : DocumentStore.h2InMemory(hub);
    todos = store.collection("todos");
    if (indexes > 0) {
      todos.createIndex(List.of("status"));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    hub.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public String insertOne() {
    long n = counter++;
    ObjectNode doc = JsonNodeFactory.instance.objectNode()
        .put("title", "todo " + n)
        .put("status", n % 3 == 0 ? "done" : "open")
        .put("priority", (int) (n % 5));
    return todos.insertOne(doc);
  }
}
