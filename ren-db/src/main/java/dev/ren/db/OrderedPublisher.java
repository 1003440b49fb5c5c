package dev.ren.db;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import org.jspecify.annotations.Nullable;

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
 * <p><b>Applied but not published.</b> A failed publish is neither logged and dropped nor allowed to stop the
 * drain: each committed transaction is queued as a {@link Batch} with a failure slot, the drainer (possibly
 * another writer) publishes through {@link RenPublisher#publishApplied} and records a failure in the slot of the
 * batch whose event it was, then goes on with the next events, so commit order holds and other writers are
 * unaffected. The batch's own writer reads its slot in {@link #publish} and throws
 * {@link AppliedButNotPublishedException}.
 *
 * <p>Thread-safety: thread-safe. The queue is guarded by {@code commitLock}; publishing, and every batch's
 * {@code published} and {@code failure}, by {@code publishLock}.
 */
final class OrderedPublisher {

  /** A write of many documents against a dead log keeps this many of its later failures as suppressed. */
  private static final int MAX_SUPPRESSED = 16;

  private final RenPublisher publisher;
  private final ReentrantLock commitLock = new ReentrantLock();
  private final ReentrantLock publishLock = new ReentrantLock();
  private final ArrayDeque<Batch> queue = new ArrayDeque<>(); // guarded by commitLock

  /** The events of one committed transaction and what became of publishing them. */
  static final class Batch {
    private final List<RenEvent> events;
    private boolean published; // guarded by publishLock
    private @Nullable AppliedButNotPublishedException failure; // guarded by publishLock

    private Batch(List<RenEvent> events) {
      this.events = events;
    }

    /** Publishes every event, even after a failure (the log may come back); the first failure is kept. */
    private void publishWith(RenPublisher publisher) {
      try {
        for (RenEvent e : events) {
          try {
            publisher.publishApplied(e);
          } catch (AppliedButNotPublishedException ex) {
            fail(ex);
          } catch (Error err) {
            // fatal for the drainer, which rethrows it; the batch's writer still learns its change is unpublished
            fail(new AppliedButNotPublishedException(e, err));
            throw err;
          }
        }
      } finally {
        published = true;
      }
    }

    private void fail(AppliedButNotPublishedException ex) {
      AppliedButNotPublishedException first = failure;
      if (first == null) {
        failure = ex;
      } else if (first.getSuppressed().length < MAX_SUPPRESSED) {
        first.addSuppressed(ex);
      }
    }
  }

  OrderedPublisher(RenPublisher publisher) {
    this.publisher = publisher;
  }

  /**
   * Commits and queues the transaction's events; the caller then calls {@link #publish} with the returned batch
   * (once it released any lock of its own, so a slow publisher never holds up other writers' commits).
   */
  Batch commit(Connection c, List<RenEvent> events) throws SQLException {
    String src = RenOrigin.current();
    Batch batch = new Batch(events.stream().map(e -> src != null && e.src() == null ? e.withSrc(src) : e).toList());
    commitLock.lock();
    try {
      c.commit();
      if (!batch.events.isEmpty()) {
        queue.add(batch);
      }
    } finally {
      commitLock.unlock();
    }
    return batch;
  }

  /**
   * Publishes everything queued, in commit order (whoever holds the publish lock drains for everyone), and
   * reports what became of {@code mine}.
   *
   * @throws AppliedButNotPublishedException if an event of {@code mine} could not be published (its transaction
   *     is committed all the same)
   */
  @SuppressWarnings("try") // the scope is used for its effect on RenOrigin.current()
  void publish(Batch mine) {
    AppliedButNotPublishedException failure;
    publishLock.lock();
    // src was captured at commit; publish with no origin so the publisher cannot stamp this thread's client id
    // on another writer's event
    try (RenOrigin.Scope noOrigin = RenOrigin.open(null)) {
      for (Batch b = poll(); b != null; b = poll()) {
        b.publishWith(publisher);
      }
      // mine was queued before this call, and batches are only polled under publishLock, so whoever took it
      // has published it by now
      if (!mine.published && !mine.events.isEmpty()) {
        throw new IllegalStateException("a committed batch was not published");
      }
      failure = mine.failure;
    } finally {
      publishLock.unlock();
    }
    if (failure != null) {
      throw rethrown(failure);
    }
  }

  private @Nullable Batch poll() {
    commitLock.lock();
    try {
      return queue.poll();
    } finally {
      commitLock.unlock();
    }
  }

  /** The failure as thrown in the writer's own thread (it may have been caught on another writer's). */
  private static AppliedButNotPublishedException rethrown(AppliedButNotPublishedException f) {
    Throwable cause = f.getCause();
    AppliedButNotPublishedException out = new AppliedButNotPublishedException(f.event(), cause != null ? cause : f);
    for (Throwable s : f.getSuppressed()) {
      out.addSuppressed(s);
    }
    return out;
  }

  /** Whether a committed writer is waiting to publish (for tests). */
  boolean hasWaitingPublishers() {
    return publishLock.hasQueuedThreads();
  }
}
