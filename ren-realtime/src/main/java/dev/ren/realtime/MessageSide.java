package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.util.Collection;

/**
 * The message side of realtime: sequence numbers, history, live channels. {@link ChannelLog} keeps it in this
 * process (the default); {@link SharedChannelLog} in a {@link RealtimeBackend} shared by several nodes.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
interface MessageSide {

  /** Records and publishes a message (arguments already checked); see {@link ChannelLog#publish}. */
  ChannelMessage publish(ChannelKey channel, @Nullable JsonNode payload, byte @Nullable [] stored,
      @Nullable String userId, @Nullable String src);

  /** Messages above {@code after} (arguments already checked, history enabled for the channel). */
  StoredHistory history(ChannelKey channel, long after, int limit);

  /** Adds the tenant's channels with recent messages (and, when shared, with members) to {@code names}. */
  void addActive(Collection<String> names, long now, @Nullable String tenant);

  /** Drops what is idle past its retention at {@code now}. */
  void prune(long now);
}
