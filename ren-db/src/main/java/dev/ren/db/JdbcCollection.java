package dev.ren.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A collection of a {@link JdbcDocumentStore}. Reads pick a plan: a primary-key lookup for {@code _id}
 * conditions, a probe of {@code ren_index_entries} when a conjunct of the filter is on the first field of a
 * declared index, a scan of the collection otherwise; the filter is then checked exactly in Java. Writes
 * compare-and-set on the revision ({@code UPDATE ... WHERE rev = ?}) and maintain index entries in the same
 * transaction.
 *
 * <p>Thread-safety: thread-safe. Writes share a read lock that index creation and dropping take exclusively, so
 * a new index never misses a document written while it was being filled.
 */
final class JdbcCollection implements Collection {

  private static final int MAX_INDEX_FIELDS = 8;
  private static final int MAX_INDEXES = 32;

  private final JdbcDocumentStore store;
  private final String name;
  private final ReentrantReadWriteLock indexLock = new ReentrantReadWriteLock();
  private volatile List<IndexInfo> indexes;

  private final String sqlSelectById;
  private final String sqlInsert;
  private final String sqlUpdate;

  /** One row read from {@code ren_documents}. */
  record Row(String id, long rev, ObjectNode doc) {}

  /** How candidates are fetched. */
  sealed interface Plan permits Scan, IdProbes, IndexProbes {}

  record Scan() implements Plan {}

  record IdProbes(List<IndexKeys.Probe> probes) implements Plan {}

  record IndexProbes(String index, List<IndexKeys.Probe> probes) implements Plan {}

  JdbcCollection(JdbcDocumentStore store, String name) {
    this.store = store;
    this.name = name;
    SqlDialect d = store.dialect;
    sqlSelectById = "SELECT id, rev, doc FROM ren_documents WHERE collection = ? AND id = ?";
    sqlInsert = "INSERT INTO ren_documents (collection, id, rev, doc) VALUES (?, ?, 1, " + d.jsonParam + ")";
    sqlUpdate = "UPDATE ren_documents SET rev = ?, doc = " + d.jsonParam
        + " WHERE collection = ? AND id = ? AND rev = ?";
    this.indexes = store.read(this::loadIndexes);
  }

  @Override
  public String name() {
    return name;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<Document> get(String id) {
    Documents.checkId(id);
    return store.read(c -> {
      Row r = selectById(c, id);
      return Optional.ofNullable(r == null ? null : toDocument(r));
    });
  }

  @Override
  public List<Document> find(JsonNode filterJson, FindOptions options) {
    Filter filter = Filter.parse(filterJson);
    java.util.Objects.requireNonNull(options, "options");
    List<Row> rows = store.read(c -> candidates(c, filter, options.sort().isEmpty()
        ? saturatedAdd(options.skip(), options.limit()) : 0));
    if (!options.sort().isEmpty()) {
      rows = new ArrayList<>(rows);
      rows.sort(comparator(options.sort()));
    }
    int from = Math.min(options.skip(), rows.size());
    int to = options.limit() == 0 ? rows.size() : (int) Math.min(rows.size(), (long) from + options.limit());
    List<Document> out = new ArrayList<>(to - from);
    for (Row r : rows.subList(from, to)) {
      out.add(toDocument(r));
    }
    return out;
  }

  @Override
  public Optional<Document> findOne(JsonNode filter) {
    List<Document> one = find(filter, FindOptions.limit(1));
    return one.isEmpty() ? Optional.empty() : Optional.of(one.get(0));
  }

  private static int saturatedAdd(int a, int b) {
    return b == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (long) a + b);
  }

  private static Comparator<Row> comparator(List<FindOptions.SortKey> sort) {
    List<String[]> paths = new ArrayList<>();
    for (FindOptions.SortKey k : sort) {
      paths.add(k.path().split("\\."));
    }
    return (a, b) -> {
      for (int i = 0; i < paths.size(); i++) {
        int c = Json.compare(Json.at(a.doc(), paths.get(i)), Json.at(b.doc(), paths.get(i)));
        if (c != 0) {
          return sort.get(i).ascending() ? c : -c;
        }
      }
      return a.id().compareTo(b.id());
    };
  }

