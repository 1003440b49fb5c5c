package dev.ren.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A {@link ScheduledExecutorService} on virtual time: tasks run only inside {@link #advance} and {@link #runDue},
 * on the test's thread, in due order, each with the {@link ManualClock} moved to its due time. Nothing waits on the
 * real clock. A task that throws fails the test at the {@code advance} that ran it. Periodic scheduling is not
 * supported (no REN component uses it with an injected scheduler).
 *
 * <p>Give it the {@link ManualClock} the code under test reads (so moving the clock and running due tasks agree),
 * or let it keep its own.
 *
 * <pre>{@code
 * ManualScheduler time = new ManualScheduler();
 * RenClient c = RenClient.builder(uri).scheduler(time, time.nanoTime()).build();
 * c.start();
 * time.runDue();                       // the first connect
 * time.advance(Duration.ofSeconds(1)); // a reconnect delay
 * }</pre>
 *
 * <p>Thread-safety: tasks may be scheduled and cancelled from any thread; advance from one test thread.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final ManualClock clock;
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>(); // guarded by this
  private long sequence; // guarded by this
  private boolean shutdown; // guarded by this

  /** A scheduler with its own clock, starting at 0. */
  public ManualScheduler() {
    this(new ManualClock(0));
  }

  /** A scheduler on {@code clock}: tasks fall due as that clock is moved (by this scheduler or by the test). */
  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  /** The virtual time, for {@code RenClient.Builder.scheduler(this, nanoTime())}. */
  public LongSupplier nanoTime() {
    return clock.nanoSource();
  }

  /** Runs every task due at the clock's time, earliest first; returns how many ran. */
  public int runDue() {
    return advance(Duration.ZERO);
  }

  /**
   * Moves time forward by {@code d}, running each task that falls due on the way at its due time; returns how many
   * ran.
   */
  public int advance(Duration d) {
    int ran = 0;
    long target = clock.nanoSource().getAsLong() + d.toNanos();
    while (true) {
      Task<?> next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due > target) {
          break;
        }
        queue.poll();
      }
      long now = clock.nanoSource().getAsLong();
      if (next.due > now) {
        clock.advance(Duration.ofNanos(next.due - now));
      }
      next.run();
      ran++;
      next.rethrow();
    }
    long now = clock.nanoSource().getAsLong();
    if (target > now) {
      clock.advance(Duration.ofNanos(target - now));
    }
    return ran;
  }

  /** The clock time, in epoch milliseconds, when the earliest pending task falls due, or {@code Long.MAX_VALUE}. */
  public synchronized long nextDue() {
    long due = Long.MAX_VALUE;
    for (Task<?> t : queue) {
      if (!t.isCancelled()) {
        due = Math.min(due, t.due);
      }
    }
    return due == Long.MAX_VALUE ? due : Math.floorDiv(due, 1_000_000L);
  }

  /** The delays from now of the tasks still waiting (cancelled ones excluded), soonest first. */
  public synchronized List<Duration> pendingDelays() {
    long now = clock.nanoSource().getAsLong();
    List<Task<?>> sorted = new ArrayList<>(queue);
    sorted.sort(null);
    List<Duration> delays = new ArrayList<>();
    for (Task<?> t : sorted) {
      if (!t.isCancelled()) {
        delays.add(Duration.ofNanos(t.due - now));
      }
    }
    return delays;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return schedule(Executors.callable(command), delay, unit);
  }

  @Override
  public synchronized <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("ManualScheduler is shut down");
    }
    long now = clock.nanoSource().getAsLong();
    long nanos = Math.max(0, unit.toNanos(delay));
    Task<V> t = new Task<>(callable, nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos, sequence++);
    queue.add(t);
    return t;
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("periodic tasks");
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("periodic tasks");
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> pending = new ArrayList<>(queue);
    queue.clear();
    return pending;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && queue.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    final long due;
    final long seq;

    Task(Callable<V> callable, long due, long seq) {
      super(callable);
      this.due = due;
      this.seq = seq;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      synchronized (ManualScheduler.this) {
        queue.remove(this);
      }
      return cancelled;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - clock.nanoSource().getAsLong(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Task<?> other = (Task<?>) o;
      int c = Long.compare(due, other.due);
      return c != 0 ? c : Long.compare(seq, other.seq);
    }

    void rethrow() {
      if (isDone() && !isCancelled()) {
        try {
          get();
        } catch (ExecutionException e) {
          throw new AssertionError("a scheduled task failed", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
