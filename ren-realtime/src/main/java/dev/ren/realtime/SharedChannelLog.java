package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The message side of realtime in a {@link RealtimeBackend} shared by several nodes: the backend numbers and stores
 * each message atomically ({@link RealtimeBackend#append}), and this node publishes its event.
 *
 * <p>Ordering: on this node, a channel's messages are numbered and queued on the channel's lane of the
 * {@link OrderedOutbox} under one of {@value #STRIPES} locks (chosen by the channel), so this node publishes them in
 * sequence order; across nodes the backend's order decides the numbers, and events published by two nodes at once
 * may reach streams in either order (a subscriber keeps the numbers it has seen, or reads history to fill a gap:
 * a message is in the history from the moment its number exists).
 *
 * <p>Retention and bounds are the backend's (it sweeps idle channels itself), so {@link #prune} does nothing.
 *
 * <p>Thread-safety: thread-safe.
 */
final class SharedChannelLog implements MessageSide {

  static final int STRIPES = 64;

  private final RealtimeBackend backend;
  private final Clock clock;
  private final HistoryRules rules;
  private final OrderedOutbox outbox;
  private final long maxPageBytes;
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

  SharedChannelLog(RealtimeBackend backend, Clock clock, HistoryRules rules, OrderedOutbox outbox,
      long maxPageBytes) {
    this.backend = backend;
    this.clock = clock;
    this.rules = rules;
    this.outbox = outbox;
    this.maxPageBytes = maxPageBytes;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  static ReentrantLock stripe(ReentrantLock[] stripes, ChannelKey key) {
    return stripes[Math.floorMod(key.hashCode(), stripes.length)];
  }

  @Override
  public ChannelMessage publish(ChannelKey key, @Nullable JsonNode payload, byte @Nullable [] stored,
      @Nullable String userId, @Nullable String src) {
    String channel = key.channel();
    String tenant = key.tenant();
    int limit = rules.limit(channel);
    OrderedOutbox.Ticket ticket;
    long seq;
    long now;
    ReentrantLock lock = stripe(stripes, key);
    lock.lock();
    try {
      now = clock.millis();
      seq = backend.append(tenant, channel, limit, now, stored, userId, src); // nothing applied if it throws
      RenEvent.Builder event = RenEvent.realtimeMessage(channel, payload, userId).toBuilder().ts(now).src(src)
          .tenant(tenant);
      OrderedOutbox.Settled settled = null;
      if (limit > 0) {
        event.version(Long.toString(seq));
        long s = seq;
        settled = id -> {
          if (id != null) {
            backend.published(tenant, channel, s, id);
          }
        };
      }
      ticket = outbox.enqueue(key, event.build(), settled);
    } finally {
      lock.unlock();
    }
    String id = outbox.await(ticket);
    return new ChannelMessage(channel, limit > 0 ? seq : 0, id, now, payload, userId, src);
  }

  @Override
  public StoredHistory history(ChannelKey key, long after, int limit) {
    RealtimeBackend.Page page = backend.history(key.tenant(), key.channel(), after, limit, maxPageBytes);
    List<StoredMessage> messages = new ArrayList<>(page.messages().size());
    for (RealtimeBackend.Message m : page.messages()) {
      messages.add(new StoredMessage(key.channel(), m.seq(), m.id(), m.ts(), m.data(), m.userId(), m.src()));
    }
    return new StoredHistory(messages, page.lastSeq(), page.truncated());
  }

  /** The tenant's channels with recent messages or members: the backend knows both, for every node. */
  @Override
  public void addActive(Collection<String> names, long now, @Nullable String tenant) {
    names.addAll(backend.channels(tenant));
  }

  @Override
  public void prune(long now) {
    // the backend drops idle channels itself, once for all nodes
  }
}
