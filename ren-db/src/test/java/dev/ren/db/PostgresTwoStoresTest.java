package dev.ren.db;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two store instances on one PostgreSQL database, as two nodes would run them: each has its own connection pool,
 * collection states and in-JVM locks, so only the database's locks keep them correct.
 */
@Tag("postgres")
class PostgresTwoStoresTest {

  @RegisterExtension
  final TestDatabase db = new TestDatabase(TestDatabase.Kind.POSTGRES);

  private static final int THREADS_PER_STORE = 8;

  @Test
  void updateOne_incFromTwoStores_noLostUpdateAndEachCommitPublishedOnceByItsStoreInOrder() throws Exception {
    int perThread = 500;
    RecordingPublisher eventsA = new RecordingPublisher();
    RecordingPublisher eventsB = new RecordingPublisher();
    try (DocumentStore a = db.open(eventsA); DocumentStore b = db.open(eventsB)) {
      a.collection("counters").insertOne(obj("{'_id':'c','n':0}"));
      eventsA.drain();
      List<Callable<Void>> work = new ArrayList<>();
      for (int t = 0; t < 2 * THREADS_PER_STORE; t++) {
        DocumentStore store = t % 2 == 0 ? a : b;
        String origin = (t % 2 == 0 ? "A" : "B") + t;
        work.add(() -> {
          try (RenOrigin.Scope scope = RenOrigin.open(origin)) {
            for (int i = 0; i < perThread; i++) {
              assertEquals(new UpdateResult(1, 1),
                  store.collection("counters").updateOne(node("{'_id':'c'}"), node("{'$inc':{'n':1}}")));
            }
          }
          return null;
        });
      }
      runTogether(work);

      long total = 2L * THREADS_PER_STORE * perThread;
      Document doc = b.collection("counters").get("c").orElseThrow();
      assertEquals(total, doc.json().get("n").longValue(), "no increment lost");
      assertEquals(total + 1, doc.revision());
      TreeSet<Long> all = new TreeSet<>();
      Map<String, Integer> perOrigin = new HashMap<>();
      for (RecordingPublisher events : List.of(eventsA, eventsB)) {
        String store = events == eventsA ? "A" : "B";
        long last = 0;
        for (RenEvent e : events.events()) {
          assertEquals(EventTypes.DB_UPDATED, e.t());
          String src = e.src();
          assertTrue(src != null && src.startsWith(store), "published by the store that committed: " + src);
          perOrigin.merge(src, 1, Integer::sum);
          long rev = Long.parseLong(e.v());
          assertTrue(rev > last, "store " + store + " published revision " + rev + " after " + last);
          last = rev;
          assertTrue(all.add(rev), "revision " + rev + " published twice");
        }
      }
      assertEquals(total, all.size(), "one event per commit");
      assertEquals(2L, all.first());
      assertEquals(total + 1, all.last());
      assertEquals(2 * THREADS_PER_STORE, perOrigin.size());
      perOrigin.values().forEach(n -> assertEquals(perThread, n));
    }
  }

  @Test
  void createIndex_onOneStoreWhileTheOtherInserts_everyDocumentFoundThroughTheIndex() throws Exception {
    RecordingPublisher events = new RecordingPublisher();
    int perThread = 100;
    int fields = 6;
    try (DocumentStore a = db.open(events); DocumentStore b = db.open(events)) {
      a.collection("hot").insertOne(obj("{'_id':'first','f0':1,'f1':1,'f2':1,'f3':1,'f4':1,'f5':1}"));
      List<Callable<Void>> work = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        work.add(() -> {
          for (int i = 0; i < perThread; i++) {
            a.collection("hot").insertOne(obj("{'f0':1,'f1':1,'f2':1,'f3':1,'f4':1,'f5':1}"));
          }
          return null;
        });
      }
      work.add(() -> {
        for (int f = 0; f < fields; f++) {
          b.collection("hot").createIndex(List.of("f" + f));
        }
        return null;
      });
      runTogether(work);
      for (DocumentStore s : List.of(a, b)) {
        JdbcCollection hot = (JdbcCollection) s.collection("hot");
        assertEquals(fields, hot.listIndexes().size());
        for (int f = 0; f < fields; f++) {
          String filter = "{'f" + f + "':1}";
          assertTrue(db.readsIndexEntries(hot.explain(node(filter))), hot.explain(node(filter)));
          assertEquals(4 * perThread + 1, hot.find(node(filter)).size(), "found through index f" + f);
        }
      }
      // an index dropped through one store is no longer used by the other
      assertTrue(b.collection("hot").dropIndex("f0_1"));
      a.collection("hot").insertOne(obj("{'_id':'after','f0':1}"));
      assertEquals(4 * perThread + 2, a.collection("hot").find(node("{'f0':1}")).size());
      assertEquals(List.of("after"), b.collection("hot").find(node("{'f1':{'$exists':false}}")).stream()
          .map(Document::id).toList());
    }
  }

  @Test
  void insertOne_concurrentCreationsThroughTwoStores_neverExceedMaxCollections() throws Exception {
    RecordingPublisher events = new RecordingPublisher();
    try (DocumentStore a = db.builder(events).maxCollections(5).build();
         DocumentStore b = db.builder(events).maxCollections(5).build()) {
      List<Callable<Void>> work = new ArrayList<>();
      for (int t = 0; t < 2 * THREADS_PER_STORE; t++) {
        DocumentStore store = t % 2 == 0 ? a : b;
        String name = "c" + t;
        work.add(() -> {
          try {
            store.collection(name).insertOne(obj("{'n':1}"));
          } catch (DocumentStoreFullException full) {
            // expected for all but five
          }
          return null;
        });
      }
      runTogether(work);
      assertEquals(5, a.collectionNames().size());
      assertEquals(a.collectionNames(), b.collectionNames());
      assertEquals(5, events.events().size());
    }
  }

  /** Runs every task at once, each on its own thread, and fails with the first failure. */
  private static void runTogether(List<Callable<Void>> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(work.size());
    try {
      CyclicBarrier start = new CyclicBarrier(work.size());
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> w : work) {
        futures.add(pool.submit(() -> {
          start.await();
          return w.call();
        }));
      }
      for (Future<Void> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
