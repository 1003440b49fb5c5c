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

/** A fake ticker plus a scheduler that runs what Caffeine scheduled once the fake time has reached it. */
final class FakeTime implements Ticker, Scheduler {
  private long nanos = 1_000_000_000L;
  private final List<Task> tasks = new ArrayList<>();

  private record Task(long due, Executor executor, Runnable command, CompletableFuture<Void> future) {}

  @Override
  public synchronized long read() {
    return nanos;
  }

  synchronized void advance(Duration d) {
    nanos += d.toNanos();
  }

  @Override
  public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
    Task t = new Task(nanos + unit.toNanos(delay), executor, command, new CompletableFuture<>());
    tasks.add(t);
    return t.future();
  }

  synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.future().isDone()).count();
  }

  /** Runs the scheduled tasks that are due (as a real scheduler thread would), repeatedly. */
  void runDue() {
    while (true) {
      Task due = null;
      synchronized (this) {
        for (Task t : tasks) {
          if (!t.future().isDone() && t.due() - nanos <= 0) {
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