  private Document toDocument(Row r) {
    return new Document(r.id(), r.rev(), r.doc());
  }

  /**
   * The rows matching {@code filter} in {@code _id} order, at most {@code max} of them (0 = all). Every row is
   * checked against the full filter in Java; the plan only decides which rows are read.
   */
  List<Row> candidates(Connection c, Filter filter, int max) throws SQLException {
    Plan plan = plan(filter);
    if (plan instanceof Scan) {
      List<Row> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, rev, doc FROM ren_documents WHERE collection = ? ORDER BY id")) {
        ps.setString(1, name);
        ps.setFetchSize(500);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Row r = row(rs);
            if (filter.matches(r.doc())) {
              out.add(r);
              if (max > 0 && out.size() >= max) {
                break;
              }
            }
          }
        }
      }
      return out;
    }
    TreeMap<String, Row> byId = new TreeMap<>();
    boolean ids = plan instanceof IdProbes;
    List<IndexKeys.Probe> probes = ids ? ((IdProbes) plan).probes() : ((IndexProbes) plan).probes();
    for (IndexKeys.Probe p : probes) {
      try (PreparedStatement ps = c.prepareStatement(ids ? idProbeSql(p) : indexProbeSql(p))) {
        bindProbe(ps, p, ids ? null : ((IndexProbes) plan).index());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String id = rs.getString(1);
            if (!byId.containsKey(id)) {
              Row r = row(rs);
              if (filter.matches(r.doc())) {
                byId.put(id, r);
              }
            }
          }
        }
      }
    }
    List<Row> out = new ArrayList<>(byId.values());
    return max > 0 && out.size() > max ? new ArrayList<>(out.subList(0, max)) : out;
  }

  /** The SQL plan H2 (or the database) chooses for this filter's candidate query; for tests and diagnostics. */
  String explain(JsonNode filterJson) {
    Filter filter = Filter.parse(filterJson);
    Plan plan = plan(filter);
    return store.read(c -> {
      String sql;
      IndexKeys.Probe p = null;
      String index = null;
      if (plan instanceof IdProbes ip) {
        p = ip.probes().get(0);
        sql = idProbeSql(p);
      } else if (plan instanceof IndexProbes ix) {
        p = ix.probes().get(0);
        index = ix.index();
        sql = indexProbeSql(p);
      } else {
        sql = "SELECT id, rev, doc FROM ren_documents WHERE collection = ? ORDER BY id";
      }
      try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
        if (p == null) {
          ps.setString(1, name);
        } else {
          bindProbe(ps, p, index);
        }
        try (ResultSet rs = ps.executeQuery()) {
          StringBuilder sb = new StringBuilder();
          while (rs.next()) {
            sb.append(rs.getString(1)).append('\n');
          }
          return sb.toString();
        }
      }
    });
  }

  private Plan plan(Filter filter) {
    List<Filter.Field> conj = filter.conjuncts();
    // _id conditions use the primary key
    for (Filter.Field f : conj) {
      if (f.path().equals(Documents.ID)) {
        List<IndexKeys.Probe> probes = idProbes(f.conds());
        if (probes != null) {
          return new IdProbes(probes);
        }
      }
    }
    List<IndexInfo> declared = indexes;
    if (declared.isEmpty()) {
      return new Scan();
    }
    IndexProbes rangePlan = null;
    for (Filter.Field f : conj) {
      IndexInfo ix = indexFor(declared, f.path());
      if (ix == null) {
        continue;
      }
      List<IndexKeys.Probe> points = pointProbes(f.conds());
      if (points != null) {
        return new IndexProbes(ix.name(), points);
      }
      IndexKeys.Probe range = IndexKeys.range(f.conds());
      if (range != null && rangePlan == null) {
        rangePlan = new IndexProbes(ix.name(), List.of(range));
      }
    }
    return rangePlan != null ? rangePlan : new Scan();
  }

  private static @Nullable IndexInfo indexFor(List<IndexInfo> declared, String path) {
    for (IndexInfo ix : declared) {
      if (ix.fields().get(0).equals(path)) {
        return ix;
      }
    }
    return null;
  }

  /** Point probes for an {@code $eq}/equality or {@code $in} of probe-able scalars; null if none. */
  private static @Nullable List<IndexKeys.Probe> pointProbes(List<Filter.Cond> conds) {
    for (Filter.Cond c : conds) {
      if (c.op() == Filter.Op.EQ) {
        IndexKeys.Probe p = IndexKeys.point(c.value());
        if (p != null) {
          return List.of(p);
        }
      } else if (c.op() == Filter.Op.IN && c.value().size() <= 256) {
        List<IndexKeys.Probe> ps = new ArrayList<>();
        for (JsonNode q : c.value()) {
          IndexKeys.Probe p = IndexKeys.point(q);
          if (p == null) {
            ps = null;
            break;
          }
          if (!ps.contains(p)) {
            ps.add(p);
          }
        }
        if (ps != null) {
          return ps; // an empty $in matches nothing: no probes, no rows
        }
      }
    }
    return null;
  }

  /** Probes on the primary key for string conditions on {@code _id}; ids are stored whole, so bounds are exact. */
  private static @Nullable List<IndexKeys.Probe> idProbes(List<Filter.Cond> conds) {
    for (Filter.Cond c : conds) {
      if (c.op() == Filter.Op.EQ && c.value().isTextual()) {
        String id = c.value().textValue();
        return List.of(new IndexKeys.Probe(Json.RANK_STRING, null, null, id, id));
      }
      if (c.op() == Filter.Op.IN && c.value().size() <= 256) {
        List<IndexKeys.Probe> ps = new ArrayList<>();
        for (JsonNode q : c.value()) {
          if (!q.isTextual()) {
            ps = null;
            break;
          }
          ps.add(new IndexKeys.Probe(Json.RANK_STRING, null, null, q.textValue(), q.textValue()));
        }
        if (ps != null) {
          return ps;
        }
      }
    }
    IndexKeys.Probe range = IndexKeys.range(conds);
    if (range != null && range.rank() == Json.RANK_STRING) {
      return List.of(range);
    }
    return null;
  }

  private static String idProbeSql(IndexKeys.Probe p) {
    StringBuilder sql = new StringBuilder("SELECT id, rev, doc FROM ren_documents WHERE collection = ?");
    if (p.strLo() != null) {
      sql.append(" AND id >= ?");
    }
    if (p.strHi() != null) {
      sql.append(" AND id <= ?");
    }
    return sql.toString();
  }

  private static String indexProbeSql(IndexKeys.Probe p) {
    StringBuilder sql = new StringBuilder("SELECT d.id, d.rev, d.doc FROM ren_index_entries e JOIN ren_documents d"
        + " ON d.collection = e.collection AND d.id = e.id"
        + " WHERE e.collection = ? AND e.index_name = ? AND e.type_rank = ?");
    if (p.numLo() != null) {
      sql.append(" AND e.num >= ?");
    }
    if (p.numHi() != null) {
      sql.append(" AND e.num <= ?");
    }
    if (p.strLo() != null) {
      sql.append(" AND e.str >= ?");
    }
    if (p.strHi() != null) {
      sql.append(" AND e.str <= ?");
    }
    return sql.toString();
  }

  private void bindProbe(PreparedStatement ps, IndexKeys.Probe p, @Nullable String index) throws SQLException {
    int i = 1;
    ps.setString(i++, name);
    if (index != null) {
      ps.setString(i++, index);
      ps.setInt(i++, p.rank());
      if (p.numLo() != null) {
        ps.setDouble(i++, p.numLo());
      }
      if (p.numHi() != null) {
        ps.setDouble(i++, p.numHi());
      }
    }
    if (p.strLo() != null) {
      ps.setString(i++, p.strLo());
    }
    if (p.strHi() != null) {
      ps.setString(i, p.strHi());
    }
  }

  private @Nullable Row selectById(Connection c, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sqlSelectById)) {
      ps.setString(1, name);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? row(rs) : null;
      }
    }
  }

  private static Row row(ResultSet rs) throws SQLException {
    String id = rs.getString(1);
    long rev = rs.getLong(2);
    byte[] json = rs.getBytes(3);
    try {
      return new Row(id, rev, (ObjectNode) Json.MAPPER.readTree(json));
    } catch (java.io.IOException | ClassCastException e) {
      throw new SQLException("stored document '" + id + "' is not a JSON object", e);
    }
  }

  // ---------------------------------------------------------------- writes

  @Override
  public String insertOne(ObjectNode document) {
    java.util.Objects.requireNonNull(document, "document");
    return insertMany(List.of(document)).get(0);
  }

  @Override
  public List<String> insertMany(List<ObjectNode> documents) {
    java.util.Objects.requireNonNull(documents, "documents");
    List<String> ids = new ArrayList<>(documents.size());
    List<ObjectNode> docs = new ArrayList<>(documents.size());
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (ObjectNode document : documents) {
      java.util.Objects.requireNonNull(document, "document");
      Documents.checkFieldNames(document);
      JsonNode given = document.get(Documents.ID);
      String id = given == null ? store.ids.next() : Documents.checkId(given);
      if (!seen.add(id)) {
        throw new DuplicateIdException(name, id);
      }
      ids.add(id);
      docs.add(Documents.withId(document, id));
    }
    if (docs.isEmpty()) {
      return List.of();
    }
    indexLock.readLock().lock();
    try {
      return store.write(name, (c, events) -> {
        try (PreparedStatement ps = c.prepareStatement(sqlInsert)) {
          for (int i = 0; i < docs.size(); i++) {
            ps.setString(1, name);
            ps.setString(2, ids.get(i));
            setJson(ps, 3, bytes(docs.get(i)));
            ps.executeUpdate();
            writeEntries(c, ids.get(i), docs.get(i), false);
            events.add(RenEvent.dbCreated(name, ids.get(i), "1"));
          }
        } catch (SQLException e) {
          if (e.getErrorCode() == 23505 || "23505".equals(e.getSQLState())) {
            throw new DuplicateIdException(name, duplicateOf(c, ids));
          }
          throw e;
        }
        return List.copyOf(ids);
      });
    } finally {
      indexLock.readLock().unlock();
    }
  }

  /** Which of {@code ids} is taken (called in the failed transaction, which still sees committed rows). */
  private String duplicateOf(Connection c, List<String> ids) {
    if (ids.size() == 1) {
      return ids.get(0);
    }
    try {
      c.rollback();
      for (String id : ids) {
        if (selectById(c, id) != null) {
          return id;
        }
      }
    } catch (SQLException ignored) {
      // fall through to a generic message
    }
    return ids.get(0) + " (or another id of the batch)";
  }

  @Override
  public UpdateResult updateOne(JsonNode filter, JsonNode update) {
    return update(Filter.parse(filter), Update.parse(update), false, -1);
  }

  @Override
  public UpdateResult updateOne(JsonNode filter, JsonNode update, long expectedRevision) {
    return update(Filter.parse(filter), Update.parse(update), false, checkRevision(expectedRevision));
  }

  @Override
  public UpdateResult updateMany(JsonNode filter, JsonNode update) {
    return update(Filter.parse(filter), Update.parse(update), true, -1);
  }

  @Override
  public UpdateResult replaceOne(JsonNode filter, ObjectNode replacement) {
    return update(Filter.parse(filter), Update.replacement(replacement), false, -1);
  }

  @Override
  public UpdateResult replaceOne(JsonNode filter, ObjectNode replacement, long expectedRevision) {
    return update(Filter.parse(filter), Update.replacement(replacement), false, checkRevision(expectedRevision));
  }

  private static long checkRevision(long rev) {
    if (rev < 1) {
      throw new IllegalArgumentException("expectedRevision must be >= 1, was " + rev);
    }
    return rev;
  }

  private UpdateResult update(Filter filter, Update update, boolean many, long expected) {
    indexLock.readLock().lock();
    try {
      return store.write(name, (c, events) -> {
        long matched = 0;
        long modified = 0;
        for (Row r : candidates(c, filter, many ? 0 : 1)) {
          matched++;
          if (expected > 0 && r.rev() != expected) {
            throw new RevisionConflictException(name, r.id(), expected, r.rev());
          }
          ObjectNode next = update.apply(r.doc());
          if (Json.equal(next, r.doc())) {
            continue; // no-op: no write, no event
          }
          long rev = r.rev() + 1;
          try (PreparedStatement ps = c.prepareStatement(sqlUpdate)) {
            ps.setLong(1, rev);
            setJson(ps, 2, bytes(next));
            ps.setString(3, name);
            ps.setString(4, r.id());
            ps.setLong(5, r.rev());
            if (ps.executeUpdate() != 1) {
              throw new JdbcDocumentStore.StaleRead();
            }
          }
          writeEntries(c, r.id(), next, true);
          events.add(RenEvent.dbUpdated(name, r.id(), Long.toString(rev)));
          modified++;
        }
        return new UpdateResult(matched, modified);
      });
    } finally {
      indexLock.readLock().unlock();
    }
  }

  @Override
  public DeleteResult deleteOne(JsonNode filter) {
    return delete(Filter.parse(filter), false, -1);
  }

  @Override
  public DeleteResult deleteOne(JsonNode filter, long expectedRevision) {
    return delete(Filter.parse(filter), false, checkRevision(expectedRevision));
  }

  @Override
  public DeleteResult deleteMany(JsonNode filter) {
    return delete(Filter.parse(filter), true, -1);
  }

  private DeleteResult delete(Filter filter, boolean many, long expected) {
    indexLock.readLock().lock();
    try {
      return store.write(name, (c, events) -> {
        long deleted = 0;
        for (Row r : candidates(c, filter, many ? 0 : 1)) {
          if (expected > 0 && r.rev() != expected) {
            throw new RevisionConflictException(name, r.id(), expected, r.rev());
          }
          try (PreparedStatement ps = c.prepareStatement(
              "DELETE FROM ren_documents WHERE collection = ? AND id = ? AND rev = ?")) {
            ps.setString(1, name);
            ps.setString(2, r.id());
            ps.setLong(3, r.rev());
            if (ps.executeUpdate() != 1) {
              throw new JdbcDocumentStore.StaleRead();
            }
          }
          deleteEntries(c, r.id());
          // the revision a delete announces is one past the last one, so revisions keep increasing per id
          events.add(RenEvent.dbDeleted(name, r.id(), Long.toString(r.rev() + 1)));
          deleted++;
        }
        return new DeleteResult(deleted);
      });
    } finally {
      indexLock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- index entries

  private void deleteEntries(Connection c, String id) throws SQLException {
    if (indexes.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(
        "DELETE FROM ren_index_entries WHERE collection = ? AND id = ?")) {
      ps.setString(1, name);
      ps.setString(2, id);
      ps.executeUpdate();
    }
  }

  private void writeEntries(Connection c, String id, ObjectNode doc, boolean replace) throws SQLException {
    List<IndexInfo> declared = indexes;
    if (declared.isEmpty()) {
      return;
    }
    if (replace) {
      deleteEntries(c, id);
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT_ENTRY)) {
      for (IndexInfo ix : declared) {
        addEntries(ps, ix, id, doc);
      }
      ps.executeBatch();
    }
  }

  private static final String INSERT_ENTRY =
      "INSERT INTO ren_index_entries (collection, index_name, type_rank, num, str, id) VALUES (?, ?, ?, ?, ?, ?)";

  private void addEntries(PreparedStatement ps, IndexInfo ix, String id, ObjectNode doc) throws SQLException {
    JsonNode v = Json.at(doc, ix.fields().get(0).split("\\."));
    for (IndexKeys.Key k : IndexKeys.keys(v)) {
      ps.setString(1, name);
      ps.setString(2, ix.name());
      ps.setInt(3, k.rank());
      if (k.num() == null) {
        ps.setNull(4, Types.DOUBLE);
      } else {
        ps.setDouble(4, k.num());
      }
      if (k.str() == null) {
        ps.setNull(5, Types.VARCHAR);
      } else {
        ps.setString(5, k.str());
      }
      ps.setString(6, id);
      ps.addBatch();
    }
  }

  // ---------------------------------------------------------------- index declarations

  @Override
  public String createIndex(List<String> fields) {
    if (fields == null || fields.isEmpty() || fields.size() > MAX_INDEX_FIELDS) {
      throw new IllegalArgumentException("an index needs 1 to " + MAX_INDEX_FIELDS + " field paths");
    }
    StringBuilder n = new StringBuilder();
    for (String f : fields) {
      Filter.parsePath(f, "index field");
      if (n.length() > 0) {
        n.append('_');
      }
      n.append(f).append("_1");
    }
    String indexName = n.toString();
    if (indexName.length() > 600) {
      throw new IllegalArgumentException("index name '" + Filter.shorten(indexName) + "' is too long");
    }
    IndexInfo info = new IndexInfo(indexName, fields);
    indexLock.writeLock().lock();
    try {
      for (IndexInfo existing : indexes) {
        if (existing.name().equals(indexName)) {
          return indexName;
        }
      }
      if (indexes.size() >= MAX_INDEXES) {
        throw new IllegalArgumentException("collection '" + name + "' already has " + MAX_INDEXES + " indexes");
      }
      store.write(name, (c, events) -> {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO ren_indexes (collection, name, fields) VALUES (?, ?, ?)")) {
          ps.setString(1, name);
          ps.setString(2, indexName);
          ps.setString(3, Json.MAPPER.writeValueAsString(fields));
          ps.executeUpdate();
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
        backfill(c, info);
        return null;
      });
      List<IndexInfo> next = new ArrayList<>(indexes);
      next.add(info);
      next.sort(Comparator.comparing(IndexInfo::name));
      indexes = List.copyOf(next);
      return indexName;
    } finally {
      indexLock.writeLock().unlock();
    }
  }

  private void backfill(Connection c, IndexInfo ix) throws SQLException {
    try (PreparedStatement scan = c.prepareStatement(
             "SELECT id, rev, doc FROM ren_documents WHERE collection = ? ORDER BY id");
         PreparedStatement insert = c.prepareStatement(INSERT_ENTRY)) {
      scan.setString(1, name);
      scan.setFetchSize(1000);
      int pending = 0;
      try (ResultSet rs = scan.executeQuery()) {
        while (rs.next()) {
          Row r = row(rs);
          addEntries(insert, ix, r.id(), r.doc());
          if (++pending == 1000) {
            insert.executeBatch();
            pending = 0;
          }
        }
      }
      if (pending > 0) {
        insert.executeBatch();
      }
    }
  }

  @Override
  public List<IndexInfo> listIndexes() {
    return indexes;
  }

  @Override
  public boolean dropIndex(String indexName) {
    java.util.Objects.requireNonNull(indexName, "name");
    indexLock.writeLock().lock();
    try {
      if (indexes.stream().noneMatch(ix -> ix.name().equals(indexName))) {
        return false;
      }
      store.write(name, (c, events) -> {
        for (String sql : List.of("DELETE FROM ren_indexes WHERE collection = ? AND name = ?",
            "DELETE FROM ren_index_entries WHERE collection = ? AND index_name = ?")) {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            ps.setString(2, indexName);
            ps.executeUpdate();
          }
        }
        return null;
      });
      indexes = indexes.stream().filter(ix -> !ix.name().equals(indexName)).toList();
      return true;
    } finally {
      indexLock.writeLock().unlock();
    }
  }

  private List<IndexInfo> loadIndexes(Connection c) throws SQLException {
    List<IndexInfo> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT name, fields FROM ren_indexes WHERE collection = ? ORDER BY name")) {
      ps.setString(1, name);
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

  // ---------------------------------------------------------------- JSON binding

  private static byte[] bytes(JsonNode doc) {
    try {
      return Json.MAPPER.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("document cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
  }

  private void setJson(PreparedStatement ps, int i, byte[] json) throws SQLException {
    if (store.dialect == SqlDialect.H2) {
      ps.setBytes(i, json); // with FORMAT JSON, H2 reads the bytes as UTF-8 JSON text
    } else {
      ps.setString(i, new String(json, StandardCharsets.UTF_8));
    }
  }

}
