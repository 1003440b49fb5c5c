package dev.ren.realtime;

import java.util.List;

/**
 * A page of a channel's history, as returned by {@link Realtime#history}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param messages  messages with a sequence number above the requested {@code after}, oldest first
 * @param lastSeq   the sequence number of the newest message on the channel (0 if none); when it is above the
 *                  last returned message, more pages follow
 * @param truncated true when messages after {@code after} were already dropped (the channel keeps only its last
 *                  N, all channels together only so many bytes), or when {@code after} is above anything the channel
 *                  handed out (it was dropped while idle and started over at 1): the caller has a gap and should
 *                  treat its state as reset
 */
public record ChannelHistory(List<ChannelMessage> messages, long lastSeq, boolean truncated) {
  public ChannelHistory {
    messages = List.copyOf(messages);
  }
}
