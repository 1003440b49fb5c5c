package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A handle on a collection of a {@link JdbcDocumentStore}; it holds no state of the collection, so handles are
 * made freely and a name costs nothing until a write creates the collection. It parses and checks the caller's
 * input (before anything is read or any state opened) and hands the work to its parts: {@link QueryPlanner} picks
 * which rows a filter reads (primary key, index entries or a scan), {@link DocumentSql} runs the plan and checks
 * the filter exactly in Java, {@link DocumentWriter} is the write path (revision compare-and-set, events after
 * commit) and {@link CollectionIndexes}, in the collection's {@link OpenCollection}, owns the declared indexes and
 * their entries. A read, update, delete or index drop on a collection that does not exist answers as an empty
 * collection does and opens no state.
 *
 * <p>Thread-safety: thread-safe. Writes share a read lock that index creation and dropping take exclusively, so
 * a new index never misses a document written while it was being filled (see {@link CollectionIndexes}).
 */
final class JdbcCollection implements Collection {

  private final JdbcDocumentStore store;
  private final String name;
  /** The collection's stored name: {@code name} in its tenant (see {@link TenantKeys}). */
  private final String key;
  private final DocumentSql sql;
  private final DocumentWriter writer;

  JdbcCollection(JdbcDocumentStore store, String name) {
    this(store, name, null);
  }

  /** Collection {@code name} of {@code tenant} (null = the default tenant). */
  JdbcCollection(JdbcDocumentStore store, String name, @Nullable String tenant) {
    this.store = store;
    this.name = name;
    this.key = TenantKeys.key(tenant, name);
    this.sql = new DocumentSql(key, store.dialect);
    this.writer = new DocumentWriter(store, name, key, tenant, sql);
  }

  private Filter filter(@Nullable JsonNode json) {
    return Filter.parse(json, store.config.filterLimits());
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
      Row r = sql.selectById(c, id);
      return r == null ? Optional.<Document>empty() : Optional.of(r.toDocument());
    });
  }

  @Override
  public List<Document> find(JsonNode filterJson, FindOptions options) {
    Filter filter = filter(filterJson);
    Objects.requireNonNull(options, "options");
    boolean sorted = !options.sort().isEmpty();
    // unsorted, the rows come in _id order, so reading skip + limit of them is enough
    int max = sorted ? 0 : saturatedAdd(options.skip(), options.limit());
    List<Row> rows = store.read(c -> sql.select(c, QueryPlanner.plan(filter, store.declared(c, key)), filter, max,
        false));
    if (sorted) {
      rows = new ArrayList<>(rows);
      rows.sort(comparator(options.sort()));
    }
    int from = Math.min(options.skip(), rows.size());
    int to = options.limit() == 0 ? rows.size() : (int) Math.min(rows.size(), (long) from + options.limit());
    List<Document> out = new ArrayList<>(to - from);
    for (Row r : rows.subList(from, to)) {
      out.add(r.toDocument());
    }
    return out;
  }

  @Override
  public Optional<Document> findOne(JsonNode filter) {
    List<Document> one = find(filter, FindOptions.limit(1));
    return one.isEmpty() ? Optional.empty() : Optional.of(one.get(0));
  }

  /** {@code a + b} capped at {@link Integer#MAX_VALUE}; 0 (no limit) when {@code b} is 0. */
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

  /** The SQL plan H2 (or the database) chooses for this filter's candidate query; for tests and diagnostics. */
  String explain(JsonNode filterJson) {
    Filter filter = filter(filterJson);
    return store.read(c -> sql.explain(c, QueryPlanner.plan(filter, store.declared(c, key))));
  }

  // ---------------------------------------------------------------- writes

  @Override
  public String insertOne(ObjectNode document) {
    Objects.requireNonNull(document, "document");
    return writer.insertMany(List.of(document)).get(0);
  }

  @Override
  public List<String> insertMany(List<ObjectNode> documents) {
    return writer.insertMany(documents);
  }

  @Override
  public UpdateResult updateOne(JsonNode filter, JsonNode update) {
    return writer.update(filter(filter), Update.parse(update), false, -1);
  }

  @Override
  public UpdateResult updateOne(JsonNode filter, JsonNode update, long expectedRevision) {
    return writer.update(filter(filter), Update.parse(update), false, checkRevision(expectedRevision));
  }

  @Override
  public UpdateResult updateMany(JsonNode filter, JsonNode update) {
    return writer.update(filter(filter), Update.parse(update), true, -1);
  }

  @Override
  public UpdateResult replaceOne(JsonNode filter, ObjectNode replacement) {
    return writer.update(filter(filter), Update.replacement(replacement), false, -1);
  }

  @Override
  public UpdateResult replaceOne(JsonNode filter, ObjectNode replacement, long expectedRevision) {
    return writer.update(filter(filter), Update.replacement(replacement), false,
        checkRevision(expectedRevision));
  }

  @Override
  public DeleteResult deleteOne(JsonNode filter) {
    return writer.delete(filter(filter), false, -1);
  }

  @Override
  public DeleteResult deleteOne(JsonNode filter, long expectedRevision) {
    return writer.delete(filter(filter), false, checkRevision(expectedRevision));
  }

  @Override
  public DeleteResult deleteMany(JsonNode filter) {
    return writer.delete(filter(filter), true, -1);
  }

  private static long checkRevision(long rev) {
    if (rev < 1) {
      throw new IllegalArgumentException("expectedRevision must be >= 1, was " + rev);
    }
    return rev;
  }

  // ---------------------------------------------------------------- indexes

  @Override
  public String createIndex(List<String> fields) {
    CollectionIndexes.nameOf(fields); // a bad request opens nothing
    OpenCollection open = store.collections().pin(key);
    try {
      return open.indexes.create(open, fields);
    } finally {
      store.collections().unpin(open);
    }
  }

  @Override
  public List<IndexInfo> listIndexes() {
    return store.read(c -> store.declared(c, key));
  }

  @Override
  public boolean dropIndex(String indexName) {
    Objects.requireNonNull(indexName, "name");
    OpenCollection open = store.collections().pinExisting(key);
    if (open == null) {
      return false;
    }
    try {
      return open.indexes.drop(open, indexName);
    } finally {
      store.collections().unpin(open);
    }
  }
}
