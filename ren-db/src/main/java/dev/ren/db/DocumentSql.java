package dev.ren.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The SQL of one collection's documents in one dialect: statement text, parameter binding, the execution of a
 * {@link QueryPlanner.Plan} (scan or probes, then the residual filter in Java) and the decoding of rows. Every
 * statement is built from constants and {@link SqlDialect} fragments; collection names, ids and values are always
 * bound as parameters, never spliced into SQL text.
 *
 * <p>Thread-safety: immutable; every method works on the connection it is given and keeps nothing of it.
 */
final class DocumentSql {

  /** Rows fetched per round trip by a scan. */
  private static final int SCAN_FETCH_SIZE = 500;

  private static final String SELECT_BY_ID = "SELECT id, rev, doc FROM ren_documents WHERE collection = ? AND id = ?";
  private static final String SCAN = "SELECT id, rev, doc FROM ren_documents WHERE collection = ? ORDER BY id";
  private static final String FOR_UPDATE = " FOR UPDATE";
  private static final String DELETE_IF_REV = "DELETE FROM ren_documents WHERE collection = ? AND id = ? AND rev = ?";

  private final String collection;
  private final SqlDialect dialect;
  private final String insert;
  private final String updateIfRev;

  /** Receives the rows of a scan; returns false to stop it. */
  @FunctionalInterface
  interface RowVisitor {
    boolean visit(Row row) throws SQLException;
  }

  DocumentSql(String collection, SqlDialect dialect) {
    this.collection = collection;
    this.dialect = dialect;
    this.insert = "INSERT INTO ren_documents (collection, id, rev, doc) VALUES (?, ?, 1, " + dialect.jsonParam + ")";
    this.updateIfRev = "UPDATE ren_documents SET rev = ?, doc = " + dialect.jsonParam
        + " WHERE collection = ? AND id = ? AND rev = ?";
  }

  // ---------------------------------------------------------------- reads

