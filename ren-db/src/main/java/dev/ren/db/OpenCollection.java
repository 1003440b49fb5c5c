package dev.ren.db;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory state of one collection that exists (or is being created): its declared indexes and the lock its
 * writes take. {@link CollectionRegistry} hands it out pinned to the writers that use it and drops it when it is
 * no longer used, so the state of a collection lives only while its writers need it, plus a bounded while idle.
 *
 * <p>Thread-safety: thread-safe. {@link #pins} is guarded by the registry; {@link #exists} is a hint written after
 * writes (the database decides every bound).
 */
final class OpenCollection {

  final String name;
  final DocumentSql sql;
  final CollectionIndexes indexes;
  /**
   * Writes to one collection run one at a time within this JVM. The revision compare-and-set alone is not enough
   * on H2: a concurrency test caught it losing one increment in a few hundred (an UPDATE that waited on a row
   * lock then applied to a version it never saw; compare H2 issue #4208). The CAS stays, for other processes
   * writing to a shared server database. One lock per open collection: all writers of a collection in this JVM
   * share one {@code OpenCollection}, because it is only ever dropped while none holds it. Not taken where the
   * database holds the locks ({@link SqlDialect#locksInDatabase}): row and advisory locks order the writers of
   * every instance there.
   */
  final ReentrantLock writeLock = new ReentrantLock();
  /** Writers holding this state; guarded by the registry. */
  int pins;
  /**
   * Whether the collection held a document or an index after the last write seen here. A state whose collection
   * is gone (emptied, or its creation refused) is dropped as soon as no writer holds it.
   */
  volatile boolean exists;

  OpenCollection(JdbcDocumentStore store, String name, List<IndexInfo> declared, boolean exists) {
    this.name = name;
    this.sql = new DocumentSql(name, store.dialect);
    this.indexes = new CollectionIndexes(store, name, sql, declared);
    this.exists = exists;
  }
}
