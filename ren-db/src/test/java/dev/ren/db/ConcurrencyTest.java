package dev.ren.db;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RELIABILITY 25: many writers on few documents; no lost update, one event per committed change, in order. */
abstract class ConcurrencyTest {

  @RegisterExtension
  final TestDatabase db;

  ConcurrencyTest(TestDatabase.Kind kind) {
    db = new TestDatabase(kind);
  }

  @Test
  void updateOne_manyWritersFewDocuments_noLostUpdateAndOrderedEvents() throws Exception {
    RecordingPublisher events = new RecordingPublisher();
    int docs = 3;
    int threads = 8;
    int opsPerThread = 40;
    try (DocumentStore store = db.open(events)) {
      Collection c = store.collection("counters");
      c.createIndex(List.of("n"));
      for (int d = 0; d < docs; d++) {
        c.insertOne(obj("{'_id':'c" + d + "','n':0,'log':[]}"));
      }
      events.drain();
      AtomicLongArray succeeded = new AtomicLongArray(docs);
      AtomicInteger conflicts = new AtomicInteger();
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < opsPerThread; i++) {
              int d = ThreadLocalRandom.current().nextInt(docs);
              try {
                UpdateResult r = c.updateOne(node("{'_id':'c" + d + "'}"), node("{'$inc':{'n':1}}"));
                assertEquals(new UpdateResult(1, 1), r);
                succeeded.incrementAndGet(d);
              } catch (RevisionConflictException e) {
                conflicts.incrementAndGet();
              }
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdown();
      }
      Map<String, List<Long>> revisionsById = new HashMap<>();
      for (RenEvent e : events.events()) {
        assertEquals(EventTypes.DB_UPDATED, e.t());
        revisionsById.computeIfAbsent(e.k(), k -> new ArrayList<>()).add(Long.parseLong(e.v()));
      }
      long total = 0;
      for (int d = 0; d < docs; d++) {
        Document doc = c.get("c" + d).orElseThrow();
        long n = doc.json().get("n").longValue();
        assertEquals(succeeded.get(d), n, "every successful increment of c" + d + " is in the document");
        assertEquals(n + 1, doc.revision());
        List<Long> revs = revisionsById.getOrDefault("c" + d, List.of());
        List<Long> expected = new ArrayList<>();
        for (long r = 2; r <= n + 1; r++) {
          expected.add(r);
        }
        assertEquals(expected, revs, "exactly one event per committed change of c" + d + ", in commit order");
        // the index followed every change
        assertEquals(1, c.find(node("{'_id':'c" + d + "','n':" + n + "}")).size());
        total += n;
      }
      assertEquals((long) threads * opsPerThread, total + conflicts.get());
      assertTrue(total > 0);
    }
  }

  @Test
  void updateOne_writersWithSameExpectedRevision_exactlyOneWins() throws Exception {
    RecordingPublisher events = new RecordingPublisher();
    int threads = 6;
    try (DocumentStore store = db.open(events)) {
      Collection c = store.collection("race");
      c.insertOne(obj("{'_id':'x','owner':null}"));
      events.drain();
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      AtomicInteger wins = new AtomicInteger();
      AtomicInteger conflicts = new AtomicInteger();
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int me = t;
          futures.add(pool.submit(() -> {
            start.await();
            try {
              c.updateOne(node("{'_id':'x'}"), node("{'$set':{'owner':" + me + "}}"), 1);
              wins.incrementAndGet();
            } catch (RevisionConflictException e) {
              conflicts.incrementAndGet();
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdown();
      }
      assertEquals(1, wins.get());
      assertEquals(threads - 1, conflicts.get());
      assertEquals(2, c.get("x").orElseThrow().revision());
      assertEquals(1, events.events().size());
    }
  }

  @Test
  void publish_byAnotherWritersThread_keepsEachEventsOwnOrigin() throws Exception {
    CountDownLatch firstPublishing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    // stamps src from the publishing thread's origin, as RenHub does
    dev.ren.RenPublisher publisher = e -> {
      String src = e.src() != null ? e.src() : dev.ren.RenOrigin.current();
      seen.add(e.k() + "=" + src);
      if (e.k().equals("a")) {
        firstPublishing.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }
      return "0";
    };
    try (DocumentStore store = db.open(publisher)) {
      Collection c = store.collection("origins");
      Thread a = new Thread(() -> {
        try (dev.ren.RenOrigin.Scope s = dev.ren.RenOrigin.open("client-a")) {
          c.insertOne(obj("{'_id':'a'}"));
        }
      });
      a.start();
      assertTrue(firstPublishing.await(30, TimeUnit.SECONDS));
      Thread b = new Thread(() -> c.insertOne(obj("{'_id':'b'}"))); // a system write: no origin
      b.start();
      OrderedPublisher events = ((JdbcDocumentStore) store).events;
      Waits.until(events::hasWaitingPublishers); // b committed and waits to publish
      release.countDown();
      a.join(30_000);
      b.join(30_000);
      assertEquals(List.of("a=client-a", "b=null"), seen);
    }
  }
}
