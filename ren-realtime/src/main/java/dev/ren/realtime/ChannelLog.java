package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The message side of realtime: per channel a sequence number, the opt-in history and the time of the last
 * message (for retention). Each channel's state is guarded by its own monitor, so channels never wait for each
 * other.
 *
 * <p>Ordering: a message gets its sequence number and is queued on the channel's lane of the {@link OrderedOutbox}
 * under the channel's monitor, and is published after the monitor was released; so messages of one channel are
 * published in sequence order, and a slow publish holds up neither the channel's next sequence number nor other
 * channels. A message enters the history when its publish has ended (in sequence order, on the draining thread), so
 * history shows exactly the messages whose publish ended, with their event ids; one whose publish failed is
 * there too (it was applied), without an id.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ChannelLog {

  private final Clock clock;
  private final HistoryRules rules;
  private final long channelRetentionMs;
  private final long historyRetentionMs;
  private final OrderedOutbox outbox;
  private final ExpiryTimer timer;
  /** Channels that had messages; an entry is removed (under its monitor, marked removed) once idle. */
  private final ConcurrentHashMap<String, ChannelState> states = new ConcurrentHashMap<>();

  ChannelLog(Clock clock, HistoryRules rules, long channelRetentionMs, long historyRetentionMs, OrderedOutbox outbox,
      ExpiryTimer timer) {
    this.clock = clock;
    this.rules = rules;
    this.channelRetentionMs = channelRetentionMs;
    this.historyRetentionMs = historyRetentionMs;
    this.outbox = outbox;
    this.timer = timer;
  }

  /**
   * Records and publishes a message (arguments already checked).
   *
   * @throws dev.ren.AppliedButNotPublishedException if the message was recorded but its event not published
   */
  ChannelMessage publish(String channel, @Nullable JsonNode payload, @Nullable String userId, @Nullable String src) {
    Appended a;
    do {
      ChannelState state = states.computeIfAbsent(channel, c -> new ChannelState(rules.limit(c)));
      a = append(state, channel, payload, userId, src);
    } while (a == null); // pruned between lookup and lock; take the fresh one
    timer.scheduleAt(a.due);
    String id = outbox.await(a.ticket);
    ChannelMessage m = a.message;
    return new ChannelMessage(m.channel(), m.seq(), id, m.ts(), m.data(), m.userId(), m.src());
  }

  private record Appended(ChannelMessage message, OrderedOutbox.Ticket ticket, long due) {}

  private @Nullable Appended append(ChannelState state, String channel, @Nullable JsonNode payload,
      @Nullable String userId, @Nullable String src) {
    synchronized (state) {
      if (state.removed) {
        return null;
      }
      long now = clock.millis();
      long seq = ++state.seq;
      state.lastMessageAt = now;
      boolean kept = state.history != null;
      ChannelMessage message = new ChannelMessage(channel, kept ? seq : 0, null, now, payload, userId, src);
      RenEvent.Builder event = RenEvent.realtimeMessage(channel, payload, userId).toBuilder().ts(now).src(src);
      if (kept) {
        event.version(Long.toString(seq));
      }
      OrderedOutbox.Ticket ticket = outbox.enqueue(channel, event.build(), id -> settled(state, message, id));
      return new Appended(message, ticket, now + retention(state));
    }
  }

  /** Runs on the draining thread, in sequence order: the message's publish ended (id null: it failed). */
  private static void settled(ChannelState state, ChannelMessage m, @Nullable String id) {
    synchronized (state) {
      ArrayDeque<ChannelMessage> history = state.history;
      if (history == null) {
        return;
      }
      state.settledSeq = m.seq();
      history.addLast(new ChannelMessage(m.channel(), m.seq(), id, m.ts(), m.data(), m.userId(), m.src()));
      while (history.size() > state.historyLimit) {
        history.removeFirst();
      }
    }
  }

  /** Messages above {@code after} (arguments already checked, history enabled for the channel). */
  ChannelHistory history(String channel, long after, int limit) {
    ChannelState state = states.get(channel);
    if (state == null) {
      return new ChannelHistory(List.of(), 0, false);
    }
    synchronized (state) {
      ArrayDeque<ChannelMessage> history = state.history;
      if (state.removed || history == null) {
        return new ChannelHistory(List.of(), 0, false);
      }
      List<ChannelMessage> page = new ArrayList<>(Math.min(limit, history.size()));
      ChannelMessage first = history.peekFirst();
      long firstHeld = first == null ? state.settledSeq + 1 : first.seq();
      for (ChannelMessage m : history) {
        if (m.seq() > after) {
          page.add(m);
          if (page.size() == limit) {
            break;
          }
        }
      }
      return new ChannelHistory(page, state.settledSeq, after + 1 < firstHeld);
    }
  }

  /** Adds the channels with a message in the last channel retention period to {@code names}. */
  void addActive(Collection<String> names, long now) {
    for (Map.Entry<String, ChannelState> e : states.entrySet()) {
      ChannelState s = e.getValue();
      synchronized (s) {
        if (!s.removed && s.seq > 0 && now - s.lastMessageAt < channelRetentionMs) {
          names.add(e.getKey());
        }
      }
    }
  }

  /**
   * Drops channel states idle past their retention (their history with them) and schedules the next time one may
   * become due. A message still being published on a dropped state keeps its place on the channel's lane, so the
   * channel's order holds across the drop.
   */
  void prune(long now) {
    long next = Long.MAX_VALUE;
    for (Map.Entry<String, ChannelState> e : states.entrySet()) {
      ChannelState s = e.getValue();
      synchronized (s) {
        long due = s.lastMessageAt + retention(s);
        if (due <= now) {
          s.removed = true;
          states.remove(e.getKey(), s);
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

  /** A channel's message state; guarded by its own monitor. */
  private static final class ChannelState {
    /** Messages whose publish ended, oldest first; null on channels without history. */
    final @Nullable ArrayDeque<ChannelMessage> history;
    final int historyLimit;
    /** The last sequence number handed out. */
    long seq;
    /** The sequence number of the newest message in {@link #history} (history channels only). */
    long settledSeq;
    long lastMessageAt;
    boolean removed;

    ChannelState(int historyLimit) {
      this.historyLimit = historyLimit;
      this.history = historyLimit > 0 ? new ArrayDeque<>(Math.min(historyLimit, 64)) : null;
    }
  }
}
