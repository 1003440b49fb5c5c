package dev.ren.hub;

import dev.ren.Registration;

/**
 * Which client ids have a live stream, and who to tell when that changes. The hub implements it; realtime presence
 * depends on this small interface rather than on the hub, to tie a member's life to its client's streams.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
public interface ClientTracker {

  /** Whether the client id has at least one open subscription. */
  boolean isClientConnected(String clientId);

  /**
   * Tells {@code listener} when a client id's first stream opens and its last one closes, until the returned
   * registration is closed.
   */
  Registration addClientListener(ClientListener listener);
}
