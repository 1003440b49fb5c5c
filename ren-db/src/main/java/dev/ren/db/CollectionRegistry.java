package dev.ren.db;

import org.jspecify.annotations.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link OpenCollection}s of a store, keyed by collection name (client input), so kept bounded: a state is
 * created only for a write to a collection that exists or that the write creates, is <em>pinned</em> by each
 * writer while it works, and once unpinned is either dropped (its collection is gone) or kept among at most
 * {@code maxIdle} idle states, the least recently used dropped first. Reads never create one: they use an open
 * state when there is one and otherwise read the declared indexes from the database with their query.
 *
 * <p>Invariant: at most one state per name, and a state is only removed while unpinned, so all writers of a
 * collection in this JVM share its locks. A state opened after an older one was dropped reads its declared indexes
 * from the database; {@link #generation} makes sure that read did not miss an index declared or dropped meanwhile.
 *
 * <p>Thread-safety: thread-safe. {@link #open} is read without a lock and changed under {@code this}, which also
 * guards {@link #idle}, {@link #generation} and every state's {@code pins}. No database work is done under it.
 */
final class CollectionRegistry {

  private static final String HAS_DOCUMENTS =
      "SELECT 1 FROM ren_documents WHERE collection = ? FETCH FIRST ROW ONLY";
  private static final String HAS_INDEXES = "SELECT 1 FROM ren_indexes WHERE collection = ? FETCH FIRST ROW ONLY";

  private final JdbcDocumentStore store;
  private final int maxIdle;
  private final ConcurrentHashMap<String, OpenCollection> open = new ConcurrentHashMap<>();
  /** Unpinned states that are kept, eldest first. */
  private final LinkedHashMap<String, OpenCollection> idle = new LinkedHashMap<>();
  /** Incremented whenever an index is declared or dropped. */
  private long generation;
  /**
   * For tests: run by {@link #pin} between reading a collection's declarations and opening its state, where another
   * thread's index declaration can slip in.
   */
  volatile @Nullable Runnable afterRead;

  CollectionRegistry(JdbcDocumentStore store, int maxIdle) {
    this.store = store;
    this.maxIdle = maxIdle;
  }

  /** The open state of {@code name} without pinning it (for reads, which use only its declared indexes), or null. */
  @Nullable OpenCollection cached(String name) {
    return open.get(name);
  }

  /** Pins the state of {@code name}, opening it if needed, for a write that may create the collection. */
  OpenCollection pin(String name) {
    OpenCollection s = pin(name, true);
    if (s == null) {
      throw new IllegalStateException("no state for '" + name + "'"); // pin(name, true) always opens one
    }
    return s;
  }

  /**
   * Pins the state of {@code name} for a write that needs the collection to exist (an update, a delete, an index
   * drop), or returns null, having created nothing, when it does not exist.
   */
  @Nullable OpenCollection pinExisting(String name) {
    return pin(name, false);
  }

  private @Nullable OpenCollection pin(String name, boolean create) {
    while (true) {
      long seen;
      synchronized (this) {
        OpenCollection s = open.get(name);
        if (s != null) {
          take(s);
          return s;
        }
        seen = generation;
      }
      // outside the lock: other collections' writers never wait for this one's database round trip
      Found found = store.read(c -> {
        List<IndexInfo> declared = CollectionIndexes.load(c, name);
        return new Found(declared, !declared.isEmpty() || hasDocuments(c, name));
      });
      if (!found.exists() && !create) {
        return null;
      }
      Runnable hook = afterRead;
      if (hook != null) {
        hook.run();
      }
      synchronized (this) {
        OpenCollection s = open.get(name);
        if (s != null) {
          take(s);
          return s;
        }
        if (seen != generation) {
          continue; // an index was declared or dropped while we read: what we read may be stale
        }
        s = new OpenCollection(store, name, found.declared(), found.exists());
        s.pins = 1;
        open.put(name, s);
        return s;
      }
    }
  }

  /** What the database says of a collection: its declared indexes and whether it exists. */
  private record Found(List<IndexInfo> declared, boolean exists) {}

  private void take(OpenCollection s) {
    if (s.pins++ == 0) {
      idle.remove(s.name);
    }
  }

  /** Releases a pin; the last one keeps the state idle if its collection exists, and drops it otherwise. */
  synchronized void unpin(OpenCollection s) {
    if (--s.pins > 0) {
      return;
    }
    if (!s.exists) {
      open.remove(s.name, s);
      return;
    }
    idle.put(s.name, s);
    if (idle.size() > maxIdle) {
      Iterator<OpenCollection> eldest = idle.values().iterator();
      OpenCollection drop = eldest.next();
      eldest.remove();
      open.remove(drop.name, drop);
    }
  }

  /**
   * Called by a writer that declared or dropped an index, after the declared list changed and while its state is
   * still pinned (so before the state can be dropped).
   */
  synchronized void declarationsChanged() {
    generation++;
  }

  /** States held in memory, pinned or idle (for tests). */
  int size() {
    return open.size();
  }

  /** Whether collection {@code name} holds at least one document (in {@code c}'s view). */
  static boolean hasDocuments(Connection c, String name) throws SQLException {
    return any(c, HAS_DOCUMENTS, name);
  }

  /** Whether collection {@code name} has at least one declared index (in {@code c}'s view). */
  static boolean hasIndexes(Connection c, String name) throws SQLException {
    return any(c, HAS_INDEXES, name);
  }

  private static boolean any(Connection c, String sql, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
