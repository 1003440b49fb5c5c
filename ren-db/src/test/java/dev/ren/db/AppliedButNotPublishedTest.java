package dev.ren.db;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The "applied but not published" contract: a committed change whose event cannot be published fails its own
 * writer with {@link AppliedButNotPublishedException}, stays in the database, and does not disturb other writers
 * or the commit order of events.
 */
abstract class AppliedButNotPublishedTest {

  @RegisterExtension
  final TestDatabase db;

  AppliedButNotPublishedTest(TestDatabase.Kind kind) {
    db = new TestDatabase(kind);
  }

  @Test
  void insertOne_publisherFails_throwsAppliedButNotPublishedAndDocumentIsStored() {
    RecordingPublisher events = new RecordingPublisher();
    EventLogUnavailableException down = new EventLogUnavailableException("log down");
    try (DocumentStore store = db.open(events)) {
      Collection c = store.collection("todos");
      events.failWith(down);
      AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
          () -> c.insertOne(obj("{'_id':'a','n':1}")));
      assertSame(down, e.getCause());
      assertEquals(EventTypes.DB_CREATED, e.event().t());
      assertEquals("todos", e.event().ns());
      assertEquals("a", e.event().k());
      assertEquals(1, c.get("a").orElseThrow().revision(), "the insert is committed");
      // the store is unharmed: once the log is back, writes publish again
      events.failWith(null);
      c.insertOne(obj("{'_id':'b'}"));
      assertEquals(List.of("b"), events.events().stream().map(RenEvent::k).toList());
    }
  }

  @Test
  void updateOne_publisherFails_throwsAppliedButNotPublishedAndUpdateIsStored() {
    RecordingPublisher events = new RecordingPublisher();
    try (DocumentStore store = db.open(events)) {
      Collection c = store.collection("todos");
      c.insertOne(obj("{'_id':'a','n':1}"));
      events.failWith(new EventLogUnavailableException("log down"));
      AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
          () -> c.updateOne(node("{'_id':'a'}"), node("{'$inc':{'n':1}}")));
      assertEquals(EventTypes.DB_UPDATED, e.event().t());
      assertEquals("2", e.event().v());
      Document a = c.get("a").orElseThrow();
      assertEquals(2, a.revision());
      assertEquals(2, a.json().get("n").intValue());
    }
  }

  @Test
  void deleteOne_publisherFails_throwsAppliedButNotPublishedAndDocumentIsGone() {
    RecordingPublisher events = new RecordingPublisher();
    try (DocumentStore store = db.open(events)) {
      Collection c = store.collection("todos");
      c.insertOne(obj("{'_id':'a'}"));
      events.failWith(new EventLogUnavailableException("log down"));
      AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
          () -> c.deleteOne(node("{'_id':'a'}")));
      assertEquals(EventTypes.DB_DELETED, e.event().t());
      assertTrue(c.get("a").isEmpty(), "the delete is committed");
    }
  }

  @Test
  void insertMany_oneEventFails_laterEventsStillPublishedAndWriterTold() {
    RecordingPublisher recorded = new RecordingPublisher();
    RenPublisher failsOnB = e -> {
      if (e.k().equals("b")) {
        throw new EventLogUnavailableException("log hiccup");
      }
      return recorded.publish(e);
    };
    try (DocumentStore store = db.open(failsOnB)) {
      Collection c = store.collection("todos");
      AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
          () -> c.insertMany(List.of(obj("{'_id':'a'}"), obj("{'_id':'b'}"), obj("{'_id':'c'}"))));
      assertEquals("b", e.event().k());
      assertEquals(List.of("a", "c"), recorded.events().stream().map(RenEvent::k).toList());
      assertEquals(3, c.find(null).size(), "the whole batch is committed");
    }
  }

  /**
   * Writer A publishes while writer B commits; B's event is then published on A's thread (A drains the queue),
   * and fails. The failure reaches B, not A, and C's later event is published after B's, in commit order.
   */
  @Test
  void publish_failureDrainedByAnotherWriter_reachesOnlyTheWriterWhoseChangeItWas() throws Exception {
    CountDownLatch aPublishing = new CountDownLatch(1);
    CountDownLatch releaseA = new CountDownLatch(1);
    List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    RenPublisher publisher = e -> {
      attempts.add(e.k() + "@" + Thread.currentThread().getName());
      if (e.k().equals("a")) {
        aPublishing.countDown();
        try {
          assertTrue(releaseA.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }
      if (e.k().equals("b")) {
        throw new EventLogUnavailableException("log down for b");
      }
      return "0";
    };
    try (DocumentStore store = db.open(publisher)) {
      Collection c = store.collection("race");
      CompletableFuture<String> a = runAs("writer-a", () -> c.insertOne(obj("{'_id':'a'}")));
      assertTrue(aPublishing.await(30, TimeUnit.SECONDS));
      CompletableFuture<String> b = runAs("writer-b", () -> c.insertOne(obj("{'_id':'b'}")));
      OrderedPublisher queue = ((JdbcDocumentStore) store).events;
      Waits.until(queue::hasWaitingPublishers); // b committed and waits for a's drain
      releaseA.countDown();

      assertEquals("a", a.get(30, TimeUnit.SECONDS), "a's own event was published: a succeeds");
      ExecutionException failed = assertThrows(ExecutionException.class, () -> b.get(30, TimeUnit.SECONDS));
      AppliedButNotPublishedException e = assertInstanceOf(AppliedButNotPublishedException.class,
          failed.getCause());
      assertEquals("b", e.event().k());
      assertEquals(List.of("a@writer-a", "b@writer-a"), attempts, "b's event was published on a's thread");
      assertTrue(c.get("b").isPresent(), "b's insert is committed");

      c.insertOne(obj("{'_id':'c'}"));
      assertEquals("c@" + Thread.currentThread().getName(), attempts.get(2));
    }
  }

  private static <T> CompletableFuture<T> runAs(String name, java.util.function.Supplier<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(work.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    }, name);
    t.start();
    return f;
  }
}
