package dev.ren.servlet;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process-wide writer pool and heartbeat scheduler used when a servlet is not given its own: one heartbeat
 * thread in total and one writer thread per core, all daemons, created on first use.
 *
 * <p>Thread-safety: thread-safe (holder idiom).
 */
final class SharedExecutors {

  private SharedExecutors() {}

  static Executor writers() {
    return Writers.POOL;
  }

  static ScheduledExecutorService heartbeats() {
    return Heartbeats.SCHEDULER;
  }

  /** Work-stealing in FIFO mode: a publish wakes many short drains, and FJP queues them far cheaper than a TPE. */
  private static final class Writers {
    static final ExecutorService POOL = new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        pool -> {
          ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
          t.setName("ren-sse-writer-" + t.getPoolIndex());
          t.setDaemon(true);
          return t;
        }, null, true);
  }

  private static final class Heartbeats {
    static final ScheduledExecutorService SCHEDULER;

    static {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, daemon("ren-sse-heartbeat"));
      s.setRemoveOnCancelPolicy(true);
      SCHEDULER = s;
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
