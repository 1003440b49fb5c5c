package dev.ren.spring.boot.autoconfigure;

import dev.ren.servlet.RenServlet;
import org.springframework.context.SmartLifecycle;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends every SSE stream when the application context closes, so that clients reconnect (to another node behind the
 * load balancer, or to this one when it is back) instead of holding a connection the server is about to drop.
 *
 * <p>Runs in the phase of the web server's graceful shutdown ({@code WebServerGracefulShutdownLifecycle}): the
 * server stops taking requests while the streams end, and the graceful shutdown, which waits for open requests, no
 * longer waits for the streams (an SSE stream never ends by itself, so it would wait for
 * {@code spring.lifecycle.timeout-per-shutdown-phase}).
 *
 * <p>Thread-safety: thread-safe; stopping is idempotent.
 */
public final class RenStreamShutdown implements SmartLifecycle {

  /** {@code WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE}. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

  private static final System.Logger LOG = System.getLogger(RenStreamShutdown.class.getName());

  private final RenServlet servlet;
  private final AtomicBoolean running = new AtomicBoolean();

  RenStreamShutdown(RenServlet servlet) {
    this.servlet = servlet;
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
    // RenServlet.destroy ends every stream and stops the servlet's threads; the container's own destroy later
    // finds nothing left to do
    servlet.destroy();
    LOG.log(Level.INFO, "REN ended " + open + " stream(s) on shutdown");
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
