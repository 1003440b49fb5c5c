package dev.ren.bench.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.db.Collection;
import dev.ren.db.Document;
import dev.ren.db.DocumentStore;
import org.h2.jdbcx.JdbcConnectionPool;
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
import org.postgresql.ds.PGConnectionPoolDataSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code find} latency on 100,000 documents, H2 file against PostgreSQL (a fresh schema of database {@code test} on
 * 127.0.0.1:5432; {@code -Dren.postgres.url} overrides). {@code key} is indexed and {@code key2} holds the same
 * values unindexed, so {@code findIndexedEq} is the filter evaluated in SQL (a probe of {@code ren_index_entries})
 * and {@code findUnindexedEq} the same filter evaluated in Java over every document read from the database.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class DbPostgresFindBenchmark {

  static final int DOCUMENTS = 100_000;

  @Param({"h2", "postgres"})
  String database;

  Path dir;
  String schema;
  JdbcConnectionPool pool;
  DocumentStore store;
  Collection items;
  final SplittableRandom random = new SplittableRandom(7);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("ren-db-pg-find");
    if (database.equals("h2")) {
      store = DocumentStore.h2(dir, e -> "0");
    } else {
      schema = "ren_bench_" + UUID.randomUUID().toString().replace("-", "");
      sql("CREATE SCHEMA " + schema);
      PGConnectionPoolDataSource ds = new PGConnectionPoolDataSource();
      ds.setURL(DbPostgresBenchmark.URL);
      ds.setUser("postgres");
      ds.setCurrentSchema(schema);
      pool = JdbcConnectionPool.create(ds);
      store = DocumentStore.jdbc(pool, e -> "0");
    }
    items = store.collection("items");
    items.createIndex(List.of("key"));
    List<ObjectNode> batch = new ArrayList<>(1000);
    for (int i = 0; i < DOCUMENTS; i++) {
      batch.add(JsonNodeFactory.instance.objectNode().put("key", i).put("key2", i).put("name", "item-" + i)
          .put("group", i % 1000));
      if (batch.size() == 1000) {
        items.insertMany(batch);
        batch.clear();
      }
    }
    if (schema != null) {
      sql("ANALYZE " + schema + ".ren_documents");
      sql("ANALYZE " + schema + ".ren_index_entries");
    }
    if (items.find(JsonNodeFactory.instance.objectNode().put("key2", 42)).size() != 1) {
      throw new IllegalStateException("setup failed: key2 42 not found exactly once");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    store.close();
    if (pool != null) {
      pool.dispose();
    }
    if (schema != null) {
      sql("DROP SCHEMA " + schema + " CASCADE");
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(DbPostgresBenchmark.URL, "postgres", "");
         Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  @Benchmark
  public List<Document> findIndexedEq() {
    return items.find(JsonNodeFactory.instance.objectNode().put("key", random.nextInt(DOCUMENTS)));
  }

  @Benchmark
  public List<Document> findUnindexedEq() {
    return items.find(JsonNodeFactory.instance.objectNode().put("key2", random.nextInt(DOCUMENTS)));
  }
}
