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

  /**
   * Marks {@code clientId} as holding state that ends soon after its last stream goes (presence members), so a
   * transport looks for a dead connection of this client more often than for others: {@code RenServlet} probes the
   * SSE streams of held client ids every 2 s and no other stream. Counted: each call is undone by one
   * {@link #released}. The default does nothing.
   */
  default void held(String clientId) {}

  /** Undoes one {@link #held} of {@code clientId}. The default does nothing. */
  default void released(String clientId) {}

  /** Whether {@code clientId} is {@linkplain #held held} (more holds than releases). The default: false. */
  default boolean isClientHeld(String clientId) {
    return false;
  }

  /** Whether any client id is {@linkplain #held held}; a transport skips its probe pass when none is. */
  default boolean anyClientHeld() {
    return false;
  }
}
