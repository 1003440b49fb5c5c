package dev.ren.examples;

import dev.ren.RenPublisher;
import dev.ren.db.DocumentStore;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The demo's documents on PostgreSQL ({@code --postgres JDBC_URL}): a {@link DocumentStore} over a pool of
 * connections to the URL's database (user, password and {@code currentSchema} as URL parameters). Demo servers
 * started with one URL share the documents, and each publishes the events of the writes it commits to its own hub.
 *
 * <p>Thread-safety: thread-safe; {@link #close()} is idempotent.
 */
final class PostgresDocuments implements AutoCloseable {

  /** Connections held at most, shared by the demo's requests. */
  static final int MAX_CONNECTIONS = 16;

  private final JdbcConnectionPool pool;
  private final DocumentStore store;

  private PostgresDocuments(JdbcConnectionPool pool, DocumentStore store) {
    this.pool = pool;
    this.store = store;
  }

  /**
   * Opens the store (creating its tables when absent).
   *
   * @throws IllegalArgumentException if {@code jdbcUrl} is no PostgreSQL JDBC URL
   * @throws dev.ren.db.DocumentStoreException if the database cannot be reached (nothing is left open)
   */
  static PostgresDocuments open(String jdbcUrl, RenPublisher publisher) {
    PGConnectionPoolDataSource ds = new PGConnectionPoolDataSource();
    ds.setURL(checkUrl(jdbcUrl));
    JdbcConnectionPool pool = JdbcConnectionPool.create(ds);
    pool.setMaxConnections(MAX_CONNECTIONS);
    try {
      return new PostgresDocuments(pool, DocumentStore.jdbc(pool, publisher));
    } catch (RuntimeException e) {
      pool.dispose();
      throw e;
    }
  }

  /** {@code url} if it names a PostgreSQL database for JDBC. */
  static String checkUrl(String url) {
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("--postgres must be a JDBC URL jdbc:postgresql://host:port/database"
          + "[?user=..&password=..], was '" + url + "'");
    }
    return url;
  }

  DocumentStore store() {
    return store;
  }

  @Override
  public void close() {
    try {
      store.close();
    } finally {
      pool.dispose();
    }
  }
}
