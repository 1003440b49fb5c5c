package dev.ren.db;

import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Commits a transaction and publishes its events afterwards, in commit order. The commit and the enqueueing of
 * its events happen under one lock, so the queue holds events in the order their transactions committed; two
 * writers of one document can never publish revision 3 before revision 2. Events are published by the
 * committing threads (whoever holds the publish lock drains the queue), so by the time a write returns its
 * events have been handed to the publisher. A rolled-back transaction never reaches the queue.
 *
 * <p>The caller's {@link RenOrigin} is captured as {@code src} at commit time, because the event may be handed
 * to the publisher by another writer's thread.
 *
 * <p>Thread-safety: thread-safe.
 */
final class OrderedPublisher {

  private static final System.Logger LOG = System.getLogger(OrderedPublisher.class.getName());

  private final RenPublisher publisher;
  private final ReentrantLock commitLock = new ReentrantLock();
  private final ReentrantLock publishLock = new ReentrantLock();
  private final ArrayDeque<RenEvent> queue = new ArrayDeque<>(); // guarded by commitLock

  OrderedPublisher(RenPublisher publisher) {
    this.publisher = publisher;
  }

  void commit(Connection c, List<RenEvent> events) throws SQLException {
    String src = RenOrigin.current();
    commitLock.lock();
    try {
      c.commit();
      for (RenEvent e : events) {
        queue.add(src != null && e.src() == null ? e.withSrc(src) : e);
      }
    } finally {
      commitLock.unlock();
    }
    if (!events.isEmpty()) {
      drain();
    }
  }

  @SuppressWarnings("try") // the scope is used for its effect on RenOrigin.current()
  private void drain() {
    publishLock.lock();
    // src was captured at commit; publish with no origin so the publisher cannot stamp this thread's client id
    // on another writer's event
    try (RenOrigin.Scope noOrigin = RenOrigin.open(null)) {
      while (true) {
        RenEvent e;
        commitLock.lock();
        try {
          e = queue.poll();
        } finally {
          commitLock.unlock();
        }
        if (e == null) {
          return;
        }
        try {
          publisher.publish(e);
        } catch (RuntimeException ex) {
          // the write is committed; failing the caller would make it retry a change that happened
          LOG.log(Level.WARNING, "could not publish " + e.t() + " for " + e.ns() + "/" + e.k(), ex);
        }
      }
    } finally {
      publishLock.unlock();
    }
  }

  /** Whether a committed writer is waiting to publish (for tests). */
  boolean hasWaitingPublishers() {
    return publishLock.hasQueuedThreads();
  }
}
