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
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * The JDBC {@link DocumentStore}: one table of documents ({@code ren_documents}, JSON stored as JSON), one of
 * declared indexes and one of index entries carrying a SQL index, all written in the caller's transaction.
 *
 * <p>Thread-safety: thread-safe.
 */
final class JdbcDocumentStore implements DocumentStore {

  static final int MAX_ATTEMPTS = 200;

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
  private final ConcurrentHashMap<String, JdbcCollection> collections = new ConcurrentHashMap<>();
  /**
   * Writes to one collection run one at a time within this JVM. The revision compare-and-set alone is not enough
   * on H2: a concurrency test caught it losing one increment in a few hundred (an UPDATE that waited on a row
   * lock then applied to a version it never saw; compare H2 issue #4208). The CAS stays, for other processes
   * writing to a shared server database.
   */
  private final ConcurrentHashMap<String, ReentrantLock> writeLocks = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private JdbcDocumentStore(DataSource dataSource, @Nullable JdbcConnectionPool ownedPool,
                            @Nullable H2FileStore h2File, SqlDialect dialect, RenPublisher publisher) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.h2File = h2File;
    this.dialect = dialect;
    this.events = new OrderedPublisher(publisher);
  }

  static JdbcDocumentStore openH2(Path dir, RenPublisher publisher) {
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
    return open(null, publisher, pool, h2File);
  }

  static JdbcDocumentStore openH2InMemory(RenPublisher publisher) {
    String url = "jdbc:h2:mem:ren-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    return open(null, publisher, JdbcConnectionPool.create(url, "sa", ""), null);
  }

  static JdbcDocumentStore open(@Nullable DataSource dataSource, RenPublisher publisher,
                                @Nullable JdbcConnectionPool pool, @Nullable H2FileStore h2File) {
    Objects.requireNonNull(publisher, "publisher");
    DataSource ds = pool != null ? pool : Objects.requireNonNull(dataSource, "dataSource");
    if (pool != null) {
      pool.setMaxConnections(32);
    }
    try (Connection c = ds.getConnection()) {
      SqlDialect dialect = SqlDialect.forProduct(c.getMetaData().getDatabaseProductName());
      createSchema(c, dialect);
      return new JdbcDocumentStore(ds, pool, h2File, dialect, publisher);
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
      s.execute("CREATE TABLE IF NOT EXISTS ren_documents (collection VARCHAR(64) NOT NULL, "
          + "id VARCHAR(" + Documents.MAX_ID_LENGTH + ") NOT NULL, rev BIGINT NOT NULL, doc " + d.jsonType
          + " NOT NULL, PRIMARY KEY (collection, id))");
      s.execute("CREATE TABLE IF NOT EXISTS ren_indexes (collection VARCHAR(64) NOT NULL, "
          + "name VARCHAR(600) NOT NULL, fields VARCHAR(4000) NOT NULL, PRIMARY KEY (collection, name))");
      s.execute("CREATE TABLE IF NOT EXISTS ren_index_entries (collection VARCHAR(64) NOT NULL, "
          + "index_name VARCHAR(600) NOT NULL, type_rank INT NOT NULL, num DOUBLE PRECISION, "
          + "str VARCHAR(" + IndexKeys.MAX_STR + "), id VARCHAR(" + Documents.MAX_ID_LENGTH + ") NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS ren_index_entries_key ON ren_index_entries "
          + "(collection, index_name, type_rank, num, str)");
      s.execute("CREATE INDEX IF NOT EXISTS ren_index_entries_doc ON ren_index_entries (collection, id)");
    } finally {
      c.setAutoCommit(auto);
    }
  }

  @Override
  public Collection collection(String name) {
    Documents.checkCollection(name);
    checkOpen();
    return collections.computeIfAbsent(name, n -> new JdbcCollection(this, n));
  }

  @Override
  public List<String> collectionNames() {
    return read(c -> {
      List<String> out = new ArrayList<>();
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT collection FROM ren_documents UNION "
               + "SELECT collection FROM ren_indexes ORDER BY 1")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    });
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
   * Runs {@code work} in a transaction, retrying it from scratch when a concurrent writer got in first, and
   * publishes its events after the commit. A pending interrupt is cleared for the duration (H2 must never see
   * one) and restored afterwards.
   *
   * @throws AppliedButNotPublishedException if the transaction committed but one of its events could not be
   *     published
   */
  <T> T write(String collection, TxWork<T> work) {
    checkOpen();
    boolean interrupted = Thread.interrupted();
    try {
      Committed<T> committed;
      ReentrantLock writeLock = writeLocks.computeIfAbsent(collection, k -> new ReentrantLock());
      writeLock.lock();
      try {
        committed = attempt(collection, work);
      } finally {
        writeLock.unlock();
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
