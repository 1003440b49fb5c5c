package dev.ren.realtime;

import dev.ren.hub.ClientTracker;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which members each client id holds, for one presence store ({@link PresenceTracker}, {@link SharedPresence}): a
 * client id is marked {@linkplain ClientTracker#held held} with its first member and
 * {@linkplain ClientTracker#released released} with its last, so the transports watch its streams closely only
 * while it holds presence.
 *
 * <p>Thread-safety: not thread-safe; its owner calls it under its own lock.
 *
 * @param <M> the owner's member type, compared by identity or equality as the owner defines it
 */
final class ClientHolds<M> {

  private final ClientTracker clients;
  private final Map<String, Set<M>> holds = new HashMap<>();

  ClientHolds(ClientTracker clients) {
    this.clients = clients;
  }

  /** The members {@code clientId} holds; empty when none. A view: not to be changed, nor kept past the lock. */
  Set<M> of(String clientId) {
    Set<M> held = holds.get(clientId);
    return held == null ? Set.of() : held;
  }

  /** {@code clientId} holds {@code member} too; the first member marks it held. */
  void add(String clientId, M member) {
    Set<M> held = holds.get(clientId);
    if (held == null) {
      held = new HashSet<>();
      holds.put(clientId, held);
      clients.held(clientId); // the transports watch this client's streams closely while it holds a member
    }
    held.add(member);
  }

  /** {@code clientId} no longer holds {@code member}; its last member releases it. */
  void remove(String clientId, M member) {
    Set<M> held = holds.get(clientId);
    if (held != null) {
      held.remove(member);
      if (held.isEmpty()) {
        holds.remove(clientId);
        clients.released(clientId);
      }
    }
  }

  /** Releases every client id marked held (realtime is closing). */
  void releaseAll() {
    for (String cid : holds.keySet()) {
      clients.released(cid);
    }
    holds.clear();
  }
}
