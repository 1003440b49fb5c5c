package dev.ren.client;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A client's listeners and the executor that calls them. Every notification (message, reset, state, error) is one
 * task on the callback executor, submitted in the order the client produced it, so a single-threaded executor (the
 * default) delivers in stream order. A listener that throws is logged and skipped; the others and the stream go on.
 * After the client's own executor has shut down, late notifications are dropped (logged at DEBUG).
 *
 * <p>Thread-safety: thread-safe. The listener lists are copy-on-write: listeners may be added and removed from any
 * thread, including from inside a callback.
 */
final class CallbackDispatcher {

  private static final System.Logger LOG = System.getLogger(RenClient.class.getName());

  private final Executor callbacks;
  private final String clientId;
  private final List<RenClient.Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> resetListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<RenClient.State>> stateListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<Throwable>> errorListeners = new CopyOnWriteArrayList<>();

  CallbackDispatcher(Executor callbacks, String clientId) {
    this.callbacks = callbacks;
    this.clientId = clientId;
  }

  RenClient.Registration onMessage(RenClient.Listener listener) {
    return register(listeners, Objects.requireNonNull(listener, "listener"));
  }

  RenClient.Registration onReset(Runnable action) {
    return register(resetListeners, Objects.requireNonNull(action, "action"));
  }

  RenClient.Registration onState(Consumer<RenClient.State> listener) {
    return register(stateListeners, Objects.requireNonNull(listener, "listener"));
  }

  RenClient.Registration onError(Consumer<Throwable> listener) {
    return register(errorListeners, Objects.requireNonNull(listener, "listener"));
  }

  /** Hands {@code m} to the message listeners, then, for a reset, runs the reset listeners. */
  void message(RenMessage m) {
    run(() -> {
      for (RenClient.Listener l : listeners) {
        try {
          l.onMessage(m);
        } catch (Throwable t) {
          LOG.log(Level.WARNING, "REN client listener failed on " + m.type() + "; the stream goes on", t);
        }
      }
      if (m.isReset()) {
        for (Runnable r : resetListeners) {
          try {
            r.run();
          } catch (Throwable t) {
            LOG.log(Level.WARNING, "REN client reset listener failed; the stream goes on", t);
          }
        }
      }
    });
  }

  void state(RenClient.State s) {
    run(() -> {
      for (Consumer<RenClient.State> l : stateListeners) {
        try {
          l.accept(s);
        } catch (Throwable t) {
          LOG.log(Level.WARNING, "REN client state listener failed", t);
        }
      }
    });
  }

  void error(Throwable cause) {
    run(() -> {
      for (Consumer<Throwable> l : errorListeners) {
        try {
          l.accept(cause);
        } catch (Throwable t) {
          LOG.log(Level.WARNING, "REN client error listener failed", t);
        }
      }
    });
  }

  private void run(Runnable task) {
    try {
      callbacks.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "REN client " + clientId + " dropped a callback after close");
    }
  }

  private static <T> RenClient.Registration register(List<T> list, T item) {
    list.add(item);
    AtomicBoolean removed = new AtomicBoolean();
    return () -> {
      if (removed.compareAndSet(false, true)) {
        list.remove(item); // once: the same listener registered twice keeps its other registration
      }
    };
  }
}
