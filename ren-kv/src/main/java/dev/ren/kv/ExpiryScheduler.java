package dev.ren.kv;

import com.github.benmanes.caffeine.cache.Scheduler;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread a default {@link KvStore} starts: a daemon thread ({@code ren-kv-expiry-<n>}) on which Caffeine
 * schedules expiry, so {@code kv.expired} is published without cache traffic. The thread starts with the first
 * scheduled expiry; {@link #close()} stops it and waits (at most {@link #STOP_WAIT}) until it has ended, so no
 * ren-kv thread outlives its store.
 *
 * <p>Thread-safety: thread-safe; {@link #close()} is idempotent.
 */
final class ExpiryScheduler implements Scheduler, AutoCloseable {

  /** How long {@link #close()} waits for the thread to finish a running task (a publish) before giving up. */
  static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private static final System.Logger LOG = System.getLogger(ExpiryScheduler.class.getName());
  private static final AtomicInteger IDS = new AtomicInteger();

  private final ScheduledThreadPoolExecutor executor;
  private final Scheduler scheduler;
  /** Every thread the executor created (one, unless a task killed it); written by the executor, read by close. */
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  ExpiryScheduler() {
    String name = "ren-kv-expiry-" + IDS.incrementAndGet();
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      threads.add(t);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    // after shutdown it hands Caffeine a finished future instead of failing, so a late schedule is harmless
    this.scheduler = Scheduler.forScheduledExecutorService(executor);
  }

  @Override
  public Future<?> schedule(Executor onExpiry, Runnable command, long delay, TimeUnit unit) {
    return scheduler.schedule(onExpiry, command, delay, unit);
  }

  /**
   * Stops the thread: cancels what is scheduled, interrupts a running task and waits for the thread to end. Called
   * on the expiry thread itself (a listener that closes the store), it does not wait for itself.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    executor.shutdownNow();
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (Thread t : threads) {
      if (t == Thread.currentThread()) {
        continue;
      }
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // the thread was told to stop; the caller wants to stop waiting
      }
      if (t.isAlive()) {
        LOG.log(Level.WARNING, t.getName() + " did not stop within " + STOP_WAIT + " of close()");
      }
    }
  }

  @Override
  public String toString() {
    return "ExpiryScheduler[" + threads.size() + " thread(s)" + (closed.get() ? ", closed]" : "]");
  }
}
