package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * One message of a channel's history as realtime keeps it, returned by {@link Realtime#historyJson}: the payload is
 * the compact JSON text realtime stores, not a tree. A page of history is up to about 1 MiB of such text, which as
 * Jackson trees could be thirty times that ({@code [{},{},...]}); a reader that only writes the payloads out (an HTTP
 * binding) takes {@link #dataJson()} and never builds one.
 *
 * <pre>{@code
 * for (StoredMessage m : realtime.historyJson("room-1", 0, 100).messages()) {
 *   out.write(m.dataJson());   // the stored text; m.data() parses it into a new tree instead
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class StoredMessage {

  private final String channel;
  private final long seq;
  private final @Nullable String id;
  private final long ts;
  /** Compact UTF-8 JSON, shared with the history and never changed; handed out as copies only. */
  private final byte @Nullable [] data;
  private final @Nullable String userId;
  private final @Nullable String src;

  StoredMessage(String channel, long seq, @Nullable String id, long ts, byte @Nullable [] data,
      @Nullable String userId, @Nullable String src) {
    this.channel = channel;
    this.seq = seq;
    this.id = id;
    this.ts = ts;
    this.data = data;
    this.userId = userId;
    this.src = src;
  }

  /** The channel. */
  public String channel() {
    return channel;
  }

  /** The channel sequence number (1, 2, 3, ...), as in {@link ChannelMessage#seq()}. */
  public long seq() {
    return seq;
  }

  /** The event id, or null when the message was recorded but its event could not be published. */
  public @Nullable String id() {
    return id;
  }

  /** Unix milliseconds. */
  public long ts() {
    return ts;
  }

  /** The payload as compact UTF-8 JSON text (a copy), or null for a message without one. */
  public byte @Nullable [] dataJson() {
    return data == null ? null : data.clone();
  }

  /** The length of {@link #dataJson()} in bytes (0 without a payload): what the payload costs the history. */
  public int dataLength() {
    return data == null ? 0 : data.length;
  }

  /** The payload parsed into a new tree on each call, or null. */
  public @Nullable JsonNode data() {
    return data == null ? null : StoredJson.decode(data);
  }

  /** The sender, or null. */
  public @Nullable String userId() {
    return userId;
  }

  /** The client id of the request that published it, or null. */
  public @Nullable String src() {
    return src;
  }

  /** This message with its payload parsed, as {@link Realtime#history} returns it. */
  public ChannelMessage toMessage() {
    return new ChannelMessage(channel, seq, id, ts, data(), userId, src);
  }

  @Override
  public String toString() {
    return "StoredMessage[" + channel + " #" + seq + ", id=" + id + ", " + dataLength() + " bytes]";
  }
}
