package dev.ren.hub;

/**
 * Told when a client id gets its first live subscription and when its last one closes; presence uses this to
 * tie a member's life to the client's streams.
 *
 * <p>Calls for one client may race (a reconnect can close the old stream while the new one opens): a listener
 * that acts later (after a grace period) should re-check {@link ClientTracker#isClientConnected}.
 *
 * <p>Thread-safety: implementations must be thread-safe; they are called on subscribing and closing threads.
 */
public interface ClientListener {
  void clientConnected(String clientId);

  void clientDisconnected(String clientId);
}
