package dev.ren.db;

import dev.ren.RenPublisher;

import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;

/**
 * A store of JSON documents grouped in named collections; every committed change is published as
 * {@code db.document.created|updated|deleted} ({@code ns} = collection, {@code k} = {@code _id},
 * {@code v} = revision) after its transaction commits.
 *
 * <pre>{@code
 * try (DocumentStore db = DocumentStore.h2(Path.of("data"), hub)) {
 *   Collection todos = db.collection("todos");
 *   String id = todos.insertOne(json("{\"title\":\"milk\",\"done\":false}"));
 *   todos.createIndex(List.of("done"));
 *   List<Document> open = todos.find(json("{\"done\":false}"), FindOptions.limit(50));
 * }
 * }</pre>
 *
 * <p><b>Applied but not published.</b> Events are published after the commit, in commit order. When the publisher
 * fails for a committed change (for example because a Redis event log is unreachable), the write that made the
 * change throws {@link dev.ren.AppliedButNotPublishedException} naming the unpublished event (REN's one contract
 * for this case, raised through {@link RenPublisher#publishApplied}): the change <em>is</em> in the database, so
 * the caller must not blindly repeat it (a repeated insert would insert twice), and subscribers may not have seen
 * it. Only the writer whose change it was gets the exception, even when another writer's thread did the
 * publishing; other writers and the order of the other events are unaffected, and the remaining events of a
 * multi-document write are still published. Over HTTP this is a {@code 503} with {@code "applied":true}.
 *
 * <p>Thread-safety: implementations are thread-safe; a store and its collections may be shared by all threads.
 * Never interrupt a thread that is inside a store call: the embedded database may close its file on an
 * interrupt (the H2 stores clear a pending interrupt on entry and restore it on exit).
 */
public interface DocumentStore extends AutoCloseable {

  /**
   * The collection with this name (created implicitly by the first insert).
   *
   * @throws IllegalArgumentException unless the name matches {@code [A-Za-z0-9_.-]{1,64}}
   */
  Collection collection(String name);

  /** Names of collections that hold at least one document or index, sorted. */
  List<String> collectionNames();

  /** Closes the store and its connections; idempotent. */
  @Override
  void close();

  /**
   * An embedded H2 database in {@code dir} (file {@code dir/ren.mv.db}), created if absent.
   *
   * <p><b>Durability.</b> A write that returned survives a crash of the JVM ({@code kill -9}, an out-of-memory
   * death): it was written to the file before the call returned. A crash of the operating system or a power loss
   * is not covered (commits are not forced to the disk). <b>Disk.</b> The file stays within about twice the live
   * data plus 1 MiB under steady writes: it is compacted by the writing threads as it grows.
   */
  static DocumentStore h2(Path dir, RenPublisher publisher) {
    return JdbcDocumentStore.openH2(dir, publisher);
  }

  /** A private in-memory H2 database, gone when the store is closed (for tests and demos). */
  static DocumentStore h2InMemory(RenPublisher publisher) {
    return JdbcDocumentStore.openH2InMemory(publisher);
  }

  /**
   * A store on any JDBC data source whose database is H2 or PostgreSQL (detected from the connection metadata).
   * The tables {@code ren_documents}, {@code ren_indexes} and {@code ren_index_entries} are created if absent.
   * The caller owns the data source; {@link #close()} does not close it.
   */
  static DocumentStore jdbc(DataSource dataSource, RenPublisher publisher) {
    return JdbcDocumentStore.open(dataSource, publisher, null, null);
  }
}
