package dev.ren.db;

import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, finding 4 (the document store's part): collection names come from clients, so naming one creates
 * nothing, the number of collections is bounded, and the in-memory state of collections is dropped when idle.
 */
abstract class CollectionBoundsTest {

  @RegisterExtension
  final TestDatabase db;

  CollectionBoundsTest(TestDatabase.Kind kind) {
    db = new TestDatabase(kind);
  }

  final RecordingPublisher events = new RecordingPublisher();
  DocumentStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private CollectionRegistry registry() {
    return ((JdbcDocumentStore) store).collections();
  }

  @Test
  void readsUpdatesDeletesAndIndexCalls_unknownCollections_answerEmptyAndCreateNoState() {
    store = db.open(events);
    store.collection("real").insertOne(obj("{'_id':'r','n':1}"));
    events.drain();
    for (int i = 0; i < 500; i++) {
      Collection ghost = store.collection("ghost" + i);
      assertTrue(ghost.find(node("{'n':1}")).isEmpty());
      assertTrue(ghost.find(null, FindOptions.limit(5).withSort("n", false)).isEmpty());
      assertTrue(ghost.findOne(node("{}")).isEmpty());
      assertTrue(ghost.get("r").isEmpty());
      assertEquals(new UpdateResult(0, 0), ghost.updateOne(node("{}"), node("{'$set':{'n':2}}")));
      assertEquals(new UpdateResult(0, 0), ghost.updateOne(node("{'_id':'r'}"), node("{'$inc':{'n':1}}"), 3));
      assertEquals(new UpdateResult(0, 0), ghost.updateMany(node("{}"), node("{'$set':{'n':2}}")));
      assertEquals(new UpdateResult(0, 0), ghost.replaceOne(node("{}"), obj("{'n':3}")));
      assertEquals(new DeleteResult(0), ghost.deleteOne(node("{}")));
      assertEquals(new DeleteResult(0), ghost.deleteOne(node("{}"), 1));
      assertEquals(new DeleteResult(0), ghost.deleteMany(node("{}")));
      assertTrue(ghost.listIndexes().isEmpty());
      assertFalse(ghost.dropIndex("n_1"));
    }
    assertEquals(List.of("real"), store.collectionNames());
    assertTrue(events.events().isEmpty());
    assertEquals(1, registry().size(), "only the collection that was written has state");
    // a bad request on an unknown collection is still refused, and leaves nothing either
    assertThrows(IllegalArgumentException.class, () -> store.collection("ghost").find(node("{'a':{'$x':1}}")));
    assertThrows(IllegalArgumentException.class, () -> store.collection("ghost").createIndex(List.of("$a")));
    assertThrows(IllegalArgumentException.class,
        () -> store.collection("ghost").insertOne(obj("{'_id':'x','s':1e400}")));
    assertEquals(List.of("real"), store.collectionNames());
    assertNull(registry().cached("ghost"));
  }

  @Test
  void insertAndCreateIndex_beyondMaxCollections_refusedNamingTheSettingAndNothingChanges() {
    store = db.builder(events).maxCollections(3).build();
    for (String name : List.of("a", "b", "c")) {
      store.collection(name).insertOne(obj("{'_id':'x','n':1}"));
    }
    store.collection("a").createIndex(List.of("n")); // an index on an existing collection creates none
    events.drain();

    DocumentStoreFullException e = assertThrows(DocumentStoreFullException.class,
        () -> store.collection("d").insertOne(obj("{'_id':'x'}")));
    assertEquals("maxCollections", e.setting());
    assertEquals(3, e.limit());
    assertTrue(e.getMessage().contains("'d'") && e.getMessage().contains("maxCollections = 3"), e.getMessage());
    assertThrows(DocumentStoreFullException.class,
        () -> store.collection("d").insertMany(List.of(obj("{'n':1}"), obj("{'n':2}"))));
    assertThrows(DocumentStoreFullException.class, () -> store.collection("e").createIndex(List.of("n")));

    assertEquals(List.of("a", "b", "c"), store.collectionNames());
    assertTrue(store.collection("d").find(null).isEmpty());
    assertTrue(store.collection("e").listIndexes().isEmpty());
    assertTrue(events.events().isEmpty(), "a refused write publishes nothing");
    assertNull(registry().cached("d"), "a refused creation leaves no state");
    assertNull(registry().cached("e"));

    // existing collections take writes as before
    store.collection("a").insertOne(obj("{'_id':'y','n':2}"));
    assertEquals(2, store.collection("a").find(node("{'n':{'$gte':1}}")).size());

    // a collection emptied of its documents is gone, which makes room
    assertEquals(new DeleteResult(1), store.collection("b").deleteMany(node("{}")));
    assertEquals(List.of("a", "c"), store.collectionNames());
    assertNull(registry().cached("b"), "an emptied collection's state is dropped");
    store.collection("d").insertOne(obj("{'_id':'x'}"));
    assertEquals(List.of("a", "c", "d"), store.collectionNames());
    // so does dropping the last index of a collection without documents
    store.collection("c").deleteMany(node("{}"));
    store.collection("e").createIndex(List.of("n"));
    assertEquals(List.of("a", "d", "e"), store.collectionNames());
    assertThrows(DocumentStoreFullException.class, () -> store.collection("f").insertOne(obj("{}")));
    assertTrue(store.collection("e").dropIndex("n_1"));
    store.collection("f").insertOne(obj("{}"));
    assertEquals(List.of("a", "d", "f"), store.collectionNames());
  }

  @Test
  void insertOne_collectionsOnDiskAtOpen_countTowardsTheBound() {
    try (DocumentStore first = db.open(events)) {
      first.collection("one").insertOne(obj("{}"));
      first.collection("two").createIndex(List.of("k"));
    }
    store = db.builder(events).maxCollections(2).build();
    assertThrows(DocumentStoreFullException.class, () -> store.collection("three").insertOne(obj("{}")));
    store.collection("two").insertOne(obj("{'k':1}"));
    assertEquals(1, store.collection("two").find(node("{'k':1}")).size());
    assertEquals(List.of("one", "two"), store.collectionNames());
  }

  @Test
  void insertOne_concurrentCreations_neverExceedMaxCollections() throws Exception {
    store = db.builder(events).maxCollections(5).build();
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String name = "c" + t;
        results.add(pool.submit(() -> {
          start.await();
          try {
            store.collection(name).insertOne(obj("{'n':1}"));
            return true;
          } catch (DocumentStoreFullException full) {
            return false;
          }
        }));
      }
      start.countDown();
      int created = 0;
      for (Future<Boolean> r : results) {
        if (r.get(60, TimeUnit.SECONDS)) {
          created++;
        }
      }
      assertEquals(5, created);
      assertEquals(5, store.collectionNames().size());
      assertEquals(5, events.events().size());
      assertEquals(5, registry().size(), "refused creations left no state");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void idleCollectionStates_beyondTheCap_droppedAndReopenedWithTheirIndexes() {
    store = db.builder(events).maxCollections(10_000).build();
    Collection indexed = store.collection("indexed");
    for (int i = 0; i < 10; i++) {
      indexed.insertOne(obj("{'_id':'d" + i + "','k':" + i + "}"));
    }
    indexed.createIndex(List.of("k"));
    int others = JdbcDocumentStore.MAX_IDLE_COLLECTIONS + 50;
    for (int i = 0; i < others; i++) {
      store.collection("other" + i).insertOne(obj("{'n':" + i + "}"));
    }
    assertEquals(others + 1, store.collectionNames().size());
    assertEquals(JdbcDocumentStore.MAX_IDLE_COLLECTIONS, registry().size(), "idle states are bounded");
    assertNull(registry().cached("indexed"), "the least recently used state was dropped");

    // re-opened on the next write with its index: the new document gets index entries, found through the index
    indexed.insertOne(obj("{'_id':'new','k':5}"));
    String plan = ((JdbcCollection) indexed).explain(node("{'k':5}"));
    assertTrue(db.readsIndexEntries(plan), plan);
    assertEquals(List.of("d5", "new"), indexed.find(node("{'k':5}")).stream().map(Document::id).toList());
    indexed.updateOne(node("{'_id':'d5'}"), node("{'$set':{'k':6}}"));
    assertEquals(List.of("new"), indexed.find(node("{'k':5}")).stream().map(Document::id).toList());
    assertEquals(List.of("d6", "d5"), indexed.find(node("{'k':6}"), FindOptions.DEFAULT.withSort("_id", false))
        .stream().map(Document::id).toList());
    assertEquals(List.of(new IndexInfo("k_1", List.of("k"))), indexed.listIndexes());
    assertEquals(JdbcDocumentStore.MAX_IDLE_COLLECTIONS, registry().size());
  }

  @Test
  void createIndex_whileStatesAreDroppedAndReopened_everyDocumentIndexed() throws Exception {
    // no idle state is kept, so every write re-opens the collection from the database while another thread
    // declares indexes: a state opened with declarations read before an index was added would write documents
    // without that index's entries, and a find through the index would miss them
    store = db.open(events, new JdbcDocumentStore.Config(1_000, Filter.Limits.DEFAULT, 0));
    int fields = 20;
    int writers = 3;
    int perWriter = 150;
    StringBuilder doc = new StringBuilder("{");
    for (int f = 0; f < fields; f++) {
      doc.append(f == 0 ? "" : ",").append("'f").append(f).append("':1");
    }
    String body = doc.append('}').toString();
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> work = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        work.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perWriter; i++) {
            store.collection("hot").insertOne(obj(body));
          }
          return null;
        }));
      }
      work.add(pool.submit(() -> {
        start.await();
        for (int f = 0; f < fields; f++) {
          store.collection("hot").createIndex(List.of("f" + f));
        }
        return null;
      }));
      start.countDown();
      for (Future<?> f : work) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, registry().size(), "no idle state kept");
    Collection hot = store.collection("hot");
    for (int f = 0; f < fields; f++) {
      String filter = "{'f" + f + "':1}";
      assertTrue(db.readsIndexEntries(((JdbcCollection) hot).explain(node(filter))));
      assertEquals(writers * perWriter, hot.find(node(filter)).size(), "documents found through index f" + f);
    }
  }

  @Test
  void pin_indexDeclaredAndStateDroppedWhileDeclarationsRead_reopensWithTheNewIndex() throws Exception {
    // the interleaving the stress test above can only hope for, forced: a writer has read "no indexes" for a
    // collection with no open state when another thread declares an index and its state is dropped again
    store = db.open(events, new JdbcDocumentStore.Config(1_000, Filter.Limits.DEFAULT, 0));
    store.collection("c").insertOne(obj("{'_id':'before','k':1}"));
    assertEquals(0, registry().size());
    AtomicBoolean once = new AtomicBoolean();
    registry().afterRead = () -> {
      if (once.compareAndSet(false, true)) {
        Thread indexer = new Thread(() -> store.collection("c").createIndex(List.of("k")));
        indexer.start();
        try {
          indexer.join(30_000);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    };
    store.collection("c").insertOne(obj("{'_id':'during','k':1}"));
    registry().afterRead = null;
    assertTrue(once.get());
    assertEquals(List.of("k_1"), store.collection("c").listIndexes().stream().map(IndexInfo::name).toList());
    assertEquals(List.of("before", "during"),
        store.collection("c").find(node("{'k':1}")).stream().map(Document::id).toList());
  }
}
