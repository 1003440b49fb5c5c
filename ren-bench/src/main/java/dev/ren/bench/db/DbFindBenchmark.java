package dev.ren.bench.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.db.Collection;
import dev.ren.db.Document;
import dev.ren.db.DocumentStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code find} latency on a file-backed H2 collection of 100,000 documents. Every document carries the same value
 * in {@code key} (indexed) and {@code key2} (not indexed), so "with vs without an index" is the same query on the
 * same data: {@code findIndexedEq} probes {@code ren_index_entries}, {@code findUnindexedEq} scans every document.
 * {@code findIndexedRange} returns ~100 documents through the index.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class DbFindBenchmark {

  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static final int DOCUMENTS = 100_000;

  Path dir;
  DocumentStore store;
  Collection items;
  final SplittableRandom random = new SplittableRandom(7);

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("ren-db-find");
    store = DocumentStore.h2(dir, e -> "0");
    items = store.collection("items");
    items.createIndex(List.of("key"));
    List<ObjectNode> batch = new ArrayList<>(1000);
    for (int i = 0; i < DOCUMENTS; i++) {
      batch.add(JsonNodeFactory.instance.objectNode()
          .put("key", i)
          .put("key2", i)
          .put("name", "item-" + i)
          .put("group", i % 1000));
      if (batch.size() == 1000) {
        items.insertMany(batch);
        batch.clear();
      }
    }
    JsonNode check = filter("{\"key\":42}");
    if (items.find(check).size() != 1 || items.find(filter("{\"key2\":42}")).size() != 1) {
      throw new IllegalStateException("setup failed: key 42 not found exactly once");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static JsonNode filter(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Benchmark
  public List<Document> findIndexedEq() {
    return items.find(JsonNodeFactory.instance.objectNode().put("key", random.nextInt(DOCUMENTS)));
  }

  @Benchmark
  public List<Document> findIndexedRange() {
    int from = random.nextInt(DOCUMENTS - 100);
    ObjectNode f = JsonNodeFactory.instance.objectNode();
    f.putObject("key").put("$gte", from).put("$lt", from + 100);
    return items.find(f);
  }

  @Benchmark
  public List<Document> findUnindexedEq() {
    return items.find(JsonNodeFactory.instance.objectNode().put("key2", random.nextInt(DOCUMENTS)));
  }
}
