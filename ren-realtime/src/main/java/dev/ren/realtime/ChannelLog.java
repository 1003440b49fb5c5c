package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The message side of realtime: per channel (in its tenant: {@link ChannelKey}) a sequence number, the opt-in history (kept in the {@link HistoryStore})
 * and the time of the last message (for retention). Each channel's state is guarded by its own monitor, so channels
 * never wait for each other (except for the store's short leaf lock when a message enters history).
 *
 * <p>Ordering: a message gets its sequence number and is queued on the channel's lane of the {@link OrderedOutbox}
 * under the channel's monitor, and is published after the monitor was released; so messages of one channel are
 * published in sequence order, and a slow publish holds up neither the channel's next sequence number nor other
 * channels. A message enters the history when its publish has ended (in sequence order, on the draining thread), so
 * history shows exactly the messages whose publish ended, with their event ids; one whose publish failed is
 * there too (it was applied), without an id.
 *
 * <p>Bounds: a channel's state takes a {@link ChannelSlots} slot when created and returns it when dropped, idle
 * past its retention; the states map therefore shrinks back, and holds at most {@code maxChannels} names.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ChannelLog implements MessageSide {

  private final Clock clock;
  private final HistoryRules rules;
  private final long channelRetentionMs;
  private final long historyRetentionMs;
  private final OrderedOutbox outbox;
  private final ExpiryTimer timer;
  private final HistoryStore store;
  private final ChannelSlots slots;
  /** Channels that had messages; an entry is removed (under its monitor, marked removed) once idle. */
  private final ConcurrentHashMap<ChannelKey, ChannelState> states = new ConcurrentHashMap<>();

  ChannelLog(Clock clock, HistoryRules rules, long channelRetentionMs, long historyRetentionMs, OrderedOutbox outbox,
      ExpiryTimer timer, HistoryStore store, ChannelSlots slots) {
    this.clock = clock;
    this.rules = rules;
    this.channelRetentionMs = channelRetentionMs;
    this.historyRetentionMs = historyRetentionMs;
    this.outbox = outbox;
    this.timer = timer;
    this.store = store;
    this.slots = slots;
  }

  /**
   * Records and publishes a message (arguments already checked).
   *
   * @param payload the payload (a private copy), or null
   * @param stored  its compact JSON, what history keeps; null when the payload is
   * @throws RealtimeFullException if the channel is new and {@code maxChannels} channels are live
   * @throws dev.ren.AppliedButNotPublishedException if the message was recorded but its event not published
   */
  @Override
  public ChannelMessage publish(ChannelKey channel, @Nullable JsonNode payload, byte @Nullable [] stored,
      @Nullable String userId, @Nullable String src) {
    Appended a;
    do {
      ChannelState state = states.computeIfAbsent(channel, this::newState);
      a = append(state, channel, payload, stored, userId, src);
    } while (a == null); // pruned between lookup and lock; take the fresh one
    timer.scheduleAt(a.due);
    String id = outbox.await(a.ticket);
    ChannelMessage m = a.message;
    return new ChannelMessage(m.channel(), m.seq(), id, m.ts(), m.data(), m.userId(), m.src());
  }

  /** Runs inside {@code computeIfAbsent}: the slot is taken only when the state is really created. */
  private ChannelState newState(ChannelKey channel) {
    slots.acquire(channel);
    int limit = rules.limit(channel.channel());
    return new ChannelState(limit > 0 ? store.open(channel.channel(), limit) : null);
  }

  private record Appended(ChannelMessage message, OrderedOutbox.Ticket ticket, long due) {}

  private @Nullable Appended append(ChannelState state, ChannelKey key, @Nullable JsonNode payload,
      byte @Nullable [] stored, @Nullable String userId, @Nullable String src) {
    synchronized (state) {
      if (state.removed) {
        return null;
      }
      long now = clock.millis();
      long seq = ++state.seq;
      state.lastMessageAt = now;
      HistoryStore.Buffer history = state.history;
      String channel = key.channel();
      ChannelMessage message = new ChannelMessage(channel, history != null ? seq : 0, null, now, payload, userId, src);
      // the event carries the channel's tenant: the hub delivers it to that tenant's streams only
      RenEvent.Builder event = RenEvent.realtimeMessage(channel, payload, userId).toBuilder().ts(now).src(src)
          .tenant(key.tenant());
      OrderedOutbox.Settled settled = null;
      if (history != null) {
        HistoryStore.Buffer kept = history;
        event.version(Long.toString(seq));
        // runs on the draining thread, in sequence order, when the publish ended (id null: it failed)
        settled = id -> store.append(kept, seq, id, now, stored, userId, src);
      }
      OrderedOutbox.Ticket ticket = outbox.enqueue(key, event.build(), settled);
      return new Appended(message, ticket, now + retention(state));
    }
  }

  /** Messages above {@code after} (arguments already checked, history enabled for the channel). */
  @Override
  public StoredHistory history(ChannelKey channel, long after, int limit) {
    ChannelState state = states.get(channel);
    HistoryStore.Buffer history;
    long handedOut;
    if (state != null) {
      synchronized (state) {
        history = state.removed ? null : state.history;
        handedOut = state.seq;
      }
      if (history != null) {
        return store.read(history, after, limit, handedOut);
      }
    }
    // nothing held: a client that saw messages on this channel missed its drop, and must start over
    return new StoredHistory(List.of(), 0, after > 0);
  }
  /** Adds the channels of {@code tenant} with a message in the last channel retention period to {@code names}. */
  @Override
  public void addActive(Collection<String> names, long now, @Nullable String tenant) {
    for (Map.Entry<ChannelKey, ChannelState> e : states.entrySet()) {
      if (!Objects.equals(e.getKey().tenant(), tenant)) {
        continue; // another tenant's names are never listed
      }
      ChannelState s = e.getValue();
      synchronized (s) {
        if (!s.removed && s.seq > 0 && now - s.lastMessageAt < channelRetentionMs) {
          names.add(e.getKey().channel());
        }
      }
    }
  }

  /**
   * Drops channel states idle past their retention (their history with them) and schedules the next time one may
   * become due. A message still being published on a dropped state keeps its place on the channel's lane, so the
   * channel's order holds across the drop.
   */
  @Override
  public void prune(long now) {
    long next = Long.MAX_VALUE;
    for (Map.Entry<ChannelKey, ChannelState> e : states.entrySet()) {
      ChannelState s = e.getValue();
      synchronized (s) {
        long due = s.lastMessageAt + retention(s);
        if (due <= now) {
          s.removed = true;
          states.remove(e.getKey(), s);
          HistoryStore.Buffer history = s.history;
          if (history != null) {
            store.close(history);
          }
          slots.release(e.getKey());
        } else {
          next = Math.min(next, due);
        }
      }
    }
    timer.scheduleAt(next);
  }

  private long retention(ChannelState s) {
    return s.history != null ? historyRetentionMs : channelRetentionMs;
  }

  /** A channel's message state; guarded by its own monitor (its history by the store's lock). */
  private static final class ChannelState {
    /** The channel's messages whose publish ended; null on channels without history. */
    final HistoryStore.@Nullable Buffer history;
    /** The last sequence number handed out. */
    long seq;
    long lastMessageAt;
    boolean removed;

    ChannelState(HistoryStore.@Nullable Buffer history) {
      this.history = history;
    }
  }
}
