package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/**
 * One collection of a {@link DocumentStore}. Filters are Mongo-style JSON objects: equality,
 * {@code $eq $ne $gt $gte $lt $lte $in $nin $exists}, {@code $and $or}, dotted paths into nested objects,
 * comparing values of the same JSON type ({@code 1 == 1.0}; a string is never greater than a number); a null
 * or empty filter matches everything. Updates are {@code $set $unset $inc} or a whole document. An unknown
 * operator, a filter over one of the store's bounds (by default 256 {@code $and}/{@code $or} branches, 1,000
 * {@code $in} values, 4,096 values, 32 levels; see {@link DocumentStore.Builder}) or any other malformed input
 * throws {@link IllegalArgumentException} naming the problem, before any document is read, and nothing is written.
 *
 * <p>A collection exists while it holds a document or an index: the first insert or index creates it (and fails
 * with {@link DocumentStoreFullException} when the store holds its maximum of collections), and it is gone when
 * the last one is removed. Reads, updates, deletes and index calls on a collection that does not exist answer as
 * an empty collection does and create nothing.
 *
 * <p>Each write runs in one transaction; its events are published after it commits, one per changed document,
 * none for a no-op update. Concurrent writers to one document never lose an update: a write whose read went
 * stale is retried, or fails with {@link RevisionConflictException} when the caller gave an
 * {@code expectedRevision} or the retries ran out. A write whose change committed but whose event could not be
 * published throws {@link dev.ren.AppliedButNotPublishedException}; the change stays (see {@link DocumentStore}).
 *
 * <pre>{@code
 * Collection todos = store.collection("todos");
 * todos.updateOne(json("{\"_id\":\"" + id + "\"}"), json("{\"$set\":{\"done\":true}}"));
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public interface Collection {

  /** The collection's name. */
  String name();

  /**
   * Inserts a document and returns its {@code _id} (a generated, time-ordered id when absent).
   *
   * @throws DuplicateIdException if a document with that {@code _id} exists
   * @throws DocumentStoreFullException if the insert would create a collection beyond the store's bound
   */
  String insertOne(ObjectNode document);

  /**
   * Inserts documents in one transaction (all or nothing) and returns their ids in order; one
   * {@code db.document.created} per document after the commit.
   *
   * @throws DuplicateIdException if any {@code _id} is taken (then nothing is inserted)
   * @throws DocumentStoreFullException if the insert would create a collection beyond the store's bound
   */
  List<String> insertMany(List<ObjectNode> documents);

  /** The documents matching {@code filter}, ordered by {@code options.sort} (default: {@code _id}). */
  List<Document> find(JsonNode filter, FindOptions options);

  /** {@link #find(JsonNode, FindOptions)} with default options. */
  default List<Document> find(JsonNode filter) {
    return find(filter, FindOptions.DEFAULT);
  }

  /** The first document matching {@code filter} in {@code _id} order. */
  Optional<Document> findOne(JsonNode filter);

  /** The document with this {@code _id}. */
  Optional<Document> get(String id);

  /** Updates the first matching document (in {@code _id} order). */
  UpdateResult updateOne(JsonNode filter, JsonNode update);

  /**
   * Updates the first matching document only if its revision is {@code expectedRevision}.
   *
   * @throws RevisionConflictException if the matching document has another revision
   */
  UpdateResult updateOne(JsonNode filter, JsonNode update, long expectedRevision);

  /** Updates every matching document in one transaction (all or nothing). */
  UpdateResult updateMany(JsonNode filter, JsonNode update);

  /** Replaces the first matching document by {@code replacement} (which keeps the {@code _id}). */
  UpdateResult replaceOne(JsonNode filter, ObjectNode replacement);

  /** {@link #replaceOne(JsonNode, ObjectNode)} guarded by the expected revision. */
  UpdateResult replaceOne(JsonNode filter, ObjectNode replacement, long expectedRevision);

  /** Deletes the first matching document. */
  DeleteResult deleteOne(JsonNode filter);

  /** Deletes the first matching document only if its revision is {@code expectedRevision}. */
  DeleteResult deleteOne(JsonNode filter, long expectedRevision);

  /** Deletes every matching document in one transaction. */
  DeleteResult deleteMany(JsonNode filter);

  /**
   * Declares an index on dotted field paths (the first field narrows {@code find} through a SQL index; the rest
   * are checked on the candidates) and returns its name ({@code field1_1_field2_1}); idempotent.
   *
   * @throws DocumentStoreFullException if the index would create a collection beyond the store's bound
   */
  String createIndex(List<String> fields);

  /** Declared indexes, sorted by name. */
  List<IndexInfo> listIndexes();

  /** Drops an index; returns false if there was none of that name. */
  boolean dropIndex(String name);
}
