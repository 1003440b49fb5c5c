package dev.ren.realtime;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Publishes events after the lock that ordered them was released, in that order, per key (a channel in its tenant). Realtime
 * changes its state and {@linkplain #enqueue enqueues} the change's event under its own lock, releases it, and
 * then {@linkplain #await awaits} the event: so a slow publish (a network round-trip to the Redis log) never holds
 * a state lock, yet two changes of one key are published in the order they were applied.
 *
 * <p>Each key has a lane: a queue and a publish lock. One thread at a time drains a lane (whoever holds its publish
 * lock publishes for everyone queued), so a publish in progress holds up only later events of the same key. A
 * drainer publishes up to and including its own event, then the events that were queued behind it at that moment
 * (their callers wait for this lock anyway) and stops: no caller drains an endless stream for others.
 *
 * <p>Failure contract: every event is published with {@link RenPublisher#publishApplied}. A failure is kept on the
 * event's {@link Ticket} and thrown by {@link #await} to the caller whose change it was, whichever thread happened
 * to publish it; the drainer itself goes on with the next event. Events are published without an origin (their
 * {@code src} was captured at enqueue), so the draining thread's client id is never stamped on another's event.
 *
 * <p>Thread-safety: thread-safe. Lock order: a caller's state lock, then (inside {@link #enqueue}) the lane map and
 * the lane's queue monitor; the publish lock is taken with no state lock held, and the settle callback runs under
 * it (it may take a state lock, never the other way round).
 */
final class OrderedOutbox {

  private final RenPublisher publisher;
  /** Lanes with queued or publishing events; a lane is dropped by its drainer once it is empty. */
  private final ConcurrentHashMap<ChannelKey, Lane> lanes = new ConcurrentHashMap<>();

  OrderedOutbox(RenPublisher publisher) {
    this.publisher = publisher;
  }

  /** Told, by the draining thread and in queue order, how an event's publish ended. Must not throw. */
  @FunctionalInterface
  interface Settled {
    /** Receives the outcome: {@code id} is the event id, or null when publishing failed. */
    void settled(@Nullable String id);
  }

  /**
   * Queues {@code event} on {@code key}'s lane. Call it while holding the lock that orders the change, and call
   * {@link #await} with the ticket after releasing that lock.
   *
   * @param onSettled told the outcome when the event has been published (or failed), or null
   */
  Ticket enqueue(ChannelKey key, RenEvent event, @Nullable Settled onSettled) {
    return enqueue(key, event.t(), () -> event, onSettled);
  }

  /**
   * Queues an event of {@code type} that is built by the draining thread just before it is published. For events
   * whose payload is a tree decoded from stored bytes (a leave carries the member's metadata): a batch queued at
   * once (a mass expiry) then holds no tree until its turn comes, and a published one only as long as the
   * publisher keeps it, instead of every tree of the batch at once.
   *
   * @param event builds the event once; must not throw
   */
  Ticket enqueue(ChannelKey key, String type, Supplier<RenEvent> event, @Nullable Settled onSettled) {
    Ticket ticket = new Ticket(key, type, event, onSettled);
    lanes.compute(key, (k, lane) -> {
      Lane l = lane == null ? new Lane() : lane;
      synchronized (l) {
        l.queue.addLast(ticket);
      }
      ticket.lane = l;
      return l;
    });
    return ticket;
  }

  /**
   * Publishes the lane's events up to and including {@code ticket}'s (unless another thread already did) and
   * returns its event id.
   *
   * @throws AppliedButNotPublishedException if publishing this ticket's event failed, on whatever thread
   */
  @SuppressWarnings("try") // the scope is used for its effect on RenOrigin.current()
  String await(Ticket ticket) {
    Lane lane = ticket.lane();
    lane.publishLock.lock();
    try (RenOrigin.Scope noOrigin = RenOrigin.open(null)) {
      while (!ticket.settled) {
        Ticket next = lane.poll();
        if (next == null) {
          throw new IllegalStateException("the " + ticket.type + " event is neither queued nor published");
        }
        publish(next);
      }
      for (int behind = lane.size(); behind > 0; behind--) {
        Ticket next = lane.poll();
        if (next == null) {
          break;
        }
        publish(next);
      }
      // atomic with enqueue: a lane is dropped only when nothing is queued on it and nothing is being published
      lanes.computeIfPresent(ticket.key, (k, l) -> l == lane && lane.size() == 0 ? null : l);
    } finally {
      lane.publishLock.unlock();
    }
    return ticket.result();
  }

  /**
   * {@link #await}s every ticket, in order, even after one failed.
   *
   * @throws AppliedButNotPublishedException the first failure, with the later ones suppressed in it
   */
  void awaitAll(List<Ticket> tickets) {
    AppliedButNotPublishedException failure = null;
    for (Ticket t : tickets) {
      try {
        await(t);
      } catch (AppliedButNotPublishedException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Caller holds the lane's publish lock. */
  private void publish(Ticket t) {
    RenEvent event = t.build();
    try {
      t.settle(publisher.publishApplied(event), null);
    } catch (AppliedButNotPublishedException e) {
      t.settle(null, e);
    } catch (Error e) {
      // fatal for the drainer, which rethrows it; the ticket's owner still learns its change is unpublished
      t.settle(null, new AppliedButNotPublishedException(event, e));
      throw e;
    }
  }

  /**
   * One queued event and, once published, its outcome. The outcome fields are written by the drainer under the
   * lane's publish lock and read by the owner after taking that lock.
   */
  static final class Ticket {
    final ChannelKey key;
    final String type;
    /** Builds the event; taken (and cleared) by the drainer, so a settled ticket keeps no payload. */
    private @Nullable Supplier<RenEvent> source;
    private final @Nullable Settled onSettled;
    private @Nullable Lane lane; // set in enqueue, before the ticket is handed out
    private boolean settled;
    private @Nullable String id;
    private @Nullable AppliedButNotPublishedException failure;

    private Ticket(ChannelKey key, String type, Supplier<RenEvent> source, @Nullable Settled onSettled) {
      this.key = key;
      this.type = type;
      this.source = source;
      this.onSettled = onSettled;
    }

    /** The event, built now; called once, by the drainer under the lane's publish lock. */
    private RenEvent build() {
      Supplier<RenEvent> s = source;
      if (s == null) {
        throw new IllegalStateException("the " + type + " event was already published");
      }
      source = null;
      return s.get();
    }

    private Lane lane() {
      Lane l = lane;
      if (l == null) {
        throw new IllegalStateException("ticket was not enqueued");
      }
      return l;
    }

    private void settle(@Nullable String eventId, @Nullable AppliedButNotPublishedException error) {
      this.settled = true;
      this.id = eventId;
      this.failure = error;
      if (onSettled != null) {
        onSettled.settled(eventId);
      }
    }

    private String result() {
      AppliedButNotPublishedException f = failure;
      if (f != null) {
        // thrown anew in the owner's thread: the original may have been caught on another caller's
        Throwable cause = f.getCause();
        throw new AppliedButNotPublishedException(f.event(), cause != null ? cause : f);
      }
      String i = id;
      if (i == null) {
        throw new IllegalStateException("the " + type + " event was published without an id");
      }
      return i;
    }
  }

  /** A key's queue (guarded by the lane's monitor) and the lock its one drainer holds. */
  private static final class Lane {
    final ReentrantLock publishLock = new ReentrantLock();
    final ArrayDeque<Ticket> queue = new ArrayDeque<>();

    synchronized @Nullable Ticket poll() {
      return queue.pollFirst();
    }

    synchronized int size() {
      return queue.size();
    }
  }
}
