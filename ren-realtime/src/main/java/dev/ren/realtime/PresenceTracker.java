package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.hub.ClientTracker;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Presence: who is on which channel, which holders keep each member, and when a holder expires (see
 * {@link Realtime}'s class comment for the rules). Follows the clients' streams as a {@link dev.ren.hub.ClientListener}.
 *
 * <p>All presence state is guarded by one lock. A change queues its event on the channel's lane of the
 * {@link OrderedOutbox} under that lock and publishes it after releasing it: the events of a member are published
 * in the order its changes were applied, and a slow publish holds up neither presence changes nor other channels.
 *
 * <p>Bounds: members in total and per channel, and the bytes of their metadata (kept as compact JSON, see
 * {@link StoredJson}), are counted under the lock; a join over a bound is refused with {@link RealtimeFullException}
 * before anything changes. A channel's map takes a {@link ChannelSlots} slot with its first member and returns it
 * with its last, so maps keyed by client input shrink back when members leave or expire.
 *
 * <p>Thread-safety: thread-safe.
 */
final class PresenceTracker implements PresenceSide {

  /** Deadline of a holder whose client has a live stream. */
  private static final long LIVE = Long.MAX_VALUE;
  /** Holder key for calls made without a client id. */
  private static final String ANONYMOUS = "";

  private final ClientTracker clients;
  private final Clock clock;
  private final long graceMs;
  private final long ttlMs;
  /** How often a live hold is checked against who opened its client's streams (see {@link #expire}). */
  private final long liveCheckMs;
  private final OrderedOutbox outbox;
  private final ExpiryTimer timer;
  private final ChannelSlots slots;
  private final Bounds bounds;

  // guarded by lock
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<ChannelKey, Map<String, Member>> channels = new HashMap<>();
  private final ClientHolds<Member> clientHolds;
  private int memberCount;
  private long metadataBytes;

  /** The presence bounds: the builder's {@code maxMembers}, {@code maxMembersPerChannel}, {@code maxPresenceBytes}. */
  record Bounds(int maxMembers, int maxMembersPerChannel, long maxPresenceBytes) {}

  PresenceTracker(ClientTracker clients, Clock clock, long graceMs, long ttlMs, OrderedOutbox outbox,
      ExpiryTimer timer, ChannelSlots slots, Bounds bounds) {
    this.clients = clients;
    this.clientHolds = new ClientHolds<>(clients);
    this.clock = clock;
    this.graceMs = graceMs;
    this.ttlMs = ttlMs;
    this.liveCheckMs = Math.max(graceMs, 1_000L);
    this.outbox = outbox;
    this.timer = timer;
    this.slots = slots;
    this.bounds = bounds;
  }

  enum Refresh { ABSENT, CREATED, REFRESHED }

  /**
   * Join ({@code create}) or update, held by {@code cid} (arguments already checked; {@code meta} a private copy,
   * {@code stored} its compact JSON).
   *
   * @param caller the authenticated user making the call (a member it creates is owned by it), or null
   * @throws RealtimeFullException with nothing changed, if a new member or larger metadata is over a bound
   * @throws IdentityRefusedException with nothing changed, if the member is owned by another user than
   *     {@code caller}
   * @throws AppliedButNotPublishedException if the member changed but its event was not published
   */
  @Override
  public Refresh refresh(ChannelKey channel, String userId, JsonNode meta, byte[] stored, boolean create,
      @Nullable String cid, @Nullable String caller) {
    Refresh result;
    OrderedOutbox.Ticket ticket = null;
    long deadline;
    lock.lock();
    try {
      long now = clock.millis();
      Map<String, Member> members = channels.get(channel);
      Member m = members == null ? null : members.get(userId);
      String type;
      if (m == null) {
        if (!create) {
          return Refresh.ABSENT;
        }
        checkRoom(channel, members, stored.length);
        if (members == null) {
          slots.acquire(channel); // the last check: once it passed, nothing below can refuse the join
          members = new LinkedHashMap<>();
          channels.put(channel, members);
        }
        m = new Member(channel, userId, stored, caller);
        members.put(userId, m);
        memberCount++;
        metadataBytes += stored.length;
        type = EventTypes.PRESENCE_JOIN;
        result = Refresh.CREATED;
      } else {
        checkHolder(m, caller);
        long grown = (long) stored.length - m.metadata.length;
        if (grown > 0 && metadataBytes + grown > bounds.maxPresenceBytes()) {
          throw fullBytes(channel);
        }
        if (m.owner == null && caller != null) {
          // the authenticated user claims a member joined anonymously under its name: only its own holds count
          for (String holder : m.holds.keySet()) {
            unindex(holder, m);
          }
          m.holds.clear();
          m.owner = caller;
        }
        type = sameMetadata(m.metadata, stored, meta) ? null : EventTypes.PRESENCE_UPDATE;
        m.metadata = stored;
        metadataBytes += grown;
        result = Refresh.REFRESHED;
      }
      m.lastSeen = now;
      deadline = hold(m, cid, now);
      if (type != null) {
        ticket = outbox.enqueue(channel, event(type, m, meta, cid), null);
      }
    } finally {
      lock.unlock();
    }
    timer.scheduleAt(deadline);
    if (ticket != null) {
      outbox.await(ticket);
    }
    return result;
  }

  /**
   * Drops {@code cid}'s hold, or the member (see the class comment of {@link Realtime}).
   *
   * @return whether the user was present
   * @throws IdentityRefusedException with nothing changed, if the member is owned by another user than
   *     {@code caller}
   * @throws AppliedButNotPublishedException if the member was removed but its leave was not published
   */
  @Override
  public boolean leave(ChannelKey channel, String userId, @Nullable String cid, @Nullable String caller) {
    OrderedOutbox.Ticket ticket;
    lock.lock();
    try {
      Map<String, Member> members = channels.get(channel);
      Member m = members == null ? null : members.get(userId);
      if (m == null) {
        return false;
      }
      checkHolder(m, caller);
      if (cid != null && m.holds.containsKey(cid) && m.holds.size() > 1) {
        m.holds.remove(cid);
        unindex(cid, m);
        return true;
      }
      removeMember(m);
      ticket = leaveEvent(m, cid);
    } finally {
      lock.unlock();
    }
    outbox.await(ticket);
    return true;
  }

  /**
   * The members of a channel in join order, their metadata as stored: a member's array is replaced on update,
   * never changed, so the snapshot shares it and nothing is decoded (or copied) under the lock.
   */
  @Override
  public List<StoredMember> members(ChannelKey channel) {
    lock.lock();
    try {
      Map<String, Member> members = channels.get(channel);
      if (members == null) {
        return List.of();
      }
      List<StoredMember> list = new ArrayList<>(members.size());
      for (Member m : members.values()) {
        list.add(new StoredMember(m.userId, m.metadata, m.lastSeen));
      }
      return list;
    } finally {
      lock.unlock();
    }
  }

  /** Adds the channels of {@code tenant} with members to {@code names}. */
  @Override
  public void addActive(Collection<String> names, @Nullable String tenant) {
    lock.lock();
    try {
      for (ChannelKey k : channels.keySet()) { // a channel's map is removed with its last member
        if (Objects.equals(k.tenant(), tenant)) {
          names.add(k.channel());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Expires holders past their deadline at {@code now}, publishes a (system-caused) leave for each member left
   * without holders, and schedules the next deadline.
   *
   * @throws AppliedButNotPublishedException after all leaves were attempted, if any was not published (the
   *     others are suppressed in it)
   */
  @Override
  public void expire(long now) {
    long next = Long.MAX_VALUE;
    List<OrderedOutbox.Ticket> leaves = new ArrayList<>();
    lock.lock();
    try {
      List<Member> gone = new ArrayList<>();
      for (Map<String, Member> members : channels.values()) {
        for (Member m : members.values()) {
          Iterator<Map.Entry<String, Long>> it = m.holds.entrySet().iterator();
          while (it.hasNext()) {
            Map.Entry<String, Long> h = it.next();
            long deadline = h.getValue();
            if (deadline == LIVE) {
              // the hub tells of a client id's first and last stream, whoever opened them: a stream another
              // caller opened with this client id hides the owner's own last close, so an owned member's live
              // holds are checked here (an anonymous member's cannot be told apart from anyone's: as before)
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
              h.setValue(LIVE); // the client came back while the disconnect was being handled
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
      for (Member m : gone) {
        removeMember(m);
        leaves.add(leaveEvent(m, null));
      }
    } finally {
      lock.unlock();
    }
    timer.scheduleAt(next);
    outbox.awaitAll(leaves);
  }

  @Override
  public void clientConnected(String clientId) {
    lock.lock();
    try {
      for (Member m : clientHolds.of(clientId)) {
        if (connected(clientId, m)) {
          m.holds.put(clientId, LIVE); // a reconnect within grace: nothing happened
        } // else: a stream of another caller with this client id, which keeps nothing of this member alive
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
      Set<Member> held = clientHolds.of(clientId);
      if (held.isEmpty()) {
        return;
      }
      deadline = clock.millis() + graceMs;
      for (Member m : held) {
        m.holds.put(clientId, deadline);
      }
    } finally {
      lock.unlock();
    }
    timer.scheduleAt(deadline);
  }

  /**
   * Queues {@code presence.leave} for a removed member; its metadata tree is decoded when the event is published,
   * not here, so a mass expiry does not hold every leaving member's tree at once. Caller holds the lock.
   */
  private OrderedOutbox.Ticket leaveEvent(Member m, @Nullable String src) {
    byte[] metadata = m.metadata; // the member is gone: nothing changes it any more
    return outbox.enqueue(m.key, EventTypes.PRESENCE_LEAVE,
        () -> event(EventTypes.PRESENCE_LEAVE, m, StoredJson.decode(metadata), src), null);
  }

  private static RenEvent event(String type, Member m, JsonNode metadata, @Nullable String src) {
    // src is captured now: the event may be published by another caller's thread; the tenant is the member's
    return RenEvent.presence(type, m.key.channel(), m.userId, metadata).withSrc(src).withTenant(m.key.tenant());
  }

  /** Checks members in total and on the channel, and metadata bytes (the channel slot last). Caller holds the lock. */
  private void checkRoom(ChannelKey key, @Nullable Map<String, Member> members, int bytes) {
    String channel = key.channel();
    if (memberCount >= bounds.maxMembers()) {
      throw new RealtimeFullException("maxMembers", bounds.maxMembers(),
          "too many presence members on all channels; nobody joined '" + channel + "'");
    }
    if (members != null && members.size() >= bounds.maxMembersPerChannel()) {
      throw new RealtimeFullException("maxMembersPerChannel", bounds.maxMembersPerChannel(),
          "channel '" + channel + "' has as many presence members as it may");
    }
    if (metadataBytes + bytes > bounds.maxPresenceBytes()) {
      throw fullBytes(key);
    }
  }

  private RealtimeFullException fullBytes(ChannelKey key) {
    return new RealtimeFullException("maxPresenceBytes", bounds.maxPresenceBytes(),
        "presence metadata on all channels is at its bound; the change on '" + key.channel() + "' was refused");
  }

  /**
   * Refuses a change of a member owned by another user: only its holder (the same user; the tenant is the key's)
   * updates or leaves it. A member joined anonymously (open mode) is anyone's, as it always was. Caller holds the
   * lock.
   */
  private static void checkHolder(Member m, @Nullable String caller) {
    String owner = m.owner;
    if (owner != null && !owner.equals(caller)) {
      throw new IdentityRefusedException("presence member '" + m.userId + "' on channel '" + m.key.channel()
          + "' is held by its own user; only that user may change it or make it leave");
    }
  }

  /**
   * Whether {@code clientId} has a stream opened by the member's own user in the member's tenant (a client id is a
   * label anyone can send; who opened the stream is not).
   */
  private boolean connected(String clientId, Member m) {
    return clients.isClientConnected(clientId, m.owner, m.key.tenant());
  }

  /** Equal JSON: the same bytes, or (keys in another order, say) equal trees, as the events have always compared. */
  private static boolean sameMetadata(byte[] stored, byte[] fresh, JsonNode freshTree) {
    return Arrays.equals(stored, fresh) || StoredJson.decode(stored).equals(freshTree);
  }

  /** Releases every client id this tracker marked {@linkplain ClientTracker#held held} (realtime is closing). */
  @Override
  public void releaseClients() {
    lock.lock();
    try {
      clientHolds.releaseAll();
    } finally {
      lock.unlock();
    }
  }

  /** Presence members on all channels (for tests and metrics). */
  @Override
  public int memberCount() {
    lock.lock();
    try {
      return memberCount;
    } finally {
      lock.unlock();
    }
  }

  /** Metadata bytes on all channels, as counted against {@code maxPresenceBytes}. */
  long metadataBytes() {
    lock.lock();
    try {
      return metadataBytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records (or refreshes) a holder; returns when the timer must next look at it: its deadline, or for a live
   * hold of an owned member the next check of who holds its client's streams ({@link #LIVE}: never). Caller holds
   * the lock.
   */
  private long hold(Member m, @Nullable String cid, long now) {
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
  private void removeMember(Member m) {
    for (String holder : m.holds.keySet()) {
      unindex(holder, m);
    }
    m.holds.clear();
    Map<String, Member> members = channels.get(m.key);
    if (members != null && members.remove(m.userId, m)) {
      memberCount--;
      metadataBytes -= m.metadata.length;
      if (members.isEmpty()) {
        channels.remove(m.key);
        slots.release(m.key);
      }
    }
  }

  /** Caller holds the lock. */
  private void unindex(String holder, Member m) {
    if (holder.equals(ANONYMOUS)) {
      return;
    }
    clientHolds.remove(holder, m);
  }

  /** A present user; guarded by the lock. Identity equality: it lives in {@code clientHolds} sets. */
  private static final class Member {
    final ChannelKey key;
    final String userId;
    /**
     * The authenticated user that holds this member (always {@link #userId} itself), or null for a member joined
     * anonymously (open mode). Every hold of an owned member is its owner's.
     */
    @Nullable String owner;
    /** Compact JSON (see {@link StoredJson}); replaced on update, never changed, so snapshots may share it. */
    byte[] metadata;
    long lastSeen;
    /** holder (client id, or {@link #ANONYMOUS}) → expiry deadline in clock millis, {@link #LIVE} while streaming. */
    final Map<String, Long> holds = new HashMap<>();

    Member(ChannelKey key, String userId, byte[] metadata, @Nullable String owner) {
      this.key = key;
      this.userId = userId;
      this.metadata = metadata;
      this.owner = owner;
    }
  }
}
