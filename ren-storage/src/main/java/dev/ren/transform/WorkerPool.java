package dev.ren.transform;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where jobs run: a bounded pool of daemon threads this service created (and therefore stops), or an executor
 * the caller injected (and owns). Also the one place jobs wait between retries, so that closing can cut those
 * waits short.
 *
 * <p>Invariant: once {@link #close()} returned, the owned pool takes no task and its threads have ended (or were
 * interrupted and are ending; a task that ignores interrupts is logged).
 *
 * <p>Thread-safety: thread-safe; {@link #close()} is called once by the service.
 */
final class WorkerPool {

  private static final System.Logger LOG = System.getLogger(WorkerPool.class.getName());
  /** How long close() lets running jobs finish before interrupting them, and how long it then waits again. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(30);
  private static final Duration CLOSE_AFTER_INTERRUPT = Duration.ofSeconds(5);

  private final Executor executor;
  private final @Nullable ThreadPoolExecutor owned;
  /** Released by close(): jobs waiting to retry stop waiting. */
  private final CountDownLatch closing = new CountDownLatch(1);

  private WorkerPool(Executor executor, @Nullable ThreadPoolExecutor owned) {
    this.executor = executor;
    this.owned = owned;
  }

  /** An own pool of {@code threads} workers ({@code ren-transform-n}) and a queue of {@code capacity}. */
  static WorkerPool own(int threads, int capacity) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory tf = r -> {
      Thread th = new Thread(r, "ren-transform-" + n.incrementAndGet());
      th.setDaemon(true);
      return th;
    };
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(capacity), tf, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    return new WorkerPool(pool, pool);
  }

  /** Runs on the caller's executor, which close() leaves alone. */
  static WorkerPool on(Executor executor) {
    return new WorkerPool(executor, null);
  }

  /** @throws java.util.concurrent.RejectedExecutionException when the queue is full or the pool is closed */
  void execute(Runnable task) {
    executor.execute(task);
  }

  /** Why the last task was rejected, for the caller's message. */
  String describeQueue() {
    ThreadPoolExecutor p = owned;
    return p == null ? "executor rejected the job"
        : p.getQueue().size() + " waiting, " + p.getActiveCount() + " running";
  }

  /** Waits {@code pause}, or less once closing; false if interrupted (the interrupt is kept). */
  boolean pause(Duration pause) {
    try {
      closing.await(pause.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Ends retry pauses, lets queued and running tasks finish for up to 30 s, then interrupts the rest and waits up
   * to 5 s more. Leaves an injected executor alone.
   */
  void close() {
    closing.countDown();
    ThreadPoolExecutor p = owned;
    if (p == null) {
      return;
    }
    p.shutdown();
    try {
      if (!p.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.log(Level.WARNING, "transform jobs still running after " + CLOSE_GRACE.toSeconds()
            + " s; interrupting them");
        p.shutdownNow();
        if (!p.awaitTermination(CLOSE_AFTER_INTERRUPT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.log(Level.WARNING, "transform jobs ignore interrupts; their threads end when they do");
        }
      }
    } catch (InterruptedException e) {
      p.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
