package dev.ren.servlet;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The writer pool and heartbeat scheduler a {@link RenServlet} starts when it is not given its own: one writer
 * thread per core and one heartbeat thread, all daemons. The servlet that created them shuts them down in
 * {@code destroy()}, so nothing outlives an undeployed web application.
 *
 * <p>Thread-safety: stateless factory.
 */
final class ServletExecutors {

  private static final AtomicInteger SERVLETS = new AtomicInteger();

  private ServletExecutors() {}

  /** Work-stealing in FIFO mode: a publish wakes many short drains, and FJP queues them far cheaper than a TPE. */
  static ExecutorService newWriterPool() {
    int servlet = SERVLETS.incrementAndGet();
    return new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()), pool -> {
      ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
      t.setName("ren-sse-writer-" + servlet + "-" + t.getPoolIndex());
      t.setDaemon(true);
      return t;
    }, null, true);
  }

  static ScheduledExecutorService newHeartbeatScheduler() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1,
        daemon("ren-sse-heartbeat-" + SERVLETS.get()));
    s.setRemoveOnCancelPolicy(true);
    return s;
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
