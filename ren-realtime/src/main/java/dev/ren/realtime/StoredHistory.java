package dev.ren.realtime;

import java.util.List;

/**
 * A page of a channel's history with the payloads as realtime keeps them (compact JSON text), as returned by
 * {@link Realtime#historyJson}; {@link ChannelHistory} is the same page with the payloads parsed.
 *
 * <p>Thread-safety: immutable.
 *
 * @param messages  messages with a sequence number above the requested {@code after}, oldest first
 * @param lastSeq   as {@link ChannelHistory#lastSeq()}
 * @param truncated as {@link ChannelHistory#truncated()}
 */
public record StoredHistory(List<StoredMessage> messages, long lastSeq, boolean truncated) {
  public StoredHistory {
    messages = List.copyOf(messages);
  }

  /** This page with every payload parsed into a tree. */
  public ChannelHistory toHistory() {
    return new ChannelHistory(messages.stream().map(StoredMessage::toMessage).toList(), lastSeq, truncated);
  }
}
