package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The write path of one collection. Each write is one transaction of {@link JdbcDocumentStore#write}: it reads
 * the declared indexes ({@link CollectionIndexes#current}) and its candidates (locked with {@code FOR UPDATE} where
 * the database holds the locks, so store instances sharing it queue on the row), compare-and-sets each on its revision ({@code UPDATE ... WHERE rev = ?}; a lost race throws
 * {@link JdbcDocumentStore.StaleRead} and the store retries the whole transaction), maintains the index entries
 * in the same transaction and collects one event per changed document, published after the commit. Writes run
 * under {@link CollectionIndexes#whileStable} with the collection's {@link OpenCollection} pinned, which an insert
 * opens (it may create the collection) and an update or delete only finds: on a collection that does not exist
 * they match nothing and open nothing.
 *
 * <p>Thread-safety: thread-safe (stateless apart from its collaborators, which are).
 */
final class DocumentWriter {

  private final JdbcDocumentStore store;
  private final String collection;
  /** The stored name of the collection (its name in its tenant, see {@link TenantKeys}). */
  private final String key;
  /** The collection's tenant, carried by its events; null = the default tenant. */
  private final @Nullable String tenant;
  private final DocumentSql sql;

  DocumentWriter(JdbcDocumentStore store, String collection, DocumentSql sql) {
    this(store, collection, collection, null, sql);
  }

  DocumentWriter(JdbcDocumentStore store, String collection, String key, @Nullable String tenant, DocumentSql sql) {
    this.key = key;
    this.tenant = tenant;
    this.store = store;
    this.collection = collection;
    this.sql = sql;
  }

  /** See {@link Collection#insertMany}. */
  List<String> insertMany(List<ObjectNode> documents) {
    Objects.requireNonNull(documents, "documents");
    List<String> ids = new ArrayList<>(documents.size());
    List<ObjectNode> docs = new ArrayList<>(documents.size());
    Set<String> seen = new HashSet<>();
    for (ObjectNode document : documents) {
      Objects.requireNonNull(document, "document");
      Documents.checkFieldNames(document);
      JsonNode given = document.get(Documents.ID);
      String id = given == null ? store.ids.next() : Documents.checkId(given);
      if (!seen.add(id)) {
        throw new DuplicateIdException(collection, id);
      }
      ids.add(id);
      docs.add(Documents.withId(document, id));
    }
    if (docs.isEmpty()) {
      return List.of();
    }
    OpenCollection open = store.collections().pin(key);
    try {
      List<String> out = insert(open, ids, docs);
      open.exists = true;
      return out;
    } finally {
      store.collections().unpin(open);
    }
  }

  private List<String> insert(OpenCollection open, List<String> ids, List<ObjectNode> docs) {
    CollectionIndexes indexes = open.indexes;
    return indexes.whileStable(() -> store.write(open, true, false, (c, events) -> {
      List<IndexInfo> declared = indexes.current(c);
      try (PreparedStatement ps = sql.prepareInsert(c)) {
        for (int i = 0; i < docs.size(); i++) {
          sql.insert(ps, ids.get(i), docs.get(i));
          indexes.writeEntries(c, declared, ids.get(i), docs.get(i), false);
          events.add(event(RenEvent.dbCreated(collection, ids.get(i), "1"), docs.get(i)));
        }
      } catch (SQLException e) {
        if (DocumentSql.isDuplicateKey(e)) {
          throw new DuplicateIdException(collection, duplicateOf(c, ids));
        }
        throw e;
      }
      return List.copyOf(ids);
    }));
  }

  /** Which of {@code ids} is taken (called in the failed transaction, which still sees committed rows). */
  private String duplicateOf(Connection c, List<String> ids) {
    if (ids.size() == 1) {
      return ids.get(0);
    }
    try {
      c.rollback();
      for (String id : ids) {
        if (sql.selectById(c, id) != null) {
          return id;
        }
      }
    } catch (SQLException ignored) {
      // fall through to a generic message
    }
    return ids.get(0) + " (or another id of the batch)";
  }

  /**
   * Applies {@code update} to the first ({@code many == false}) or every document matching {@code filter}; with
   * {@code expected > 0}, a matching document at another revision fails the whole write.
   */
  UpdateResult update(Filter filter, Update update, boolean many, long expected) {
    OpenCollection open = store.collections().pinExisting(key);
    if (open == null) {
      return new UpdateResult(0, 0);
    }
    try {
      return update(open, filter, update, many, expected);
    } finally {
      store.collections().unpin(open);
    }
  }

  private UpdateResult update(OpenCollection open, Filter filter, Update update, boolean many, long expected) {
    CollectionIndexes indexes = open.indexes;
    return indexes.whileStable(() -> store.write(open, false, false, (c, events) -> {
      List<IndexInfo> declared = indexes.current(c);
      long matched = 0;
      long modified = 0;
      for (Row r : candidates(c, declared, filter, many)) {
        matched++;
        checkExpected(r, expected);
        ObjectNode next = update.apply(r.doc());
        if (Json.equal(next, r.doc())) {
          continue; // no-op: no write, no event
        }
        if (!sql.updateIfRevision(c, r.id(), r.rev(), next)) {
          throw new JdbcDocumentStore.StaleRead();
        }
        indexes.writeEntries(c, declared, r.id(), next, true);
        events.add(event(RenEvent.dbUpdated(collection, r.id(), Long.toString(r.rev() + 1)), next));
        modified++;
      }
      return new UpdateResult(matched, modified);
    }));
  }

  /** Deletes the first or every document matching {@code filter}; {@code expected} as for {@link #update}. */
  DeleteResult delete(Filter filter, boolean many, long expected) {
    OpenCollection open = store.collections().pinExisting(key);
    if (open == null) {
      return new DeleteResult(0);
    }
    try {
      return delete(open, filter, many, expected);
    } finally {
      store.collections().unpin(open);
    }
  }

  private DeleteResult delete(OpenCollection open, Filter filter, boolean many, long expected) {
    CollectionIndexes indexes = open.indexes;
    boolean[] remains = {true};
    DeleteResult result = indexes.whileStable(() -> store.write(open, false, false, (c, events) -> {
      List<IndexInfo> declared = indexes.current(c);
      long deleted = 0;
      for (Row r : candidates(c, declared, filter, many)) {
        checkExpected(r, expected);
        if (!sql.deleteIfRevision(c, r.id(), r.rev())) {
          throw new JdbcDocumentStore.StaleRead();
        }
        indexes.deleteEntries(c, declared, r.id());
        // the revision a delete announces is one past the last one, so revisions keep increasing per id
        events.add(event(RenEvent.dbDeleted(collection, r.id(), Long.toString(r.rev() + 1)), r.doc()));
        deleted++;
      }
      // a collection emptied of documents and indexes is gone: its state is dropped once no writer holds it
      remains[0] = deleted == 0 || !declared.isEmpty() || CollectionRegistry.hasDocuments(c, key);
      return new DeleteResult(deleted);
    }));
    open.exists = remains[0];
    return result;
  }

  /** The documents to change, locked for this transaction where the database holds the locks. */
  private List<Row> candidates(Connection c, List<IndexInfo> declared, Filter filter, boolean many)
      throws SQLException {
    return sql.select(c, QueryPlanner.plan(filter, declared), filter, many ? 0 : 1, store.dialect.locksInDatabase);
  }

  /**
   * {@code e} in this collection's tenant, and with the document's owner ({@link DocumentStore#OWNER_FIELD}) as
   * its {@code uid}, so an owned collection's events reach their owner only.
   */
  private RenEvent event(RenEvent e, ObjectNode doc) {
    JsonNode owner = doc.get(DocumentStore.OWNER_FIELD);
    RenEvent out = tenant == null ? e : e.withTenant(tenant);
    return owner != null && owner.isTextual() ? out.withUid(owner.textValue()) : out;
  }

  private void checkExpected(Row r, long expected) {
    if (expected > 0 && r.rev() != expected) {
      throw new RevisionConflictException(collection, r.id(), expected, r.rev());
    }
  }
}
