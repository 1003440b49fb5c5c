package dev.ren.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The declared indexes of one collection and their entries in {@code ren_index_entries}.
 *
 * <p>Invariant: every committed document has exactly the entries of every index in {@link #declared()}. Document
 * writes run under the read lock ({@link #whileStable}) and write their entries in their own transaction;
 * declaring or dropping an index takes the write lock, so a new index is backfilled from a table that no writer
 * changes meanwhile and never misses a document written while it was being filled.
 *
 * <p>When the database holds the locks ({@link SqlDialect#locksInDatabase}: store instances may share it), the
 * same invariant holds across instances: declaring or dropping takes the collection's advisory lock exclusively
 * and each document write reads the declared indexes in its own transaction under that lock shared
 * ({@link #current}), so {@link #declared()} is then only this instance's last view.
 *
 * <p>Thread-safety: thread-safe. {@code declared} is replaced (never mutated) under the write lock and read
 * without a lock by queries, which only use it to choose a plan.
 */
final class CollectionIndexes {

  private static final int MAX_INDEX_FIELDS = 8;
  private static final int MAX_INDEXES = 32;
  private static final int MAX_NAME_LENGTH = 600;
  private static final int BACKFILL_BATCH = 1000;

  private static final String INSERT_ENTRY =
      "INSERT INTO ren_index_entries (collection, index_name, type_rank, num, str, id) VALUES (?, ?, ?, ?, ?, ?)";
  private static final String DELETE_ENTRIES_OF_DOC = "DELETE FROM ren_index_entries WHERE collection = ? AND id = ?";

  private final JdbcDocumentStore store;
  private final String collection;
  private final DocumentSql sql;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile List<IndexInfo> declared; // replaced under lock.writeLock()

  /** The indexes of {@code collection}, whose declarations {@link #load} read from {@code ren_indexes}. */
  CollectionIndexes(JdbcDocumentStore store, String collection, DocumentSql sql, List<IndexInfo> declared) {
    this.store = store;
    this.collection = collection;
    this.sql = sql;
    this.declared = List.copyOf(declared);
  }

  /** The declared indexes, sorted by name (an immutable snapshot). */
  List<IndexInfo> declared() {
    return declared;
  }

  /**
   * The declared indexes as seen by the transaction on {@code c}, which holds the collection's write lock: this
   * instance's own list, or when instances share the database, the list in it.
   */
  List<IndexInfo> current(Connection c) throws SQLException {
    return store.dialect.locksInDatabase ? load(c, collection) : declared;
  }

  /** Runs a document write while no index is being declared or dropped (see the class invariant). */
  <T> T whileStable(Supplier<T> write) {
    lock.readLock().lock();
    try {
      return write.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- declarations

  /**
   * The name of an index on {@code fields} ({@code field1_1_field2_1}), checking the fields; called before any state
   * of the collection is touched, so a bad request leaves nothing behind.
   *
   * @throws IllegalArgumentException naming the bad field or count
   */
  static String nameOf(@Nullable List<String> fields) {
    if (fields == null || fields.isEmpty() || fields.size() > MAX_INDEX_FIELDS) {
      throw new IllegalArgumentException("an index needs 1 to " + MAX_INDEX_FIELDS + " field paths");
    }
    StringBuilder n = new StringBuilder();
    for (String f : fields) {
      Filter.parsePath(Objects.requireNonNull(f, "index field"), "index field");
      if (n.length() > 0) {
        n.append('_');
      }
      n.append(f).append("_1");
    }
    String indexName = n.toString();
    if (indexName.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("index name '" + Filter.shorten(indexName) + "' is too long");
    }
    return indexName;
  }

  /**
   * Declares an index on {@code fields} (idempotent) and returns its name; see {@link Collection#createIndex}.
   * {@code owner} is this collection's pinned state; declaring the first index of an empty collection creates it.
   */
  String create(OpenCollection owner, List<String> fields) {
    String indexName = nameOf(fields);
    IndexInfo info = new IndexInfo(indexName, List.copyOf(fields));
    lock.writeLock().lock();
    try {
      if (!store.dialect.locksInDatabase && has(declared, indexName)) {
        return indexName; // exact here: only this instance declares indexes
      }
      List<IndexInfo> now = store.write(owner, true, true, (c, events) -> {
        List<IndexInfo> before = current(c);
        if (has(before, indexName)) {
          return before;
        }
        if (before.size() >= MAX_INDEXES) {
          throw new IllegalArgumentException("collection '" + collection + "' already has " + MAX_INDEXES
              + " indexes");
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO ren_indexes (collection, name, fields) VALUES (?, ?, ?)")) {
          ps.setString(1, collection);
          ps.setString(2, indexName);
          ps.setString(3, Json.MAPPER.writeValueAsString(fields));
          ps.executeUpdate();
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
        backfill(c, info);
        List<IndexInfo> next = new ArrayList<>(before);
        next.add(info);
        next.sort(Comparator.comparing(IndexInfo::name));
        return List.copyOf(next);
      });
      declared = now;
      owner.exists = true;
      store.collections().declarationsChanged();
      return indexName;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Drops the index and its entries; false if there was none of that name. Dropping the last index of a collection
   * without documents ends the collection, and {@code owner} (its pinned state) records that.
   */
  boolean drop(OpenCollection owner, String indexName) {
    Objects.requireNonNull(indexName, "name");
    lock.writeLock().lock();
    try {
      if (!store.dialect.locksInDatabase && !has(declared, indexName)) {
        return false;
      }
      List<IndexInfo> before = new ArrayList<>();
      boolean remains = store.write(owner, false, true, (c, events) -> {
        before.clear();
        before.addAll(current(c));
        if (!has(before, indexName)) {
          return true; // nothing dropped: the collection is as it was
        }
        for (String statement : List.of("DELETE FROM ren_indexes WHERE collection = ? AND name = ?",
            "DELETE FROM ren_index_entries WHERE collection = ? AND index_name = ?")) {
          try (PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setString(1, collection);
            ps.setString(2, indexName);
            ps.executeUpdate();
          }
        }
        return before.size() > 1 || CollectionRegistry.hasDocuments(c, collection);
      });
      boolean dropped = has(before, indexName);
      declared = before.stream().filter(ix -> !ix.name().equals(indexName)).toList();
      owner.exists = remains;
      store.collections().declarationsChanged();
      return dropped;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static boolean has(List<IndexInfo> indexes, String name) {
    for (IndexInfo ix : indexes) {
      if (ix.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The declarations of {@code collection} in {@code ren_indexes}, sorted by name (empty when it has none). */
  static List<IndexInfo> load(Connection c, String collection) throws SQLException {
    List<IndexInfo> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT name, fields FROM ren_indexes WHERE collection = ? ORDER BY name")) {
      ps.setString(1, collection);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          List<String> fields = new ArrayList<>();
          try {
            for (JsonNode f : Json.MAPPER.readTree(rs.getString(2))) {
              fields.add(f.textValue());
            }
          } catch (JsonProcessingException e) {
            throw new SQLException("index '" + rs.getString(1) + "' has unreadable fields", e);
          }
          out.add(new IndexInfo(rs.getString(1), fields));
        }
      }
    }
    return List.copyOf(out);
  }

  /** Writes the entries of a newly declared index for every document (called under the write lock). */
  private void backfill(Connection c, IndexInfo ix) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(INSERT_ENTRY)) {
      int[] pending = {0};
      sql.scan(c, BACKFILL_BATCH, r -> {
        addEntries(insert, ix, r.id(), r.doc());
        if (++pending[0] == BACKFILL_BATCH) {
          insert.executeBatch();
          pending[0] = 0;
        }
        return true;
      });
      if (pending[0] > 0) {
        insert.executeBatch();
      }
    }
  }

  // ---------------------------------------------------------------- entries (in the writer's transaction)

  /**
   * Writes the entries of document {@code id} for every index of {@code indexes} (the transaction's
   * {@link #current}), replacing its old ones if asked.
   */
  void writeEntries(Connection c, List<IndexInfo> indexes, String id, ObjectNode doc, boolean replace)
      throws SQLException {
    if (indexes.isEmpty()) {
      return;
    }
    if (replace) {
      deleteEntries(c, indexes, id);
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT_ENTRY)) {
      for (IndexInfo ix : indexes) {
        addEntries(ps, ix, id, doc);
      }
      ps.executeBatch();
    }
  }

  /** Deletes every entry of document {@code id}; {@code indexes} is the transaction's {@link #current}. */
  void deleteEntries(Connection c, List<IndexInfo> indexes, String id) throws SQLException {
    if (indexes.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(DELETE_ENTRIES_OF_DOC)) {
      ps.setString(1, collection);
      ps.setString(2, id);
      ps.executeUpdate();
    }
  }

  private void addEntries(PreparedStatement ps, IndexInfo ix, String id, ObjectNode doc) throws SQLException {
    JsonNode v = Json.at(doc, ix.fields().get(0).split("\\."));
    for (IndexKeys.Key k : IndexKeys.keys(v)) {
      ps.setString(1, collection);
      ps.setString(2, ix.name());
      ps.setInt(3, k.rank());
      Double num = k.num();
      if (num == null) {
        ps.setNull(4, Types.DOUBLE);
      } else {
        ps.setDouble(4, num);
      }
      String str = k.str();
      if (str == null) {
        ps.setNull(5, Types.VARCHAR);
      } else {
        ps.setString(5, str);
      }
      ps.setString(6, id);
      ps.addBatch();
    }
  }
}