  @Nullable Row selectById(Connection c, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(SELECT_BY_ID)) {
      ps.setString(1, collection);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? row(rs) : null;
      }
    }
  }

  /** Visits the collection's rows in {@code _id} order until {@code visitor} returns false. */
  void scan(Connection c, int fetchSize, RowVisitor visitor) throws SQLException {
    scan(c, fetchSize, false, visitor);
  }

  /**
   * As {@link #scan(Connection, int, RowVisitor)}; with {@code lock}, every row read is locked for the
   * transaction (rows are read, and so locked, a fetch at a time).
   */
  private void scan(Connection c, int fetchSize, boolean lock, RowVisitor visitor) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lock ? SCAN + FOR_UPDATE : SCAN)) {
      ps.setString(1, collection);
      ps.setFetchSize(fetchSize);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next() && visitor.visit(row(rs))) {
          // the visitor did the work
        }
      }
    }
  }

  /**
   * The rows matching {@code filter} in {@code _id} order, at most {@code max} of them (0 = all). Every row is
   * checked against the full filter in Java; the plan only decides which rows are read. With {@code lock}
   * ({@code SELECT ... FOR UPDATE}, in a write's transaction), every row read is locked until the transaction
   * ends and is read at its newest committed revision, so no other writer, in this instance or another, changes
   * it meanwhile.
   */
  List<Row> select(Connection c, QueryPlanner.Plan plan, Filter filter, int max, boolean lock) throws SQLException {
    if (plan instanceof QueryPlanner.Scan) {
      List<Row> out = new ArrayList<>();
      scan(c, SCAN_FETCH_SIZE, lock, r -> {
        if (filter.matches(r.doc())) {
          out.add(r);
        }
        return max == 0 || out.size() < max;
      });
      return out;
    }
    // probes may overlap (an array document has one entry per element): collect by id, in id order
    TreeMap<String, Row> byId = new TreeMap<>();
    @Nullable String index = plan instanceof QueryPlanner.IndexProbes ix ? ix.index() : null;
    for (IndexKeys.Probe p : probes(plan, dialect)) {
      String probe = probeSql(p, index);
      try (PreparedStatement ps = c.prepareStatement(!lock ? probe : index == null ? probe + FOR_UPDATE
          : probe + " FOR UPDATE OF d")) {
        bindProbe(ps, p, index);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            if (!byId.containsKey(rs.getString(1))) {
              Row r = row(rs);
              if (filter.matches(r.doc())) {
                byId.put(r.id(), r);
              }
            }
          }
        }
      }
    }
    List<Row> out = new ArrayList<>(byId.values());
    return max > 0 && out.size() > max ? new ArrayList<>(out.subList(0, max)) : out;
  }

  /** The database's own plan for the first query of {@code plan}; for tests and diagnostics. */
  String explain(Connection c, QueryPlanner.Plan plan) throws SQLException {
    List<IndexKeys.Probe> probes = probes(plan, dialect);
    @Nullable String index = plan instanceof QueryPlanner.IndexProbes ix ? ix.index() : null;
    IndexKeys.Probe first = probes.isEmpty() ? null : probes.get(0);
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + (first == null ? SCAN : probeSql(first, index)))) {
      if (first == null) {
        ps.setString(1, collection);
      } else {
        bindProbe(ps, first, index);
      }
      try (ResultSet rs = ps.executeQuery()) {
        StringBuilder sb = new StringBuilder();
        while (rs.next()) {
          sb.append(rs.getString(1)).append('\n');
        }
        return sb.toString();
      }
    }
  }

  /** The probes of {@code plan}, with the string bounds {@code dialect} cannot compare as Java does dropped. */
  private static List<IndexKeys.Probe> probes(QueryPlanner.Plan plan, SqlDialect dialect) {
    List<IndexKeys.Probe> probes;
    if (plan instanceof QueryPlanner.IdProbes ids) {
      probes = ids.probes();
    } else if (plan instanceof QueryPlanner.IndexProbes ix) {
      probes = ix.probes();
    } else {
      return List.of();
    }
    if (dialect.collation.isEmpty()) {
      return probes;
    }
    List<IndexKeys.Probe> out = new ArrayList<>(probes.size());
    for (IndexKeys.Probe p : probes) {
      out.add(codePointSafe(p));
    }
    return out;
  }

  /**
   * {@code p} with the string bounds that collation {@code "C"} may order unlike Java dropped (a wider probe, so
   * still a superset). Java (and H2) order strings by UTF-16 unit, {@code "C"} by code point: they disagree only
   * where a character above U+FFFF (a surrogate pair) meets one in U+E000..U+FFFF. A bound made only of characters
   * below U+D800 compares with any string alike in both orders (at the first difference the bound's character is
   * the same code point, and a surrogate or U+E000+ in the other string is above it either way), so it is kept, as
   * is an equality ({@code strLo == strHi}), which no order changes.
   */
  static IndexKeys.Probe codePointSafe(IndexKeys.Probe p) {
    String lo = p.strLo();
    String hi = p.strHi();
    if (lo != null && lo.equals(hi)) {
      return p;
    }
    boolean keepLo = lo == null || belowSurrogates(lo);
    boolean keepHi = hi == null || belowSurrogates(hi);
    return keepLo && keepHi ? p
        : new IndexKeys.Probe(p.rank(), p.numLo(), p.numHi(), keepLo ? lo : null, keepHi ? hi : null);
  }

  private static boolean belowSurrogates(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= Character.MIN_SURROGATE) {
        return false;
      }
    }
    return true;
  }

  /** A probe of the primary key ({@code index == null}) or of the entries of {@code index}. */
  private static String probeSql(IndexKeys.Probe p, @Nullable String index) {
    StringBuilder sql;
    if (index == null) {
      sql = new StringBuilder("SELECT id, rev, doc FROM ren_documents WHERE collection = ?");
    } else {
      sql = new StringBuilder("SELECT d.id, d.rev, d.doc FROM ren_index_entries e JOIN ren_documents d"
          + " ON d.collection = e.collection AND d.id = e.id"
          + " WHERE e.collection = ? AND e.index_name = ? AND e.type_rank = ?");
      if (p.numLo() != null) {
        sql.append(" AND e.num >= ?");
      }
      if (p.numHi() != null) {
        sql.append(" AND e.num <= ?");
      }
    }
    String column = index == null ? "id" : "e.str";
    if (p.strLo() != null) {
      sql.append(" AND ").append(column).append(" >= ?");
    }
    if (p.strHi() != null) {
      sql.append(" AND ").append(column).append(" <= ?");
    }
    return sql.toString();
  }

  /** Binds the parameters of {@link #probeSql} in the same order. */
  private void bindProbe(PreparedStatement ps, IndexKeys.Probe p, @Nullable String index) throws SQLException {
    int i = 1;
    ps.setString(i++, collection);
    if (index != null) {
      ps.setString(i++, index);
      ps.setInt(i++, p.rank());
      Double numLo = p.numLo();
      if (numLo != null) {
        ps.setDouble(i++, numLo);
      }
      Double numHi = p.numHi();
      if (numHi != null) {
        ps.setDouble(i++, numHi);
      }
    }
    String strLo = p.strLo();
    if (strLo != null) {
      ps.setString(i++, strLo);
    }
    String strHi = p.strHi();
    if (strHi != null) {
      ps.setString(i, strHi);
    }
  }

  /** Decodes a row whose first three columns are {@code id, rev, doc}. */
  private static Row row(ResultSet rs) throws SQLException {
    String id = rs.getString(1);
    long rev = rs.getLong(2);
    byte[] json = rs.getBytes(3);
    try {
      return new Row(id, rev, (ObjectNode) Json.MAPPER.readTree(json));
    } catch (IOException | ClassCastException e) {
      throw new SQLException("stored document '" + id + "' is not a JSON object", e);
    }
  }

  // ---------------------------------------------------------------- writes

  /** A statement for {@link #insert}; one per transaction, reused for every document of an insert. */
  PreparedStatement prepareInsert(Connection c) throws SQLException {
    return c.prepareStatement(insert);
  }

  /** Inserts a document at revision 1; a taken id fails with the database's unique-key violation. */
  void insert(PreparedStatement ps, String id, ObjectNode doc) throws SQLException {
    ps.setString(1, collection);
    ps.setString(2, id);
    setJson(ps, 3, doc);
    ps.executeUpdate();
  }

  /** Compare-and-set: writes {@code doc} as revision {@code rev + 1}; false if the row is no longer at {@code rev}. */
  boolean updateIfRevision(Connection c, String id, long rev, ObjectNode doc) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(updateIfRev)) {
      ps.setLong(1, rev + 1);
      setJson(ps, 2, doc);
      ps.setString(3, collection);
      ps.setString(4, id);
      ps.setLong(5, rev);
      return ps.executeUpdate() == 1;
    }
  }

  /** Compare-and-set delete; false if the row is no longer at {@code rev}. */
  boolean deleteIfRevision(Connection c, String id, long rev) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(DELETE_IF_REV)) {
      ps.setString(1, collection);
      ps.setString(2, id);
      ps.setLong(3, rev);
      return ps.executeUpdate() == 1;
    }
  }

  /** Whether {@code e} says a unique key (here: the document's {@code (collection, id)}) is taken. */
  static boolean isDuplicateKey(SQLException e) {
    return e.getErrorCode() == 23505 || "23505".equals(e.getSQLState());
  }

  private void setJson(PreparedStatement ps, int i, JsonNode doc) throws SQLException {
    byte[] json = bytes(doc);
    if (dialect == SqlDialect.H2) {
      ps.setBytes(i, json); // with FORMAT JSON, H2 reads the bytes as UTF-8 JSON text
    } else {
      ps.setString(i, new String(json, StandardCharsets.UTF_8));
    }
  }

  private static byte[] bytes(JsonNode doc) {
    Documents.checkStorable(doc);
    try {
      return Json.MAPPER.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("document cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
  }
}
