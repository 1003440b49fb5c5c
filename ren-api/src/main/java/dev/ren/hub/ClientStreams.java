package dev.ren.hub;

import dev.ren.Registration;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The hub's {@link ClientTracker}: how many open subscriptions each client id has, and the listeners told when a
 * client's first one opens and its last one closes. Touched only when a subscription opens or closes, never per
 * event.
 *
 * <p>Thread-safety: thread-safe; listeners are called on the subscribing or closing thread, and one that throws is
 * logged and does not stop the others.
 */
final class ClientStreams implements ClientTracker {

  private static final System.Logger LOG = System.getLogger(ClientStreams.class.getName());

  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
  // the same counts by who opened them: a client id is a label any caller can send, its holder is not
  private final ConcurrentHashMap<Holder, Integer> openBy = new ConcurrentHashMap<>();

  // client ids whose streams hold presence (counted holds): probed for a dead connection more often
  private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();

  private record Holder(String clientId, @Nullable String user, @Nullable String tenant) {}
  private final List<ClientListener> listeners = new CopyOnWriteArrayList<>();

  @Override
  public boolean isClientConnected(String clientId) {
    return open.containsKey(clientId);
  }

  @Override
  public boolean isClientConnected(String clientId, @Nullable String user, @Nullable String tenant) {
    return openBy.containsKey(new Holder(clientId, user, tenant));
  }

  @Override
  public void held(String clientId) {
    held.merge(Objects.requireNonNull(clientId, "clientId"), 1, Integer::sum);
  }

  @Override
  public void released(String clientId) {
    held.computeIfPresent(clientId, (k, n) -> n <= 1 ? null : n - 1);
  }

  @Override
  public boolean isClientHeld(String clientId) {
    return held.containsKey(clientId);
  }

  @Override
  public boolean anyClientHeld() {
    return !held.isEmpty();
  }

  @Override
  public Registration addClientListener(ClientListener listener) {
    ClientListener l = Objects.requireNonNull(listener, "listener");
    listeners.add(l);
    return () -> listeners.remove(l);
  }

  /** A subscription of {@code clientId} opened by {@code user} in {@code tenant}. */
  void opened(String clientId, @Nullable String user, @Nullable String tenant) {
    openBy.merge(new Holder(clientId, user, tenant), 1, Integer::sum);
    if (open.merge(clientId, 1, Integer::sum) == 1) {
      for (ClientListener l : listeners) {
        try {
          l.clientConnected(clientId);
        } catch (RuntimeException ex) {
          LOG.log(Level.WARNING, "client listener failed on connect of " + Printable.of(clientId), ex);
        }
      }
    }
  }

  /** A subscription of {@code clientId} opened by {@code user} in {@code tenant} closed. */
  void closed(String clientId, @Nullable String user, @Nullable String tenant) {
    openBy.computeIfPresent(new Holder(clientId, user, tenant), (k, n) -> n <= 1 ? null : n - 1);
    if (open.computeIfPresent(clientId, (k, n) -> n <= 1 ? null : n - 1) == null) {
      for (ClientListener l : listeners) {
        try {
          l.clientDisconnected(clientId);
        } catch (RuntimeException ex) {
          LOG.log(Level.WARNING, "client listener failed on disconnect of " + Printable.of(clientId), ex);
        }
      }
    }
  }
}
