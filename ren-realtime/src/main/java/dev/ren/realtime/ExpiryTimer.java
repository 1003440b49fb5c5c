package dev.ren.realtime;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the sweep at (or soon after) the earliest deadline anyone asked for: one pending task at a time, moved
 * earlier when a sooner deadline comes in. Presence and the channel log call {@link #scheduleAt} after recording a
 * deadline; a sweep calls {@link #sweepStarting} before it looks at the state and schedules what it leaves due, so no
 * deadline recorded before the sweep looked can be lost.
 *
 * <p>Owns the scheduler it created (a daemon thread, shut down by {@link #close}); a scheduler given by the caller
 * is used, never shut down.
 *
 * <p>Thread-safety: thread-safe; its lock is a leaf (nothing else is locked while it is held).
 */
final class ExpiryTimer {

  private static final System.Logger LOG = System.getLogger(ExpiryTimer.class.getName());

  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final boolean owned;
  private final Runnable sweep;

  // guarded by lock
  private final ReentrantLock lock = new ReentrantLock();
  private long nextAt = Long.MAX_VALUE;
  private @Nullable ScheduledFuture<?> pending;
  private boolean closed;

  /**
   * @param given the caller's scheduler, or null to create (and own) one
   * @param sweep what to run when a deadline is due; it must not throw
   */
  ExpiryTimer(Clock clock, @Nullable ScheduledExecutorService given, Runnable sweep) {
    this.clock = clock;
    this.sweep = sweep;
    if (given != null) {
      this.scheduler = given;
      this.owned = false;
    } else {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "ren-realtime-expiry");
        t.setDaemon(true);
        return t;
      });
      s.setRemoveOnCancelPolicy(true);
      this.scheduler = s;
      this.owned = true;
    }
  }

  /** Makes sure a sweep runs at or soon after {@code at} (clock millis); {@code Long.MAX_VALUE} means never. */
  void scheduleAt(long at) {
    if (at == Long.MAX_VALUE) {
      return;
    }
    lock.lock();
    try {
      if (at >= nextAt || closed) {
        return;
      }
      nextAt = at;
      if (pending != null) {
        pending.cancel(false);
      }
      long delay = Math.max(0, at - clock.millis());
      try {
        pending = scheduler.schedule(sweep, delay, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        // a rejected schedule (a given executor shut down by its owner) must not fail the caller's change
        LOG.log(Level.WARNING, "could not schedule realtime expiry", e);
        pending = null;
        nextAt = Long.MAX_VALUE;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Forgets the pending task (a sweep is starting, maybe early by a caller; it schedules what remains due). */
  void sweepStarting() {
    lock.lock();
    try {
      cancelPending();
    } finally {
      lock.unlock();
    }
  }

  /** Cancels the pending task and shuts the scheduler down if this timer created it. Idempotent. */
  void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      cancelPending();
    } finally {
      lock.unlock();
    }
    if (owned) {
      scheduler.shutdownNow();
    }
  }

  /** Whether this timer created its scheduler and shut it down (for tests). */
  boolean ownedSchedulerShutDown() {
    return owned && scheduler.isShutdown();
  }

  /** Forgets the pending sweep. Call with {@code lock} held. */
  private void cancelPending() {
    nextAt = Long.MAX_VALUE;
    ScheduledFuture<?> p = pending;
    if (p != null) {
      p.cancel(false);
      pending = null;
    }
  }
}
