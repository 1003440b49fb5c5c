package dev.ren.client;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads a {@link RenClient} starts for itself, and only those: executors and an HTTP client the caller gave
 * are never here, so they are never shut down. Every thread is a daemon named {@code ren-client-<id>...} and is
 * created on first use; {@link #close()} stops them all.
 *
 * <ul>
 *   <li>the scheduler ({@code ren-client-<id>}): connects, reconnect delays, read timeouts; stopped at once;</li>
 *   <li>the callback executor ({@code ren-client-<id>-callbacks}): shut down gracefully, so callbacks already
 *       queued (the {@code CLOSED} notification among them) still run;</li>
 *   <li>the HTTP client ({@code ren-client-<id>-http-n}), built on first use because a JDK {@link HttpClient}
 *       starts its selector thread when built. Its executor is shut down gracefully; on JDK 21 and later the client
 *       itself is stopped with {@code shutdownNow()}. JDK 17 has no way to stop an {@code HttpClient}: there its
 *       selector thread ends once the closed client is garbage.</li>
 * </ul>
 *
 * <p>Thread-safety: thread-safe.
 */
final class OwnedThreads {

  private static final System.Logger LOG = System.getLogger(RenClient.class.getName());
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final @Nullable Method HTTP_SHUTDOWN_NOW = httpShutdownNow();

  private final String name;

  private final Object lock = new Object();
  private final List<ExecutorService> executors = new ArrayList<>(); // guarded by lock
  private @Nullable HttpClient http; // guarded by lock
  private boolean closed; // guarded by lock

  OwnedThreads(String clientId) {
    this.name = "ren-client-" + clientId;
  }

  /** A new single-thread scheduler, stopped by {@link #close()}. */
  ScheduledExecutorService scheduler() {
    return own(Executors.newSingleThreadScheduledExecutor(daemon(name, false)));
  }

  /** A new single-thread executor for listener callbacks (in order), stopped by {@link #close()}. */
  ExecutorService callbacks() {
    return own(Executors.newSingleThreadExecutor(daemon(name + "-callbacks", false)));
  }

  /** An HTTP client with a 10 s connect timeout on threads of this client's own, built on the first call. */
  Supplier<HttpClient> httpClient() {
    return this::http;
  }

  private HttpClient http() {
    synchronized (lock) {
      if (closed) {
        throw new RejectedExecutionException(name + " is closed");
      }
      HttpClient h = http;
      if (h == null) {
        ExecutorService ex = Executors.newCachedThreadPool(daemon(name + "-http", true));
        executors.add(ex);
        h = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).executor(ex).build();
        http = h;
      }
      return h;
    }
  }

  private <E extends ExecutorService> E own(E executor) {
    synchronized (lock) {
      if (closed) {
        executor.shutdownNow();
      }
      executors.add(executor);
    }
    return executor;
  }

  /**
   * Stops every thread: the scheduler at once (its tasks are the client's own, already cancelled), the others
   * after what they are running or have queued. Idempotent; callable from one of these threads.
   */
  void close() {
    List<ExecutorService> all;
    HttpClient h;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      all = List.copyOf(executors);
      h = http;
      http = null; // on JDK 17 its selector thread ends only once the HTTP client is garbage: let it become so
    }
    for (ExecutorService e : all) {
      if (e instanceof ScheduledExecutorService) {
        e.shutdownNow();
      } else {
        e.shutdown();
      }
    }
    if (h != null && HTTP_SHUTDOWN_NOW != null) {
      try {
        HTTP_SHUTDOWN_NOW.invoke(h);
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.log(Level.DEBUG, "REN client could not stop its HTTP client", e);
      }
    }
  }

  /** Waits until every thread has finished; true if they did within {@code timeout}. */
  boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ExecutorService> all;
    synchronized (lock) {
      all = List.copyOf(executors);
    }
    for (ExecutorService e : all) {
      if (!e.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }

  private static ThreadFactory daemon(String name, boolean numbered) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, numbered ? name + "-" + n.incrementAndGet() : name);
      t.setDaemon(true);
      return t;
    };
  }

  /** {@code HttpClient.shutdownNow()} on JDK 21 and later; null on JDK 17, which cannot stop an HTTP client. */
  private static @Nullable Method httpShutdownNow() {
    try {
      return HttpClient.class.getMethod("shutdownNow");
    } catch (NoSuchMethodException e) {
      return null;
    }
  }
}
