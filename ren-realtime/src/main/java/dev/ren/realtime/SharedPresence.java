package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.hub.ClientTracker;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Presence on several nodes: the members (metadata, owner, join order, bounds) live in a {@link RealtimeBackend},
 * so every node lists the same members; the holds of this node's clients (which client keeps a member present, its
 * grace period and TTL, exactly as {@link PresenceTracker} keeps them) stay here. The backend records which nodes
 * hold a member: when this node's last hold on a member goes, it {@linkplain RealtimeBackend#release releases} it,
 * and the member leaves when no node holds it. Members of a node that died are removed by the backend's sweep on
 * another node, which publishes their {@code presence.leave} ({@link #remoteLeft}).
 *
 * <p>Locks: a change of a channel's members runs under one of {@value SharedChannelLog#STRIPES} stripe locks (chosen
 * by the channel) around the backend call and the queueing of its event, so this node publishes a member's events
 * in the order the backend applied them; {@code lock} guards the local holds only and is never held during a
 * backend call, so the hub's client callbacks never wait for the network. Stripe, then {@code lock}.
 *
 * <p>A release that fails (the backend is unreachable) is retried at the next sweep, at least every second; until
 * it succeeds the member stays present.
 *
 * <p>Thread-safety: thread-safe.
 */
final class SharedPresence implements PresenceSide {

  private static final System.Logger LOG = System.getLogger(SharedPresence.class.getName());
  private static final long LIVE = Long.MAX_VALUE;
  private static final String ANONYMOUS = "";
  private static final long RETRY_MS = 1_000;

  private final RealtimeBackend backend;
  private final ClientTracker clients;
  private final Clock clock;
  private final long graceMs;
  private final long ttlMs;
  private final long liveCheckMs;
  private final OrderedOutbox outbox;
  private final ExpiryTimer timer;
  private final ReentrantLock[] stripes = new ReentrantLock[SharedChannelLog.STRIPES];

  // guarded by lock
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<ChannelKey, Map<String, Local>> locals = new HashMap<>();
  private final ClientHolds<Local> clientHolds;

  SharedPresence(RealtimeBackend backend, ClientTracker clients, Clock clock, long graceMs, long ttlMs,
      OrderedOutbox outbox, ExpiryTimer timer) {
    this.backend = backend;
    this.clients = clients;
    this.clientHolds = new ClientHolds<>(clients);
    this.clock = clock;
    this.graceMs = graceMs;
    this.ttlMs = ttlMs;
    this.liveCheckMs = Math.max(graceMs, 1_000L);
    this.outbox = outbox;
    this.timer = timer;
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  @Override
  public PresenceTracker.Refresh refresh(ChannelKey channel, String userId, JsonNode meta, byte[] stored,
      boolean create, @Nullable String cid, @Nullable String caller) {
    OrderedOutbox.Ticket ticket = null;
    long deadline;
    PresenceTracker.Refresh result;
    ReentrantLock stripe = SharedChannelLog.stripe(stripes, channel);
    stripe.lock();
    try {
      long now = clock.millis();
      RealtimeBackend.Change c = backend.join(channel.tenant(), channel.channel(), userId, stored, caller, create,
          now);
      String type;
      switch (c.kind()) {
        case ABSENT -> {
          return PresenceTracker.Refresh.ABSENT;
        }
        case REFUSED -> throw refused(channel, userId);
        case CREATED -> {
          type = EventTypes.PRESENCE_JOIN;
          result = PresenceTracker.Refresh.CREATED;
        }
        case UPDATED -> {
          byte[] before = c.metadata();
          type = before != null && sameMetadata(before, stored, meta) ? null : EventTypes.PRESENCE_UPDATE;
          result = PresenceTracker.Refresh.REFRESHED;
        }
        default -> throw new IllegalStateException("join answered " + c.kind());
      }
      lock.lock();
      try {
        Local m = locals.computeIfAbsent(channel, k -> new HashMap<>())
            .computeIfAbsent(userId, u -> new Local(channel, userId, caller));
        if (result == PresenceTracker.Refresh.CREATED || (m.owner == null && caller != null)) {
          // a new member (an old one of this name left elsewhere), or one the authenticated user claimed
          for (String holder : m.holds.keySet()) {
            unindex(holder, m);
          }
          m.holds.clear();
          m.owner = caller;
        }
        m.metadata = stored;
        deadline = hold(m, cid, now);
      } finally {
        lock.unlock();
      }
      if (type != null) {
        ticket = outbox.enqueue(channel, event(type, channel, userId, meta, cid), null);
      }
    } finally {
      stripe.unlock();
    }
    timer.scheduleAt(deadline);
    if (ticket != null) {
      outbox.await(ticket);
    }
    return result;
  }

  @Override
  public boolean leave(ChannelKey channel, String userId, @Nullable String cid, @Nullable String caller) {
    OrderedOutbox.Ticket ticket;
    ReentrantLock stripe = SharedChannelLog.stripe(stripes, channel);
    stripe.lock();
    try {
      boolean lastLocalHold;
      lock.lock();
      try {
        Local m = local(channel, userId);
        boolean holds = m != null && cid != null && m.holds.containsKey(cid);
        if (m != null && cid != null && holds) {
          checkHolder(m, caller);
          if (m.holds.size() > 1) {
            m.holds.remove(cid);
            unindex(cid, m);
            return true;
          }
        }
        lastLocalHold = holds;
      } finally {
        lock.unlock();
      }
      RealtimeBackend.Change c = lastLocalHold
          ? backend.release(channel.tenant(), channel.channel(), userId) // other nodes' tabs may keep it
          : backend.remove(channel.tenant(), channel.channel(), userId, caller);
      if (c.kind() == RealtimeBackend.Change.Kind.REFUSED) {
        throw refused(channel, userId);
      }
      dropLocal(channel, userId);
      byte[] metadata = c.metadata();
      if (c.kind() != RealtimeBackend.Change.Kind.REMOVED || metadata == null) {
        return c.kind() != RealtimeBackend.Change.Kind.ABSENT;
      }
      ticket = leaveEvent(channel, userId, metadata, cid);
    } finally {
      stripe.unlock();
    }
    outbox.await(ticket);
    return true;
  }

  @Override
  public List<StoredMember> members(ChannelKey channel) {
    List<RealtimeBackend.Member> members = backend.members(channel.tenant(), channel.channel());
    List<StoredMember> list = new ArrayList<>(members.size());
    for (RealtimeBackend.Member m : members) {
      list.add(new StoredMember(m.userId(), m.metadata(), m.lastSeen()));
    }
    return list;
  }

  /** Nothing: the shared channel log lists the backend's channels, which include those with members. */
  @Override
  public void addActive(Collection<String> names, @Nullable String tenant) {
    // see SharedChannelLog.addActive
  }

  @Override
  public void expire(long now) {
    long next = Long.MAX_VALUE;
    List<Local> gone = new ArrayList<>();
    lock.lock();
    try {
      for (Map<String, Local> members : locals.values()) {
        for (Local m : members.values()) {
          Iterator<Map.Entry<String, Long>> it = m.holds.entrySet().iterator();
          while (it.hasNext()) {
            Map.Entry<String, Long> h = it.next();
            long deadline = h.getValue();
            if (deadline == LIVE) {
              if (m.owner == null) {
                continue;
              }
              if (connected(h.getKey(), m)) {
                next = Math.min(next, now + liveCheckMs);
              } else {
                h.setValue(now + graceMs);
                next = Math.min(next, now + graceMs);
              }
              continue;
            }
            if (deadline > now) {
              next = Math.min(next, deadline);
            } else if (!h.getKey().equals(ANONYMOUS) && connected(h.getKey(), m)) {
              h.setValue(LIVE);
            } else {
              it.remove();
              unindex(h.getKey(), m);
            }
          }
          if (m.holds.isEmpty()) {
            gone.add(m);
          }
        }
      }
    } finally {
      lock.unlock();
    }
    List<OrderedOutbox.Ticket> leaves = new ArrayList<>();
    for (Local m : gone) {
      ReentrantLock stripe = SharedChannelLog.stripe(stripes, m.key);
      stripe.lock();
      try {
        lock.lock();
        try {
          if (!m.holds.isEmpty() || local(m.key, m.userId) != m) {
            continue; // held again, or dropped by a leave, meanwhile
          }
        } finally {
          lock.unlock();
        }
        RealtimeBackend.Change c;
        try {
          c = backend.release(m.key.tenant(), m.key.channel(), m.userId);
        } catch (RealtimeUnavailableException e) {
          next = Math.min(next, now + RETRY_MS); // still held in the backend: try again
          LOG.log(Level.DEBUG, "presence release of '" + m.userId + "' on " + m.key + " failed; retrying", e);
          continue;
        }
        dropLocal(m.key, m.userId);
        byte[] metadata = c.metadata();
        if (c.kind() == RealtimeBackend.Change.Kind.REMOVED && metadata != null) {
          leaves.add(leaveEvent(m.key, m.userId, metadata, null));
        }
      } finally {
        stripe.unlock();
      }
    }
    timer.scheduleAt(next);
    outbox.awaitAll(leaves);
  }

  /** A member of a dead node that the backend removed and this node was told of: its (system-caused) leave. */
  void remoteLeft(ChannelKey channel, String userId, byte[] metadata) {
    OrderedOutbox.Ticket ticket;
    ReentrantLock stripe = SharedChannelLog.stripe(stripes, channel);
    stripe.lock();
    try {
      ticket = leaveEvent(channel, userId, metadata, null);
    } finally {
      stripe.unlock();
    }
    outbox.await(ticket);
  }

  /**
   * The backend lost what this node held (the others took it for dead): records again every member this node's
   * clients still hold, publishing {@code presence.join} for those that had left meanwhile.
   */
  void reassert() {
    List<Local> held = new ArrayList<>();
    lock.lock();
    try {
      for (Map<String, Local> members : locals.values()) {
        for (Local m : members.values()) {
          if (!m.holds.isEmpty()) {
            held.add(m);
          }
        }
      }
    } finally {
      lock.unlock();
    }
    List<OrderedOutbox.Ticket> joins = new ArrayList<>();
    for (Local m : held) {
      ReentrantLock stripe = SharedChannelLog.stripe(stripes, m.key);
      stripe.lock();
      try {
        byte[] metadata;
        String owner;
        lock.lock();
        try {
          metadata = m.metadata;
          owner = m.owner;
        } finally {
          lock.unlock();
        }
        RealtimeBackend.Change c = backend.join(m.key.tenant(), m.key.channel(), m.userId, metadata, owner, true,
            clock.millis());
        if (c.kind() == RealtimeBackend.Change.Kind.CREATED) {
          joins.add(outbox.enqueue(m.key, event(EventTypes.PRESENCE_JOIN, m.key, m.userId,
              StoredJson.decode(metadata), null), null));
        }
      } catch (RealtimeFullException | RealtimeUnavailableException e) {
        LOG.log(Level.WARNING, "presence member '" + m.userId + "' on " + m.key + " could not be recorded again: "
            + e.getMessage());
      } finally {
        stripe.unlock();
      }
    }
    outbox.awaitAll(joins);
  }

  @Override
  public void clientConnected(String clientId) {
    lock.lock();
    try {
      for (Local m : clientHolds.of(clientId)) {
        if (connected(clientId, m)) {
          m.holds.put(clientId, LIVE);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void clientDisconnected(String clientId) {
    long deadline;
    lock.lock();
    try {
      Set<Local> held = clientHolds.of(clientId);
      if (held.isEmpty()) {
        return;
      }
      deadline = clock.millis() + graceMs;
      for (Local m : held) {
        m.holds.put(clientId, deadline);
      }
    } finally {
      lock.unlock();
    }
    timer.scheduleAt(deadline);
  }

  private OrderedOutbox.Ticket leaveEvent(ChannelKey key, String userId, byte[] metadata, @Nullable String src) {
    return outbox.enqueue(key, EventTypes.PRESENCE_LEAVE,
        () -> event(EventTypes.PRESENCE_LEAVE, key, userId, StoredJson.decode(metadata), src), null);
  }

  private static RenEvent event(String type, ChannelKey key, String userId, JsonNode metadata,
      @Nullable String src) {
    return RenEvent.presence(type, key.channel(), userId, metadata).withSrc(src).withTenant(key.tenant());
  }

  private static IdentityRefusedException refused(ChannelKey key, String userId) {
    return new IdentityRefusedException("presence member '" + userId + "' on channel '" + key.channel()
        + "' is held by its own user; only that user may change it or make it leave");
  }

  /** As {@link PresenceTracker}: only the owner changes an owned member (its owner as this node last saw it). */
  private static void checkHolder(Local m, @Nullable String caller) {
    String owner = m.owner;
    if (owner != null && !owner.equals(caller)) {
      throw refused(m.key, m.userId);
    }
  }

  private boolean connected(String clientId, Local m) {
    return clients.isClientConnected(clientId, m.owner, m.key.tenant());
  }

  private static boolean sameMetadata(byte[] stored, byte[] fresh, JsonNode freshTree) {
    return Arrays.equals(stored, fresh) || StoredJson.decode(stored).equals(freshTree);
  }

  /** Caller holds the lock. */
  private @Nullable Local local(ChannelKey key, String userId) {
    Map<String, Local> members = locals.get(key);
    return members == null ? null : members.get(userId);
  }

  /** Forgets this node's holds of a member. */
  private void dropLocal(ChannelKey key, String userId) {
    lock.lock();
    try {
      Map<String, Local> members = locals.get(key);
      Local m = members == null ? null : members.remove(userId);
      if (members != null && m != null) {
        for (String holder : m.holds.keySet()) {
          unindex(holder, m);
        }
        m.holds.clear();
        if (members.isEmpty()) {
          locals.remove(key);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** As {@link PresenceTracker}'s: records (or refreshes) a holder. Caller holds the lock. */
  private long hold(Local m, @Nullable String cid, long now) {
    String key = cid == null ? ANONYMOUS : cid;
    boolean live = cid != null && connected(cid, m);
    long deadline = live ? LIVE : now + ttlMs;
    m.holds.put(key, deadline);
    if (cid != null) {
      clientHolds.add(cid, m);
    }
    return live ? (m.owner != null ? now + liveCheckMs : LIVE) : deadline;
  }

  /** Caller holds the lock. */
  private void unindex(String holder, Local m) {
    if (holder.equals(ANONYMOUS)) {
      return;
    }
    clientHolds.remove(holder, m);
  }

  @Override
  public void releaseClients() {
    lock.lock();
    try {
      clientHolds.releaseAll();
    } finally {
      lock.unlock();
    }
  }

  /** How many members this node's clients hold (for tests). */
  int localMembers() {
    lock.lock();
    try {
      int n = 0;
      for (Map<String, Local> members : locals.values()) {
        n += members.size();
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** A member as far as this node holds it; guarded by the lock. Identity equality. */
  private static final class Local {
    final ChannelKey key;
    final String userId;
    @Nullable String owner;
    /** The metadata of this node's last join or update, to record the member again ({@link #reassert}). */
    byte[] metadata = new byte[0];
    final Map<String, Long> holds = new HashMap<>();

    Local(ChannelKey key, String userId, @Nullable String owner) {
      this.key = key;
      this.userId = userId;
      this.owner = owner;
    }
  }

  @Override
  public int memberCount() {
    return backend.memberCount();
  }
}
