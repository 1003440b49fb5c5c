package dev.ren.hub;

import org.jspecify.annotations.Nullable;

import dev.ren.Registration;

/**
 * Which client ids have a live stream, and who to tell when that changes. The hub implements it; realtime presence
 * depends on this small interface rather than on the hub, to tie a member's life to its client's streams.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
public interface ClientTracker {

  /** Whether the client id has at least one open subscription, whoever opened it. */
  boolean isClientConnected(String clientId);

  /**
   * Whether the client id has at least one open subscription opened by {@code user} (null: anonymous) in
   * {@code tenant} (null: the default tenant). Presence asks this, so a stream opened with another caller's client
   * id cannot keep that caller's members alive.
   */
  boolean isClientConnected(String clientId, @Nullable String user, @Nullable String tenant);

  /**
   * Tells {@code listener} when a client id's first stream opens and its last one closes, until the returned
   * registration is closed.
   */
  Registration addClientListener(ClientListener listener);
}
