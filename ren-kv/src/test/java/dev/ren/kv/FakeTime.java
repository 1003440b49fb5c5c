package dev.ren.kv;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caffeine's two time dependencies, faked together: a {@link Ticker} that moves only when told, and a
 * {@link Scheduler} that runs what Caffeine scheduled once the fake time has reached it and {@link #runDue()} is
 * called (as the store's expiry thread would). Thread-safe, so real threads can race on fake time.
 */
final class FakeTime implements Ticker, Scheduler {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final List<Task> tasks = new ArrayList<>();

  private record Task(long due, Executor executor, Runnable command, CompletableFuture<Void> future) {}

  @Override
  public long read() {
    return nanos.get();
  }

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Override
  public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
    Task t = new Task(read() + unit.toNanos(delay), executor, command, new CompletableFuture<>());
    tasks.add(t);
    return t.future();
  }

  /** Runs the scheduled tasks that are due (as a real scheduler thread would), repeatedly. */
  void runDue() {
    while (true) {
      Task due = null;
      synchronized (this) {
        long now = read();
        for (Task t : tasks) {
          if (!t.future().isDone() && t.due() - now <= 0) {
            due = t;
            break;
          }
        }
        if (due == null) {
          return;
        }
        tasks.remove(due);
      }
      if (due.future().complete(null)) {
        due.executor().execute(due.command());
      }
    }
  }
}
