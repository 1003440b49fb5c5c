package dev.ren.db;

import dev.ren.RenPublisher;
import dev.ren.health.Health;
import dev.ren.internal.Settings;
import org.jspecify.annotations.Nullable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
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
 * DocumentStore bounded = DocumentStore.builder(hub).h2(Path.of("data")).maxCollections(100).build();
 * }</pre>
 *
 * <p><b>Bounds.</b> Collection names come from clients, so the store bounds what they can make it hold and keep:
 * <ul>
 *   <li>at most {@linkplain Builder#maxCollections maxCollections} collections exist at once (a collection exists
 *       while it holds a document or an index); an insert or index that would create one more throws
 *       {@link DocumentStoreFullException} (HTTP {@code 507}) and changes nothing;</li>
 *   <li>a read, update, delete, index listing or index drop on a collection that does not exist answers as an
 *       empty collection does and leaves nothing behind: no row, no cached state, no lock;</li>
 *   <li>the in-memory state of a collection (its declared indexes and write lock) is kept while writes use it and
 *       for at most 256 idle collections (least recently used first
 *       out); a collection whose state was dropped is re-opened from the database on its next write;</li>
 *   <li>a filter may have at most {@linkplain Builder#maxFilterBranches maxFilterBranches} {@code $and}/{@code $or}
 *       branches, {@linkplain Builder#maxFilterInValues maxFilterInValues} values in one {@code $in}/{@code $nin},
 *       {@linkplain Builder#maxFilterValues maxFilterValues} JSON values in all and
 *       {@linkplain Builder#maxFilterDepth maxFilterDepth} levels of nesting, checked before any document is read
 *       (an {@link IllegalArgumentException} naming the setting; HTTP {@code 400}).</li>
 * </ul>
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
   * A handle on the collection with this name. Naming a collection creates nothing: the first insert or index
   * creates it, and until then it reads as empty.
   *
   * @throws IllegalArgumentException unless the name matches {@code [A-Za-z0-9_.-]{1,64}}
   */
  Collection collection(String name);

  /** Names of collections that hold at least one document or index, sorted; this tenant's only. */
  List<String> collectionNames();

  /**
   * The reserved field holding a document's owner (a user name, set by the HTTP binding from the authenticated
   * caller). When a document has a string {@value}, its events carry it as {@code uid}, so a policy that makes the
   * collection owned delivers them to the owner only; a replacement keeps the document's owner as it keeps its
   * {@code _id}.
   */
  String OWNER_FIELD = "_owner";

  /**
   * This store as tenant {@code tenant} sees it; {@code null} is the default tenant (this store's own collections,
   * stored as before tenants existed). A tenant's collections are its own: the same collection name and
   * {@code _id} in two tenants are two documents; {@link #collectionNames()} of a view lists its tenant's only;
   * every event of a view carries {@link dev.ren.RenEvent#withTenant the tenant}. Views share the store's
   * connections and bounds ({@code maxCollections} counts the collections of all tenants together); closing a view
   * does nothing, closing the store closes every view.
   *
   * @throws IllegalArgumentException unless the tenant id is valid ({@link dev.ren.access.RenCaller#checkTenant})
   */
  DocumentStore tenant(@Nullable String tenant);

  /**
   * Whether the store can serve now: open, and its database answers a query on its documents table within about
   * {@code timeout} (the JDBC query timeout, whole seconds, at least 1). Taking the connection waits as the data
   * source does (a pool that is exhausted or a database that does not accept connections: the pool's own timeout).
   * Never throws. A tenant's view answers for the store.
   */
  Health health(Duration timeout);

  /**
   * Closes the store and its connections; idempotent. Operations after close throw {@link IllegalStateException}.
   */
  @Override
  void close();

  /**
   * An embedded H2 database in {@code dir} (file {@code dir/ren.mv.db}), created if absent, with the default
   * bounds; {@code builder(publisher).h2(dir).build()}.
   *
   * <p><b>Durability.</b> A write that returned survives a crash of the JVM ({@code kill -9}, an out-of-memory
   * death): it was written to the file before the call returned. A crash of the operating system or a power loss
   * is not covered (commits are not forced to the disk). <b>Disk.</b> The file stays within about twice the live
   * data plus 1 MiB under steady writes: it is compacted by the writing threads as it grows.
   */
  static DocumentStore h2(Path dir, RenPublisher publisher) {
    return builder(publisher).h2(dir).build();
  }

  /**
   * A private in-memory H2 database, gone when the store is closed (for tests and demos), with the default bounds.
   */
  static DocumentStore h2InMemory(RenPublisher publisher) {
    return builder(publisher).h2InMemory().build();
  }

  /**
   * A store on any JDBC data source whose database is H2 or PostgreSQL (detected from the connection metadata),
   * with the default bounds. The tables {@code ren_documents}, {@code ren_indexes} and {@code ren_index_entries}
   * are created if absent. The caller owns the data source; {@link #close()} does not close it. Give it a pooled
   * data source: every call takes a connection (a write one per attempt).
   *
   * <p><b>PostgreSQL, several nodes.</b> Stores in any number of processes may share one PostgreSQL database (or
   * schema: the tables are made in the connection's current schema): every lock is the database's (row locks on
   * the documents a write changes, transaction-scoped advisory locks for index declarations and for creating a
   * collection), so no update is lost, a new index misses no document written by another node, and
   * {@linkplain Builder#maxCollections maxCollections} counts every node's collections. Each store publishes the
   * events of the writes it commits, once each and in revision order per document, to its own publisher: for
   * every node's clients to hear every write, give the nodes one shared event log (a hub on Redis). Documents are
   * stored as {@code JSON} (their text as written), not {@code JSONB}.
   */
  static DocumentStore jdbc(DataSource dataSource, RenPublisher publisher) {
    return builder(publisher).jdbc(dataSource).build();
  }

  /** A builder for a store publishing to {@code publisher}; choose its database with one of h2, h2InMemory, jdbc. */
  static Builder builder(RenPublisher publisher) {
    return new Builder(publisher);
  }

  /**
   * Configures a {@link DocumentStore}: its database (exactly one of {@link #h2}, {@link #h2InMemory},
   * {@link #jdbc}) and its bounds. Each setting may be given once; a repeated setting (or a second database) fails
   * at once naming the earlier value, and a value out of range fails naming the range.
   *
   * <pre>{@code
   * DocumentStore store = DocumentStore.builder(hub)
   *     .h2(Path.of("data"))
   *     .maxCollections(50)
   *     .maxFilterBranches(64)
   *     .build();
   * }</pre>
   *
   * <p>Thread-safety: not thread-safe; the built store is.
   */
  final class Builder {
    /** Default {@link #maxCollections}: 1,000. */
    public static final int DEFAULT_MAX_COLLECTIONS = 1_000;
    /** Default {@link #maxFilterBranches}: 256. */
    public static final int DEFAULT_MAX_FILTER_BRANCHES = Filter.DEFAULT_MAX_BRANCHES;
    /** Default {@link #maxFilterInValues}: 1,000. */
    public static final int DEFAULT_MAX_FILTER_IN_VALUES = Filter.DEFAULT_MAX_IN;
    /** Default {@link #maxFilterValues}: 4,096. */
    public static final int DEFAULT_MAX_FILTER_VALUES = Filter.DEFAULT_MAX_NODES;
    /** Default {@link #maxFilterDepth}: 32. */
    public static final int DEFAULT_MAX_FILTER_DEPTH = Filter.DEFAULT_MAX_DEPTH;

    private final RenPublisher publisher;
    private final Settings settings = new Settings();
    private @Nullable Path h2Dir;
    private boolean h2InMemory;
    private @Nullable DataSource dataSource;
    private int maxCollections = DEFAULT_MAX_COLLECTIONS;
    private int maxFilterBranches = DEFAULT_MAX_FILTER_BRANCHES;
    private int maxFilterInValues = DEFAULT_MAX_FILTER_IN_VALUES;
    private int maxFilterValues = DEFAULT_MAX_FILTER_VALUES;
    private int maxFilterDepth = DEFAULT_MAX_FILTER_DEPTH;

    private Builder(RenPublisher publisher) {
      this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * An embedded H2 database in {@code dir} (file {@code dir/ren.mv.db}), created if absent; see
     * {@link DocumentStore#h2} for its durability.
     */
    public Builder h2(Path dir) {
      Objects.requireNonNull(dir, "dir");
      settings.once("database", "h2(" + dir + ")");
      this.h2Dir = dir;
      return this;
    }

    /** A private in-memory H2 database, gone when the store is closed (for tests and demos). */
    public Builder h2InMemory() {
      settings.once("database", "h2InMemory()");
      this.h2InMemory = true;
      return this;
    }

    /** A JDBC data source on H2 or PostgreSQL, owned by the caller; see {@link DocumentStore#jdbc}. */
    public Builder jdbc(DataSource dataSource) {
      Objects.requireNonNull(dataSource, "dataSource");
      settings.once("database", "jdbc(" + dataSource + ")");
      this.dataSource = dataSource;
      return this;
    }

    /**
     * The most collections that may exist at once (a collection exists while it holds a document or an index);
     * default {@value #DEFAULT_MAX_COLLECTIONS}, in [1, 1,000,000]. An insert or {@code createIndex} that would
     * create one more throws {@link DocumentStoreFullException} and changes nothing. Collections already in the
     * database when it opens count too. The bound is kept by this store: several processes writing one shared
     * database each keep it for their own writes, and together may exceed it by the creations they race.
     */
    public Builder maxCollections(int collections) {
      this.maxCollections = settings.once("maxCollections", range("maxCollections", collections, 1, 1_000_000));
      return this;
    }

    /**
     * The most branches of all {@code $and}/{@code $or} arrays of one filter together; default
     * {@value #DEFAULT_MAX_FILTER_BRANCHES}, in [1, 1,000,000]. A filter's cost grows with them.
     */
    public Builder maxFilterBranches(int branches) {
      this.maxFilterBranches = settings.once("maxFilterBranches",
          range("maxFilterBranches", branches, 1, 1_000_000));
      return this;
    }

    /**
     * The most values of one {@code $in}/{@code $nin} list; default {@value #DEFAULT_MAX_FILTER_IN_VALUES}, in
     * [1, 1,000,000].
     */
    public Builder maxFilterInValues(int values) {
      this.maxFilterInValues = settings.once("maxFilterInValues", range("maxFilterInValues", values, 1, 1_000_000));
      return this;
    }

    /**
     * The most JSON values (objects, arrays and scalars) in one filter, all together: bounds the work of matching it
     * against each document; default {@value #DEFAULT_MAX_FILTER_VALUES}, in [1, 10,000,000].
     */
    public Builder maxFilterValues(int values) {
      this.maxFilterValues = settings.once("maxFilterValues", range("maxFilterValues", values, 1, 10_000_000));
      return this;
    }

    /**
     * The deepest nesting of one filter, in JSON levels ({@code {"$or":[{...}]}} is two); default
     * {@value #DEFAULT_MAX_FILTER_DEPTH}, in [1, 1,000] (Jackson's own default nesting bound).
     */
    public Builder maxFilterDepth(int depth) {
      this.maxFilterDepth = settings.once("maxFilterDepth", range("maxFilterDepth", depth, 1, 1_000));
      return this;
    }

    private static int range(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + value);
      }
      return value;
    }

    /**
     * Opens the store.
     *
     * @throws IllegalStateException if no database was chosen
     * @throws DocumentStoreException if the database cannot be opened
     */
    public DocumentStore build() {
      JdbcDocumentStore.Config config = new JdbcDocumentStore.Config(maxCollections,
          new Filter.Limits(maxFilterDepth, maxFilterBranches, maxFilterInValues, maxFilterValues),
          JdbcDocumentStore.MAX_IDLE_COLLECTIONS);
      Path dir = h2Dir;
      if (dir != null) {
        return JdbcDocumentStore.openH2(dir, publisher, config);
      }
      if (h2InMemory) {
        return JdbcDocumentStore.openH2InMemory(publisher, config);
      }
      DataSource ds = dataSource;
      if (ds != null) {
        return JdbcDocumentStore.open(ds, publisher, null, null, config);
      }
      throw new IllegalStateException("no database chosen: call h2(dir), h2InMemory() or jdbc(dataSource) before"
          + " build()");
    }
  }
}
