package dev.ren.servlet.dropin;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the initializer created in one context: the hub and stores it built (and so must close) and the context
 * attributes it set (and so must remove, or a restarted context would take a closed store for the application's).
 * Undone in reverse order of creation when the context is destroyed, or at once when startup fails half-way.
 * The container destroys REN's servlets (which stop their writer and heartbeat threads) before it notifies
 * listeners, so by the time the stores close nothing writes to them any more.
 *
 * <p>Thread-safety: filled by the starting thread, then closed once by whichever thread gets there first.
 */
final class Owned implements ServletContextListener {

  private static final System.Logger LOG = System.getLogger(Owned.class.getName());

  private final ServletContext ctx;
  private final List<Step> undo = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  Owned(ServletContext ctx) {
    this.ctx = ctx;
  }

  /** Closes {@code resource} when the context goes; returns it. */
  <T extends AutoCloseable> T closeWithContext(T resource) {
    undo.add(new Step("closing " + resource.getClass().getSimpleName(), () -> {
      try {
        resource.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "closing " + resource + " failed", e);
      }
    }));
    return resource;
  }

  /** Sets the context attribute {@code type.getName()} and removes it when the context goes; returns the value. */
  <T> T attribute(Class<? super T> type, T value) {
    String name = type.getName();
    ctx.setAttribute(name, value);
    undo.add(new Step("removing attribute " + name, () -> ctx.removeAttribute(name)));
    return value;
  }

  /** Undoes everything, last first. Idempotent; a failing close is logged and the rest still run. */
  void closeAll() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (int i = undo.size() - 1; i >= 0; i--) {
      Step step = undo.get(i);
      try {
        step.action().run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, step.what() + " failed", e);
      }
    }
  }

  private record Step(String what, Runnable action) {}

  @Override
  public void contextDestroyed(ServletContextEvent sce) {
    closeAll();
  }
}
