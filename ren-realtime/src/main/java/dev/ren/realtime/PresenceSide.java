package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.hub.ClientListener;
import org.jspecify.annotations.Nullable;

import java.util.Collection;
import java.util.List;

/**
 * The presence side of realtime: members and the holds that keep them. {@link PresenceTracker} keeps it in this
 * process (the default); {@link SharedPresence} keeps the holds of this node's clients here and the members in a
 * {@link RealtimeBackend} shared by several nodes.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
interface PresenceSide extends ClientListener {

  /** Join ({@code create}) or update; see {@link PresenceTracker#refresh}. */
  PresenceTracker.Refresh refresh(ChannelKey channel, String userId, JsonNode meta, byte[] stored, boolean create,
      @Nullable String cid, @Nullable String caller);

  /** Drops {@code cid}'s hold, or the member; see {@link PresenceTracker#leave}. */
  boolean leave(ChannelKey channel, String userId, @Nullable String cid, @Nullable String caller);

  /** The members of a channel in join order. */
  List<StoredMember> members(ChannelKey channel);

  /** Adds the channels of {@code tenant} with members to {@code names}. */
  void addActive(Collection<String> names, @Nullable String tenant);

  /** Expires holders past their deadline at {@code now}; see {@link PresenceTracker#expire}. */
  void expire(long now);

  /** Presence members on all channels of all tenants (of the cluster, when shared): what {@code maxMembers} bounds. */
  int memberCount();

  /** Releases every client id this side marked {@linkplain dev.ren.hub.ClientTracker#held held} (realtime closes). */
  void releaseClients();
}
