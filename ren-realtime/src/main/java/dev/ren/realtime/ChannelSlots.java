package dev.ren.realtime;

import java.util.HashMap;
import java.util.Map;

/**
 * The live channels (of all tenants together: the bound is store-wide): names for which the channel log (recent messages, history) or presence (members) holds state.
 * Both acquire a slot before they create state for a channel and release it when they drop that state, so the
 * number of channel names kept for clients, whichever side keeps them, stays at most {@code max}.
 *
 * <p>Thread-safety: thread-safe; its monitor is a leaf lock (taken under the channel log's map and under the
 * presence lock, never the other way round).
 */
final class ChannelSlots {

  private final int max;
  /** channel (in its tenant) → how many of the two sides (log, presence) hold it; guarded by this. */
  private final Map<ChannelKey, Integer> holders = new HashMap<>();

  ChannelSlots(int max) {
    this.max = max;
  }

  /**
   * Takes a slot for {@code channel} for one side.
   *
   * @throws RealtimeFullException if the channel is new and {@code max} channels are live
   */
  synchronized void acquire(ChannelKey channel) {
    Integer n = holders.get(channel);
    if (n == null && holders.size() >= max) {
      throw new RealtimeFullException("maxChannels", max,
          "too many live channels (with recent messages, history or members); channel '" + channel
              + "' was not created");
    }
    holders.put(channel, n == null ? 1 : n + 1);
  }

  /** Returns one side's slot for {@code channel}; the name is forgotten when neither side holds it. */
  synchronized void release(ChannelKey channel) {
    holders.computeIfPresent(channel, (c, n) -> n > 1 ? n - 1 : null);
  }

  /** How many channels are live. */
  synchronized int size() {
    return holders.size();
  }
}
