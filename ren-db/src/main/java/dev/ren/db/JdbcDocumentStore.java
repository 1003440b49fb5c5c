package dev.ren.db;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.health.Health;
import dev.ren.internal.Backoff;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
 * <p><b>Several instances on one database.</b> On PostgreSQL ({@link SqlDialect#locksInDatabase}) every lock is
 * the database's, so store instances in any number of JVMs may share one database: a write locks the rows it
 * changes ({@code SELECT ... FOR UPDATE}, then the revision compare-and-set), and takes transaction-scoped advisory
 * locks: on its collection, shared by document writes and exclusive for declaring or dropping an index (so a new
 * index is backfilled while no instance writes to the collection, and every writer reads the declared indexes in
 * its own transaction); and on the store, shared by every write that may create a collection and exclusive while
 * one does, so counting the collections against {@link Config#maxCollections} is exact across instances. Each
 * instance publishes the events of its own commits, in commit order.
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
    // crash (no reuse of dead space) and keeps the file compact (RETENTION_TIME=0 lets it drop dead chunks at once).
    // ren-file: the file through a channel an interrupt does not close (InterruptSafeFilePath): on H2's default
    // FileChannel an interrupt that reaches a writer inside H2 (Future.cancel(true)) closes the channel and with it
    // the database, for every caller (InterruptDuringWriteTest). Same file, same format.
    InterruptSafeFilePath.register();
    String url = "jdbc:h2:" + InterruptSafeFilePath.SCHEME + ":" + dir.toAbsolutePath().resolve("ren")
        + ";WRITE_DELAY=0;RETENTION_TIME=0";
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
      String key = "VARCHAR(" + TenantKeys.MAX_KEY + ")" + d.collation + " NOT NULL";
      String id = "VARCHAR(" + Documents.MAX_ID_LENGTH + ")" + d.collation + " NOT NULL";
      String indexName = "VARCHAR(600)" + d.collation + " NOT NULL";
      s.execute("CREATE TABLE IF NOT EXISTS ren_documents (collection " + key + ", id " + id
          + ", rev BIGINT NOT NULL, doc " + d.jsonType + " NOT NULL, PRIMARY KEY (collection, id))");
      s.execute("CREATE TABLE IF NOT EXISTS ren_indexes (collection " + key + ", name " + indexName
          + ", fields VARCHAR(4000) NOT NULL, PRIMARY KEY (collection, name))");
      s.execute("CREATE TABLE IF NOT EXISTS ren_index_entries (collection " + key + ", index_name " + indexName
          + ", type_rank INT NOT NULL, num DOUBLE PRECISION, str VARCHAR(" + IndexKeys.MAX_STR + ")" + d.collation
          + ", id " + id + ")");
      s.execute("CREATE INDEX IF NOT EXISTS ren_index_entries_key ON ren_index_entries "
          + "(collection, index_name, type_rank, num, str)");
      s.execute("CREATE INDEX IF NOT EXISTS ren_index_entries_doc ON ren_index_entries (collection, id)");
      widenCollectionColumns(s, d);
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
  private static void widenCollectionColumns(Statement s, SqlDialect d) throws SQLException {
    for (String table : List.of("ren_documents", "ren_indexes", "ren_index_entries")) {
      int width;
      try (ResultSet rs = s.executeQuery("SELECT collection FROM " + table + " WHERE 1 = 0")) {
        width = rs.getMetaData().getPrecision(1);
      }
      if (width < TenantKeys.MAX_KEY) {
        s.execute("ALTER TABLE " + table + " ALTER COLUMN collection SET DATA TYPE VARCHAR(" + TenantKeys.MAX_KEY
            + ")" + d.collation);
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
    if (dialect.locksInDatabase) {
      return CollectionIndexes.load(c, name); // another instance may have declared or dropped one
    }
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

  @Override
  public Health health(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    String what = "documents on " + dialect.name();
    if (closed.get()) {
      return Health.down(what + ": store is closed");
    }
    long t0 = System.nanoTime();
    int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000));
    try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
      st.setQueryTimeout(seconds);
      try (ResultSet rs = st.executeQuery("SELECT 1 FROM ren_documents WHERE 1 = 0")) {
        rs.next();
      }
      return Health.up(what + ": answered in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    } catch (SQLException | RuntimeException e) {
      return Health.down(what + ": " + e.getMessage());
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
   * afterwards. With {@link SqlDialect#locksInDatabase} the write lock is the database's: an advisory lock on the
   * collection, {@code exclusive} for index declarations, shared otherwise (see the class comment).
   *
   * @throws DocumentStoreFullException if the write would create a collection beyond the bound (nothing written)
   * @throws AppliedButNotPublishedException if the transaction committed but one of its events could not be
   *     published
   */
  <T> T write(OpenCollection collection, boolean creates, boolean exclusive, TxWork<T> work) {
    checkOpen();
    boolean interrupted = Thread.interrupted();
    try {
      Committed<T> committed;
      if (dialect.locksInDatabase) {
        committed = writeLockedInDatabase(collection.name, creates, exclusive, work);
      } else {
        collection.writeLock.lock();
        try {
          // exact under the collection's lock: no other writer of this JVM can create or empty it meanwhile
          committed = creates && !exists(collection.name)
              ? create(collection.name, work)
              : attempt(collection.name, work);
        } finally {
          collection.writeLock.unlock();
        }
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
      int existing = read(c -> countCollections(c, max));
      if (existing >= max) {
        throw full(name);
      }
      return attempt(name, work);
    } finally {
      creationLock.unlock();
    }
  }

  /** Whether collection {@code name} holds a document or an index. */
  private boolean exists(String name) {
    return read(c -> exists(c, name));
  }

  private static boolean exists(Connection c, String name) throws SQLException {
    return CollectionRegistry.hasDocuments(c, name) || CollectionRegistry.hasIndexes(c, name);
  }

  /** The number of collections, counted up to {@code max}. */
  private static int countCollections(Connection c, int max) throws SQLException {
    Set<String> names = new HashSet<>();
    addNames(c, "SELECT DISTINCT collection FROM ren_documents", names, max);
    addNames(c, "SELECT DISTINCT collection FROM ren_indexes", names, max);
    return names.size();
  }

  private DocumentStoreFullException full(String name) {
    int max = config.maxCollections();
    return new DocumentStoreFullException("maxCollections", max, "collection '" + name
        + "' cannot be created: the store holds " + max + " collections already");
  }

  // ---------------------------------------------------------------- locks in the database (PostgreSQL)

  /** Advisory lock key space of the store-wide lock (two-int form: this, 0). */
  private static final int STORE_LOCK_SPACE = 0x52454E00;
  /** Advisory lock key space of collection locks (two-int form: this, hash of the stored name). */
  private static final int COLLECTION_LOCK_SPACE = 0x52454E01;

  /** Thrown in a transaction that found it must create its collection: it is rerun holding the store lock. */
  private static final class NeedsCreation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NeedsCreation() {
      super(null, null, false, false);
    }
  }

  /**
   * The transaction of {@link #write} when the database holds the locks. It takes, in this order (so two writers
   * never wait for each other in a cycle): the store lock, if it may create a collection (shared, or exclusive
   * once it found that it does create one: then it counts the collections); and the collection's lock. Both are
   * transaction-scoped, so they are released by the commit or rollback. A write that found its collection missing
   * while holding the store lock shared rolls back and runs again with it exclusive; the exclusive holder sees
   * every other write that may create or re-fill a collection committed or not yet begun, so the count is exact.
   * Two names with one hash share a lock: that only serializes them.
   */
  private <T> Committed<T> writeLockedInDatabase(String name, boolean creates, boolean exclusive, TxWork<T> work) {
    boolean creating = false;
    while (true) {
      boolean asCreator = creating;
      String storeLock = !creates ? "" : asCreator ? "pg_advisory_xact_lock(?, 0), "
          : "pg_advisory_xact_lock_shared(?, 0), ";
      String lock = "SELECT " + storeLock
          + (exclusive ? "pg_advisory_xact_lock(?, ?)" : "pg_advisory_xact_lock_shared(?, ?)");
      try {
        return attempt(name, (c, events) -> {
          try (PreparedStatement ps = c.prepareStatement(lock)) {
            int i = 1;
            if (creates) {
              ps.setInt(i++, STORE_LOCK_SPACE);
            }
            ps.setInt(i++, COLLECTION_LOCK_SPACE);
            ps.setInt(i, name.hashCode());
            ps.executeQuery().close();
          }
          if (creates && !exists(c, name)) {
            if (!asCreator) {
              throw new NeedsCreation();
            }
            if (countCollections(c, config.maxCollections()) >= config.maxCollections()) {
              throw full(name);
            }
          }
          return work.run(c, events);
        });
      } catch (NeedsCreation e) {
        creating = true;
      }
    }
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

  /**
   * Runs a read on an auto-commit connection; on PostgreSQL in a read-only transaction instead, so that a scan
   * streams its rows through a cursor ({@code setFetchSize} is ignored outside a transaction) rather than holding
   * the whole result in memory.
   */
  <T> T read(ReadWork<T> work) {
    checkOpen();
    boolean interrupted = Thread.interrupted();
    try (Connection c = dataSource.getConnection()) {
      if (!dialect.locksInDatabase) {
        return work.run(c);
      }
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } finally {
        rollbackQuietly(c);
        c.setAutoCommit(true);
      }
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
    // H2: LOCK_TIMEOUT_1, DEADLOCK_1, CONCURRENT_UPDATE_1; PostgreSQL: serialization failure, deadlock, lock timeout
    return code == 50200 || code == 40001 || code == 90131 || "40001".equals(state) || "40P01".equals(state)
        || "55P03".equals(state);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; closing it discards the transaction anyway
    }
  }
}
