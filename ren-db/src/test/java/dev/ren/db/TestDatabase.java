package dev.ren.db;

import dev.ren.RenPublisher;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
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
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A fresh, empty database for every test of a store test class, as a JUnit extension: an H2 file in a new
 * temporary directory, or a new schema with a unique name in the PostgreSQL database {@code test} on
 * 127.0.0.1:5432 (user {@code postgres}, trust authentication; {@code -Dren.postgres.url} overrides the URL). Both
 * are removed after the test. Each {@link #builder} on PostgreSQL gets its own connection pool, as a separate
 * store instance (another node) would.
 *
 * <p>Thread-safety: not thread-safe; used by one test at a time.
 */
final class TestDatabase implements BeforeEachCallback, AfterEachCallback {

  enum Kind { H2, POSTGRES }

  static final String POSTGRES_URL = System.getProperty("ren.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");

  private final Kind kind;
  private @Nullable Path dir;
  private @Nullable String schema;
  private final List<JdbcConnectionPool> pools = new ArrayList<>();

  TestDatabase(Kind kind) {
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (kind == Kind.H2) {
      dir = Files.createTempDirectory("ren-db-test");
    } else {
      String name = "ren_test_" + UUID.randomUUID().toString().replace("-", "");
      try (Connection c = DriverManager.getConnection(POSTGRES_URL, "postgres", "");
           Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + name);
      }
      schema = name;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (JdbcConnectionPool p : pools) {
      p.dispose();
    }
    pools.clear();
    Path d = dir;
    if (d != null) {
      try (Stream<Path> files = Files.walk(d)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
      dir = null;
    }
    String s = schema;
    if (s != null) {
      try (Connection c = DriverManager.getConnection(POSTGRES_URL, "postgres", "");
           Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA " + s + " CASCADE");
      }
      schema = null;
    }
  }

  /** A builder whose database is this one; a new store instance each time it is built. */
  DocumentStore.Builder builder(RenPublisher publisher) {
    return kind == Kind.H2 ? DocumentStore.builder(publisher).h2(dir()) : DocumentStore.builder(publisher).jdbc(pool());
  }

  /** A store on this database with default settings. */
  DocumentStore open(RenPublisher publisher) {
    return builder(publisher).build();
  }

  /** A store on this database with settings a builder does not offer (for tests of the store's internals). */
  JdbcDocumentStore open(RenPublisher publisher, JdbcDocumentStore.Config config) {
    return kind == Kind.H2 ? JdbcDocumentStore.openH2(dir(), publisher, config)
        : JdbcDocumentStore.open(pool(), publisher, null, null, config);
  }

  /**
   * Plain connections to this database, for looking at what the store wrote. On H2 only while no store has the
   * file open.
   */
  DataSource dataSource() {
    if (kind == Kind.H2) {
      JdbcConnectionPool p = JdbcConnectionPool.create("jdbc:h2:" + dir().toAbsolutePath().resolve("ren"), "sa", "");
      pools.add(p);
      return p;
    }
    return pool();
  }

  /** Whether {@code plan} (of {@link JdbcCollection#explain}) reads through the index entries' SQL index. */
  boolean readsIndexEntries(String plan) {
    // PostgreSQL may scan a table of a few rows rather than use the index: that the probe query (a join with
    // the entries) was planned at all is what the planner decided
    return kind == Kind.H2 ? plan.contains("REN_INDEX_ENTRIES_KEY") : plan.contains("ren_index_entries");
  }

  /** Whether {@code plan} reads the documents by primary key, with a condition on the id. */
  boolean readsPrimaryKey(String plan) {
    return kind == Kind.H2 ? plan.contains("PRIMARY_KEY")
        : plan.contains("ren_documents_pkey") && plan.contains("(id)");
  }

  private Path dir() {
    Path d = dir;
    if (d == null) {
      throw new IllegalStateException("no H2 directory: not an H2 database or the test is over");
    }
    return d;
  }

  private JdbcConnectionPool pool() {
    String s = schema;
    if (s == null) {
      throw new IllegalStateException("no schema: not a PostgreSQL database or the test is over");
    }
    PGConnectionPoolDataSource ds = new PGConnectionPoolDataSource();
    ds.setURL(POSTGRES_URL);
    ds.setUser("postgres");
    ds.setCurrentSchema(s);
    JdbcConnectionPool p = JdbcConnectionPool.create(ds);
    p.setMaxConnections(32);
    pools.add(p);
    return p;
  }

  /** Runs {@code sql} on this database (outside any store). */
  void execute(String sql) throws SQLException {
    try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
