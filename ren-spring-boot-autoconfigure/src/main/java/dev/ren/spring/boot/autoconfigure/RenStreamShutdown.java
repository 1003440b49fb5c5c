package dev.ren.spring.boot.autoconfigure;

import dev.ren.servlet.RenServlet;
import org.springframework.context.SmartLifecycle;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends every SSE stream when the application context closes ({@link RenServlet#shutdown}): each stream gets a
 * {@code retry:} ({@code ren.shutdown-retry}, with jitter) and is closed, so its client reconnects, to another node
 * behind the load balancer or to this one when it is back, resuming from its last event id; a stream opened during
 * the shutdown gets the same and is closed at once.
 *
 * <p>Runs in the phase of the web server's graceful shutdown ({@code WebServerGracefulShutdownLifecycle}): the
 * server stops taking requests while the streams end, and the graceful shutdown, which waits for open requests, no
 * longer waits for the streams (an SSE stream never ends by itself, so it would wait for
 * {@code spring.lifecycle.timeout-per-shutdown-phase}). Waits up to {@code ren.shutdown-timeout} for the streams to
 * take their {@code retry:}, then closes the rest.
 *
 * <p>Thread-safety: thread-safe; stopping is idempotent.
 */
public final class RenStreamShutdown implements SmartLifecycle {

  /** {@code WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE}. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

  private static final System.Logger LOG = System.getLogger(RenStreamShutdown.class.getName());

  private final RenServlet servlet;
  private final Duration timeout;
  private final AtomicBoolean running = new AtomicBoolean();

  RenStreamShutdown(RenServlet servlet, Duration timeout) {
    this.servlet = servlet;
    this.timeout = timeout;
  }

  @Override
  public void start() {
    running.set(true);
  }

  @Override
  public void stop() {
    if (!running.compareAndSet(true, false)) {
      return;
    }
    int open = servlet.activeStreams();
    boolean all = servlet.shutdown(timeout);
    LOG.log(Level.INFO, "REN ended " + open + " stream(s) on shutdown with retry:"
        + (all ? "" : "; streams that did not take it within " + timeout + " were closed"));
  }

  @Override
  public boolean isRunning() {
    return running.get();
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
