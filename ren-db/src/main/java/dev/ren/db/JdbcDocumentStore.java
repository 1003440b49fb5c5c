package dev.ren.db;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.internal.Backoff;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * The JDBC {@link DocumentStore}: one table of documents ({@code ren_documents}, JSON stored as JSON), one of
 * declared indexes and one of index entries carrying a SQL index, all written in the caller's transaction.
 *
 * <p><b>Collections.</b> A collection is not a table but the rows that carry its name, so it exists while it
 * holds a document or an index and costs nothing before. {@link #collection} hands out a handle that holds no
 * state; the in-memory state of a collection ({@link OpenCollection}) is held by {@link CollectionRegistry} only
 * while writes use it, plus a bounded number idle. The number of collections is bounded by
 * {@link Config#maxCollections}: a write that would create a collection counts the existing ones under
 * {@link #creationLock}, held until it commits, so concurrent creations cannot overshoot.
 *
 * <p>Thread-safety: thread-safe.
 */
final class JdbcDocumentStore implements DocumentStore {

  static final int MAX_ATTEMPTS = 200;
  /** Idle collection states kept in memory (see {@link CollectionRegistry}). */
  static final int MAX_IDLE_COLLECTIONS = 256;

  /**
   * The store's bounds: {@code maxCollections} and {@code filterLimits} from {@link DocumentStore.Builder};
   * {@code maxIdleCollections} is {@link #MAX_IDLE_COLLECTIONS} but for tests.
   */
  record Config(int maxCollections, Filter.Limits filterLimits, int maxIdleCollections) {
    static final Config DEFAULT = new Config(DocumentStore.Builder.DEFAULT_MAX_COLLECTIONS, Filter.Limits.DEFAULT,
        MAX_IDLE_COLLECTIONS);
  }

  /**
   * Delay before retrying a transaction that lost a race (a stale revision, a lock timeout, a deadlock, a
   * serialization failure): short, because the winner commits within milliseconds, and fully jittered, so the
   * losers of one race do not collide again.
   */
  private static final Backoff RETRY =
      Backoff.exponential(Duration.ofNanos(50_000), Duration.ofMillis(2)).withJitter(1.0);

  private final DataSource dataSource;
  private final @Nullable JdbcConnectionPool ownedPool;
  /** Set for an embedded H2 file: how it is kept durable and compact (see {@link H2FileStore}). */
  private final @Nullable H2FileStore h2File;
  final SqlDialect dialect;
  final OrderedPublisher events;
  final IdGenerator ids = new IdGenerator();
  final Config config;
  private final CollectionRegistry collections;
  /**
   * Held by a write that creates a collection from counting the existing ones until it commits, so two creations
   * cannot both see room for one. Taken inside a collection's write lock, never the other way round.
   */
  private final ReentrantLock creationLock = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();

  private JdbcDocumentStore(DataSource dataSource, @Nullable JdbcConnectionPool ownedPool,
                            @Nullable H2FileStore h2File, SqlDialect dialect, RenPublisher publisher, Config config) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.h2File = h2File;
    this.dialect = dialect;
    this.events = new OrderedPublisher(publisher);
    this.config = config;
    this.collections = new CollectionRegistry(this, config.maxIdleCollections());
  }

  static JdbcDocumentStore openH2(Path dir, RenPublisher publisher, Config config) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create database directory " + dir, e);
    }
    // WRITE_DELAY=0: a commit is written to the file before it returns; H2FileStore makes it findable after a
    // crash (no reuse of dead space) and keeps the file compact (RETENTION_TIME=0 lets it drop dead chunks at once)
    String url = "jdbc:h2:" + dir.toAbsolutePath().resolve("ren") + ";WRITE_DELAY=0;RETENTION_TIME=0";
    JdbcConnectionPool pool = JdbcConnectionPool.create(url, "sa", "");
    H2FileStore h2File;
    try {
      h2File = H2FileStore.attach(pool);
    } catch (SQLException | RuntimeException e) {
      pool.dispose();
      throw new DocumentStoreException("cannot open the document store in " + dir + ": " + e.getMessage(), e);
    }
    return open(null, publisher, pool, h2File, config);
  }

  static JdbcDocumentStore openH2InMemory(RenPublisher publisher, Config config) {
    String url = "jdbc:h2:mem:ren-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    return open(null, publisher, JdbcConnectionPool.create(url, "sa", ""), null, config);
  }

  static JdbcDocumentStore open(@Nullable DataSource dataSource, RenPublisher publisher,
                                @Nullable JdbcConnectionPool pool, @Nullable H2FileStore h2File, Config config) {
    Objects.requireNonNull(publisher, "publisher");
    DataSource ds = pool != null ? pool : Objects.requireNonNull(dataSource, "dataSource");
    if (pool != null) {
      pool.setMaxConnections(32);
    }
    try (Connection c = ds.getConnection()) {
      SqlDialect dialect = SqlDialect.forProduct(c.getMetaData().getDatabaseProductName());
      createSchema(c, dialect);
      return new JdbcDocumentStore(ds, pool, h2File, dialect, publisher, config);
    } catch (SQLException e) {
      if (h2File != null) {
        h2File.close();
      }
      if (pool != null) {
        pool.dispose();
      }
      throw new DocumentStoreException("cannot open the document store: " + e.getMessage(), e);
    }
  }

  private static void createSchema(Connection c, SqlDialect d) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ren_documents (collection VARCHAR(" + TenantKeys.MAX_KEY + ") NOT NULL, "
          + "id VARCHAR(" + Documents.MAX_ID_LENGTH + ") NOT NULL, rev BIGINT NOT NULL, doc " + d.jsonType
          + " NOT NULL, PRIMARY KEY (collection, id))");
      s.execute("CREATE TABLE IF NOT EXISTS ren_indexes (collection VARCHAR(" + TenantKeys.MAX_KEY + ") NOT NULL, "
          + "name VARCHAR(600) NOT NULL, fields VARCHAR(4000) NOT NULL, PRIMARY KEY (collection, name))");
      s.execute("CREATE TABLE IF NOT EXISTS ren_index_entries (collection VARCHAR(" + TenantKeys.MAX_KEY + ") NOT NULL, "
          + "index_name VARCHAR(600) NOT NULL, type_rank INT NOT NULL, num DOUBLE PRECISION, "
          + "str VARCHAR(" + IndexKeys.MAX_STR + "), id VARCHAR(" + Documents.MAX_ID_LENGTH + ") NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS ren_index_entries_key ON ren_index_entries "
          + "(collection, index_name, type_rank, num, str)");
      s.execute("CREATE INDEX IF NOT EXISTS ren_index_entries_doc ON ren_index_entries (collection, id)");
      widenCollectionColumns(s);
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** A handle on collection {@code name}; it holds no state, so naming a collection costs nothing. */
  @Override
  public Collection collection(String name) {
    return collection(null, name);
  }

  /** A handle on collection {@code name} of {@code tenant} (null = the default tenant); see {@link TenantKeys}. */
  Collection collection(@Nullable String tenant, String name) {
    Documents.checkCollection(name);
    checkOpen();
    return new JdbcCollection(this, name, tenant);
  }

  @Override
  public DocumentStore tenant(@Nullable String tenant) {
    return tenant == null ? this : new TenantDocumentStore(this, tenant);
  }

  /**
   * A database made before tenants has {@code collection VARCHAR(64)} columns: they are widened to
   * {@link TenantKeys#MAX_KEY} once (existing rows keep their names, so the default tenant reads them as before).
   */
  private static void widenCollectionColumns(Statement s) throws SQLException {
    for (String table : List.of("ren_documents", "ren_indexes", "ren_index_entries")) {
      int width;
      try (ResultSet rs = s.executeQuery("SELECT collection FROM " + table + " WHERE 1 = 0")) {
        width = rs.getMetaData().getPrecision(1);
      }
      if (width < TenantKeys.MAX_KEY) {
        s.execute("ALTER TABLE " + table + " ALTER COLUMN collection SET DATA TYPE VARCHAR(" + TenantKeys.MAX_KEY
            + ")");
      }
    }
  }

  /**
   * Reads each table's distinct collection names: with the primary key's leading column, H2 answers that by
   * skipping from name to name (0.2 ms for 21 names over 300,000 documents), where a {@code UNION} scans every row.
   */
  @Override
  public List<String> collectionNames() {
    return collectionNames(null);
  }

  /** The collection names of {@code tenant} (null = the default tenant), sorted; see {@link TenantKeys}. */
  List<String> collectionNames(@Nullable String tenant) {
    return read(c -> {
      TreeSet<String> keys = new TreeSet<>();
      addNames(c, "SELECT DISTINCT collection FROM ren_documents", keys, Integer.MAX_VALUE);
      addNames(c, "SELECT DISTINCT collection FROM ren_indexes", keys, Integer.MAX_VALUE);
      TreeSet<String> out = new TreeSet<>();
      for (String key : keys) {
        String name = TenantKeys.nameIn(tenant, key);
        if (name != null) {
          out.add(name);
        }
      }
      return List.copyOf(out);
    });
  }

  private static void addNames(Connection c, String sql, Set<String> out, int max) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (out.size() < max && rs.next()) {
        out.add(rs.getString(1));
      }
    }
  }

  /** The collection states (for {@link CollectionIndexes} and tests). */
  CollectionRegistry collections() {
    return collections;
  }

  /**
   * The declared indexes of {@code name} for a read on {@code c}: the open state's when there is one, else read
   * with the query's own connection, so a read never opens a state.
   */
  List<IndexInfo> declared(Connection c, String name) throws SQLException {
    OpenCollection open = collections.cached(name);
    return open != null ? open.indexes.declared() : CollectionIndexes.load(c, name);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && ownedPool != null) {
      if (h2File != null) {
        h2File.close();
      }
      if (ownedPool.getActiveConnections() == 0) {
        try (Connection c = ownedPool.getConnection(); Statement s = c.createStatement()) {
          s.execute("SHUTDOWN");
        } catch (SQLException e) {
          System.getLogger(JdbcDocumentStore.class.getName())
              .log(System.Logger.Level.WARNING, "H2 shutdown failed", e);
        }
      }
      ownedPool.dispose();
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the document store is closed");
    }
  }

  // ---------------------------------------------------------------- transactions

  /** Work inside one transaction; events collected here are published only after commit. */
  @FunctionalInterface
  interface TxWork<T> {
    T run(Connection c, List<RenEvent> events) throws SQLException;
  }

  @FunctionalInterface
  interface ReadWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Thrown inside a transaction when a compare-and-set on a revision found the row changed: retry. */
  static final class StaleRead extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StaleRead() {
      super(null, null, false, false);
    }
  }

  /**
   * Runs {@code work} in a transaction on {@code collection} (pinned by the caller) under its write lock,
   * retrying it from scratch when a concurrent writer got in first, and publishes its events after the commit. A
   * write that {@code creates} (an insert, an index) into a collection that does not exist yet first checks the
   * bound on collections. A pending interrupt is cleared for the duration (H2 must never see one) and restored
   * afterwards.
   *
   * @throws DocumentStoreFullException if the write would create a collection beyond the bound (nothing written)
   * @throws AppliedButNotPublishedException if the transaction committed but one of its events could not be
   *     published
   */
  <T> T write(OpenCollection collection, boolean creates, TxWork<T> work) {
    checkOpen();
    boolean interrupted = Thread.interrupted();
    try {
      Committed<T> committed;
      collection.writeLock.lock();
      try {
        // exact under the collection's lock: no other writer of this JVM can create or empty it meanwhile
        committed = creates && !exists(collection.name)
            ? create(collection.name, work)
            : attempt(collection.name, work);
      } finally {
        collection.writeLock.unlock();
      }
      if (h2File != null) {
        h2File.afterCommit(); // outside the collection's lock: other collections' writers go on meanwhile
      }
      events.publish(committed.events()); // after the commit, outside the collection's lock
      return committed.result();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Runs a transaction that creates collection {@code name}, unless the store holds
   * {@link Config#maxCollections} already: then nothing is written.
   *
   * @throws DocumentStoreFullException if there is no room for one more collection
   */
  private <T> Committed<T> create(String name, TxWork<T> work) {
    creationLock.lock();
    try {
      int max = config.maxCollections();
      int existing = read(c -> {
        Set<String> names = new HashSet<>();
        addNames(c, "SELECT DISTINCT collection FROM ren_documents", names, max);
        addNames(c, "SELECT DISTINCT collection FROM ren_indexes", names, max);
        return names.size();
      });
      if (existing >= max) {
        throw new DocumentStoreFullException("maxCollections", max, "collection '" + name
            + "' cannot be created: the store holds " + max + " collections already");
      }
      return attempt(name, work);
    } finally {
      creationLock.unlock();
    }
  }

  /** Whether collection {@code name} holds a document or an index. */
  private boolean exists(String name) {
    return read(c -> CollectionRegistry.hasDocuments(c, name) || CollectionRegistry.hasIndexes(c, name));
  }

  /** What a committed transaction returned, and its queued events. */
  private record Committed<T>(T result, OrderedPublisher.Batch events) {}

  /** Runs the transaction, retrying it from scratch after a {@link #RETRY} delay when another writer got in first. */
  private <T> Committed<T> attempt(String collection, TxWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      List<RenEvent> collected = new ArrayList<>();
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          T result = work.run(c, collected);
          return new Committed<>(result, events.commit(c, collected));
        } catch (StaleRead | SQLException e) {
          rollbackQuietly(c);
          if (e instanceof SQLException sql && !isRetryable(sql)) {
            throw e;
          }
          if (attempt >= MAX_ATTEMPTS) {
            throw new RevisionConflictException(collection, "gave up after " + attempt
                + " attempts: concurrent writers kept changing the same documents in '" + collection + "'");
          }
        } catch (RuntimeException | Error e) {
          rollbackQuietly(c);
          throw e;
        } finally {
          c.setAutoCommit(true);
        }
      } catch (SQLException e) {
        throw new DocumentStoreException("database error in '" + collection + "': " + e.getMessage(), e);
      }
      LockSupport.parkNanos(RETRY.delay(attempt).toNanos());
    }
  }

  /** The embedded H2 file's upkeep, or null when the store is not on an embedded H2 file (for tests). */
  @Nullable H2FileStore h2File() {
    return h2File;
  }

  /** Runs a read on an auto-commit connection. */
  <T> T read(ReadWork<T> work) {
    checkOpen();
    boolean interrupted = Thread.interrupted();
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new DocumentStoreException("database error: " + e.getMessage(), e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static boolean isRetryable(SQLException e) {
    int code = e.getErrorCode();
    String state = e.getSQLState();
    // H2: LOCK_TIMEOUT_1, DEADLOCK_1, CONCURRENT_UPDATE_1; PostgreSQL: serialization failure, deadlock
    return code == 50200 || code == 40001 || code == 90131 || "40001".equals(state) || "40P01".equals(state);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; closing it discards the transaction anyway
    }
  }
}
