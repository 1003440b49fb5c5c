package dev.ren.bench.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.db.DocumentStore;
import dev.ren.db.UpdateResult;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.postgresql.ds.PGConnectionPoolDataSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The document store on an H2 file against PostgreSQL (127.0.0.1:5432, database {@code test}, a fresh schema per
 * trial; {@code -Dren.postgres.url} overrides), in operations per second: {@code insertOne} (one transaction per
 * document, one index entry), {@code findIndexedEq} (one of 10,000 documents through an index) and
 * {@code incContended} (4 threads applying {@code $inc} to 10 documents, so writers queue on row locks). With
 * {@code database=postgres-2-stores} two store instances, each with its own pool, share the schema and the
 * threads alternate between them, as two nodes would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class DbPostgresBenchmark {

  static final String URL = System.getProperty("ren.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");
  static final int DOCUMENTS = 10_000;
  static final int HOT = 10;

  @Param({"h2", "postgres", "postgres-2-stores"})
  String database;

  Path dir;
  String schema;
  final List<JdbcConnectionPool> pools = new ArrayList<>();
  final List<DocumentStore> stores = new ArrayList<>();
  final AtomicInteger threads = new AtomicInteger();
  final AtomicLong inserted = new AtomicLong();

  /** The store a benchmark thread uses, and its own random numbers. */
  @State(Scope.Thread)
  public static class Caller {
    DocumentStore store;
    final SplittableRandom random = new SplittableRandom();

    @Setup(Level.Trial)
    public void pick(DbPostgresBenchmark b) {
      store = b.stores.get(b.threads.getAndIncrement() % b.stores.size());
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("ren-db-pg");
    if (database.equals("h2")) {
      stores.add(DocumentStore.h2(dir, e -> "0"));
    } else {
      schema = "ren_bench_" + UUID.randomUUID().toString().replace("-", "");
      sql("CREATE SCHEMA " + schema);
      for (int i = 0; i < (database.equals("postgres") ? 1 : 2); i++) {
        PGConnectionPoolDataSource ds = new PGConnectionPoolDataSource();
        ds.setURL(URL);
        ds.setUser("postgres");
        ds.setCurrentSchema(schema);
        JdbcConnectionPool pool = JdbcConnectionPool.create(ds);
        pool.setMaxConnections(16);
        pools.add(pool);
        stores.add(DocumentStore.jdbc(pool, e -> "0"));
      }
    }
    DocumentStore first = stores.get(0);
    first.collection("items").createIndex(List.of("key"));
    first.collection("todos").createIndex(List.of("status"));
    List<ObjectNode> batch = new ArrayList<>(1000);
    for (int i = 0; i < DOCUMENTS; i++) {
      batch.add(JsonNodeFactory.instance.objectNode().put("key", i).put("name", "item-" + i));
      if (batch.size() == 1000) {
        first.collection("items").insertMany(batch);
        batch.clear();
      }
    }
    for (int i = 0; i < HOT; i++) {
      first.collection("counters").insertOne(JsonNodeFactory.instance.objectNode().put("_id", "c" + i).put("n", 0));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    for (DocumentStore s : stores) {
      s.close();
    }
    for (JdbcConnectionPool p : pools) {
      p.dispose();
    }
    if (schema != null) {
      sql("DROP SCHEMA " + schema + " CASCADE");
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(URL, "postgres", ""); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  @Benchmark
  public String insertOne(Caller caller) {
    long n = inserted.incrementAndGet();
    return caller.store.collection("todos").insertOne(JsonNodeFactory.instance.objectNode()
        .put("title", "todo " + n).put("status", n % 3 == 0 ? "done" : "open"));
  }

  @Benchmark
  public int findIndexedEq(Caller caller) {
    return caller.store.collection("items")
        .find(JsonNodeFactory.instance.objectNode().put("key", caller.random.nextInt(DOCUMENTS))).size();
  }

  @Benchmark
  @Threads(4)
  public UpdateResult incContended(Caller caller) {
    return caller.store.collection("counters").updateOne(
        JsonNodeFactory.instance.objectNode().put("_id", "c" + caller.random.nextInt(HOT)),
        inc());
  }

  private static ObjectNode inc() {
    ObjectNode u = JsonNodeFactory.instance.objectNode();
    u.putObject("$inc").put("n", 1);
    return u;
  }
}
