package dev.ren.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler on a {@link ManualClock}: tasks run only when the test calls {@link #runDue()}, and only those whose
 * delay has passed on the clock. So a test sees the expiry timer fire without waiting on the real clock.
 *
 * <p>Thread-safety: thread-safe; tasks run on the thread calling {@link #runDue()}.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final ManualClock clock;
  private final List<Task> tasks = new ArrayList<>(); // guarded by this
  private boolean shutdown; // guarded by this

  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  /** Runs the tasks due at the clock's time, earliest first; returns how many ran. */
  public int runDue() {
    int ran = 0;
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> t.due <= clock.millis()).min(Comparator.comparingLong(t -> t.due))
            .orElse(null);
        if (next == null) {
          return ran;
        }
        tasks.remove(next);
      }
      next.run();
      ran++;
    }
  }

  /** The clock time of the earliest pending task, or {@code Long.MAX_VALUE}. */
  public synchronized long nextDue() {
    return tasks.stream().mapToLong(t -> t.due).min().orElse(Long.MAX_VALUE);
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }
    Task t = new Task(command, clock.millis() + unit.toMillis(delay));
    tasks.add(t);
    return t;
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> pending = new ArrayList<>(tasks);
    tasks.clear();
    return pending;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  private final class Task extends FutureTask<Void> implements ScheduledFuture<Void> {
    final long due;

    Task(Runnable r, long due) {
      super(r, null);
      this.due = due;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      synchronized (ManualScheduler.this) {
        tasks.remove(this);
      }
      return super.cancel(mayInterruptIfRunning);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - clock.millis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
    }
  }
}
