package dev.ren.realtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.EventTypes;
import dev.ren.internal.Printable;
import dev.ren.Registration;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import dev.ren.hub.ClientListener;
import dev.ren.hub.ClientTracker;
import org.jspecify.annotations.Nullable;

import java.io.Closeable;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Realtime channels and presence on top of a {@link RenPublisher} (normally the hub): {@link #publish} emits {@code realtime.message};
 * {@link #join}, {@link #update} and {@link #leave} emit {@code presence.join|update|leave}; opt-in channel
 * history lets a late joiner catch up.
 *
 * <pre>{@code
 * Realtime realtime = Realtime.builder(hub)
 *     .gracePeriod(Duration.ofSeconds(10))
 *     .history("room-*", 100)
 *     .build();
 * realtime.join("room-1", "alice", metadata);            // presence.join, tied to the caller's SSE stream
 * realtime.publish("room-1", payload, "alice");          // realtime.message with v = channel sequence
 * ChannelHistory page = realtime.history("room-1", 0, 50);
 * }</pre>
 *
 * <h2>Presence that cleans itself up</h2>
 * A member is a (channel, userId) pair held by one or more <em>holders</em>: the client id of each request that
 * joined or refreshed it ({@link RenOrigin#current()}, i.e. {@code X-Ren-Client}), or the anonymous holder for
 * calls made without a client id. A user with several connections is one member and leaves when the last holder
 * goes:
 * <ul>
 *   <li>A client holder whose client has an open SSE stream on the hub lives as long as that client has a stream.
 *       When the client's last stream closes, the holder is kept for the {@linkplain Builder#gracePeriod grace
 *       period} (default 10 s); a reconnect within it changes nothing and emits nothing.</li>
 *   <li>A holder without a live stream (anonymous, or a client that never opened one) expires after the
 *       {@linkplain Builder#presenceTtl presence TTL} (default 60 s) unless refreshed by {@link #join} or
 *       {@link #update}.</li>
 *   <li>{@link #leave} called by a client that holds the member drops that client's hold only (a user's other
 *       tabs keep it present); called by anyone else, or without a client id, it removes the member.</li>
 * </ul>
 * Expiry-caused {@code presence.leave} events are system-caused and carry no {@code src}.
 *
 * <h2>History</h2>
 * Channels matching a {@linkplain Builder#history(String, int) history pattern} keep their last N messages.
 * Each message on such a channel gets a per-channel sequence number (1, 2, 3, ...), carried as {@code v} in the
 * {@code realtime.message} event; {@link #history(String, long, int)} returns messages with a sequence number
 * above {@code after}. A client subscribes first, then reads history after 0 and drops live messages whose
 * {@code v} it has already seen.
 *
 * <h2>Limits</h2>
 * Channel names match {@code [A-Za-z0-9_.:-]{1,128}}; user ids are 1 to 256 characters without control
 * characters; payloads and metadata above {@linkplain Builder#maxPayloadBytes 64 KiB} of JSON are rejected with
 * {@link PayloadTooLargeException}. Rejected input changes nothing and emits nothing.
 *
 * <p>Thread-safety: thread-safe. Presence changes are serialised by one lock and their events are published under
 * it, so the events of a member arrive in the order the changes happened; messages on one channel are serialised
 * per channel. Closing stops the expiry timer (and shuts down its executor only if this object created it).
 */
public final class Realtime implements Closeable {

  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final System.Logger LOG = System.getLogger(Realtime.class.getName());
  private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final Pattern HISTORY_PATTERN = Pattern.compile("[A-Za-z0-9_.:*-]{1,128}");
  private static final int MAX_USER_ID = 256;
  /** The largest page {@link #history} returns. */
  public static final int MAX_HISTORY_LIMIT = 1000;
  /** Deadline of a holder whose client has a live stream. */
  private static final long LIVE = Long.MAX_VALUE;
  /** Holder key for calls made without a client id. */
  private static final String ANONYMOUS = "";

  private final RenPublisher hub;
  private final ClientTracker clients;
  private final Registration clientRegistration;
  private final Clock clock;
  private final long graceMs;
  private final long ttlMs;
  private final long channelRetentionMs;
  private final long historyRetentionMs;
  private final int maxPayloadBytes;
  private final List<HistoryRule> historyRules;
  private final ScheduledExecutorService scheduler;
  private final boolean ownScheduler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final StreamTracker streamTracker = new StreamTracker();

  /** Channels that had messages; entries are removed (under their own lock) once idle. */
  private final ConcurrentHashMap<String, ChannelState> channels = new ConcurrentHashMap<>();

  // guarded by lock: presence state and the expiry timer
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Map<String, Member>> presence = new HashMap<>();
  private final Map<String, Set<Member>> clientHolds = new HashMap<>();
  private long nextSweepAt = Long.MAX_VALUE;
  private @Nullable ScheduledFuture<?> sweepTask;

  private Realtime(Builder b) {
    this.hub = b.hub;
    this.clients = b.clients;
    this.clock = b.clock;
    this.graceMs = b.grace.toMillis();
    this.ttlMs = b.ttl.toMillis();
    this.channelRetentionMs = b.channelRetention.toMillis();
    this.historyRetentionMs = b.historyRetention.toMillis();
    this.maxPayloadBytes = b.maxPayloadBytes;
    this.historyRules = List.copyOf(b.historyRules.values());
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownScheduler = false;
    } else {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "ren-realtime-expiry");
        t.setDaemon(true);
        return t;
      });
      s.setRemoveOnCancelPolicy(true);
      this.scheduler = s;
      this.ownScheduler = true;
    }
    this.clientRegistration = clients.addClientListener(streamTracker);
  }

  /** A builder for a {@link Realtime} publishing to {@code hub} and following its clients' streams. */
  public static <H extends RenPublisher & ClientTracker> Builder builder(H hub) {
    return new Builder(hub, hub);
  }

  /** A builder for a {@link Realtime} publishing to {@code publisher}, following the streams {@code clients} sees. */
  public static Builder builder(RenPublisher publisher, ClientTracker clients) {
    return new Builder(publisher, clients);
  }

  /** A {@link Realtime} with the defaults: 10 s grace, 60 s TTL, no history, 64 KiB payloads. */
  public static <H extends RenPublisher & ClientTracker> Realtime create(H hub) {
    return builder(hub).build();
  }

  // ------------------------------------------------------------------------------------------------ messages

  /**
   * Publishes {@code realtime.message} on a channel ({@code src} = the caller's client id).
   *
   * @param data   the payload (any JSON), or null
   * @param userId the sender, or null
   * @return the message as recorded (with its sequence number on history channels)
   * @throws IllegalArgumentException for a bad channel or user id; {@link PayloadTooLargeException} for a payload
   *     over the limit
   */
  public ChannelMessage publish(String channel, @Nullable JsonNode data, @Nullable String userId) {
    checkChannel(channel);
    if (userId != null) {
      checkUserId(userId);
    }
    JsonNode payload = data == null || data.isMissingNode() ? null : data.deepCopy();
    if (payload != null) {
      checkSize("message payload", payload);
    }
    checkOpen();
    String src = RenOrigin.current();
    ChannelMessage message;
    long due;
    while (true) {
      ChannelState state = channels.computeIfAbsent(channel, c -> new ChannelState(historyLimit(c)));
      synchronized (state) {
        if (state.removed) {
          continue; // pruned between lookup and lock; take the fresh one
        }
        long now = clock.millis();
        long seq = state.seq + 1;
        RenEvent.Builder event = RenEvent.realtimeMessage(channel, payload, userId).toBuilder().ts(now);
        if (state.history != null) {
          event.version(Long.toString(seq));
        }
        String id = hub.publish(event.build());
        state.seq = seq;
        state.lastMessageAt = now;
        message = new ChannelMessage(channel, state.history != null ? seq : 0, id, now, payload,
            userId, src);
        if (state.history != null) {
          state.history.addLast(message);
          while (state.history.size() > state.historyLimit) {
            state.history.removeFirst();
          }
        }
        due = now + (state.history != null ? historyRetentionMs : channelRetentionMs);
        break;
      }
    }
    scheduleSweep(due); // outside the channel monitor: the lock order is always lock, then channel monitor
    return message;
  }

  /**
   * Channels with presence members or with messages in the last {@linkplain Builder#channelRetention channel
   * retention} period, sorted by name.
   */
  public List<String> channels() {
    long now = clock.millis();
    TreeSet<String> names = new TreeSet<>();
    for (Map.Entry<String, ChannelState> e : channels.entrySet()) {
      ChannelState s = e.getValue();
      synchronized (s) {
        if (!s.removed && s.seq > 0 && now - s.lastMessageAt < channelRetentionMs) {
          names.add(e.getKey());
        }
      }
    }
    lock.lock();
    try {
      for (Map.Entry<String, Map<String, Member>> e : presence.entrySet()) {
        if (!e.getValue().isEmpty()) {
          names.add(e.getKey());
        }
      }
    } finally {
      lock.unlock();
    }
    return List.copyOf(names);
  }

  /** The largest accepted payload or metadata, in bytes of JSON. */
  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /** Whether messages on {@code channel} are kept for {@link #history}. */
  public boolean historyEnabled(String channel) {
    checkChannel(channel);
    return historyLimit(channel) > 0;
  }

  /**
   * Messages on a history channel with a sequence number above {@code after}, oldest first.
   *
   * @param after a sequence number seen before (0 for everything still held)
   * @param limit at most this many messages, in [1, {@value #MAX_HISTORY_LIMIT}]
   * @throws IllegalArgumentException for a bad channel, a negative {@code after} or a limit out of range
   * @throws IllegalStateException if no history pattern matches the channel
   */
  public ChannelHistory history(String channel, long after, int limit) {
    checkChannel(channel);
    if (after < 0) {
      throw new IllegalArgumentException("after must be a sequence number >= 0, was " + after);
    }
    if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
      throw new IllegalArgumentException("limit must be in [1, " + MAX_HISTORY_LIMIT + "], was " + limit);
    }
    if (historyLimit(channel) == 0) {
      throw new IllegalStateException("history is not enabled for channel '" + channel
          + "'; enable it with Realtime.Builder.history(pattern, messages)");
    }
    ChannelState state = channels.get(channel);
    if (state == null) {
      return new ChannelHistory(List.of(), 0, false);
    }
    synchronized (state) {
      if (state.removed || state.history == null) {
        return new ChannelHistory(List.of(), 0, false);
      }
      List<ChannelMessage> page = new ArrayList<>(Math.min(limit, state.history.size()));
      long firstHeld = state.history.isEmpty() ? state.seq + 1 : state.history.peekFirst().seq();
      for (ChannelMessage m : state.history) {
        if (m.seq() > after) {
          page.add(m);
          if (page.size() == limit) {
            break;
          }
        }
      }
      return new ChannelHistory(page, state.seq, after + 1 < firstHeld);
    }
  }

  // ------------------------------------------------------------------------------------------------ presence

  /**
   * Makes {@code userId} present on {@code channel}, held by the caller's client id (see the class comment).
   * Emits {@code presence.join} for a new member, {@code presence.update} when the member was present with
   * different metadata, nothing when identical.
   *
   * @param metadata any JSON, or null for {@code {}}
   * @return true if the user was not present before
   */
  public boolean join(String channel, String userId, @Nullable JsonNode metadata) {
    return refresh(channel, userId, metadata, true) == Refresh.CREATED;
  }

  /**
   * Changes a present member's metadata and refreshes the caller's hold; emits {@code presence.update} when the
   * metadata differs (nothing when identical).
   *
   * @return false, with nothing changed, if the user is not present
   */
  public boolean update(String channel, String userId, @Nullable JsonNode metadata) {
    return refresh(channel, userId, metadata, false) == Refresh.REFRESHED;
  }

  /**
   * Removes the caller's hold on the member, or the whole member when the caller holds nothing or is the last
   * holder (see the class comment); emits {@code presence.leave} when the member is gone.
   *
   * @return whether the user was present
   */
  public boolean leave(String channel, String userId) {
    checkChannel(channel);
    checkUserId(userId);
    checkOpen();
    String cid = RenOrigin.current();
    lock.lock();
    try {
      Map<String, Member> members = presence.get(channel);
      Member m = members == null ? null : members.get(userId);
      if (m == null) {
        return false;
      }
      if (cid != null && m.holds.containsKey(cid) && m.holds.size() > 1) {
        m.holds.remove(cid);
        unindex(cid, m);
        return true;
      }
      removeMember(m);
      publishPresence(EventTypes.PRESENCE_LEAVE, m);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The members of a channel in join order. */
  public List<PresenceMember> members(String channel) {
    checkChannel(channel);
    lock.lock();
    try {
      Map<String, Member> members = presence.get(channel);
      if (members == null) {
        return List.of();
      }
      List<PresenceMember> list = new ArrayList<>(members.size());
      for (Member m : members.values()) {
        list.add(new PresenceMember(m.userId, m.metadata, m.lastSeen));
      }
      return list;
    } finally {
      lock.unlock();
    }
  }

  private enum Refresh { ABSENT, CREATED, REFRESHED }

  /** Join or update. */
  private Refresh refresh(String channel, String userId, @Nullable JsonNode metadata, boolean create) {
    checkChannel(channel);
    checkUserId(userId);
    JsonNode meta = metadata == null || metadata.isNull() || metadata.isMissingNode()
        ? JsonNodeFactory.instance.objectNode() : metadata.deepCopy();
    checkSize("presence metadata", meta);
    checkOpen();
    String cid = RenOrigin.current();
    lock.lock();
    try {
      long now = clock.millis();
      Map<String, Member> members = presence.get(channel);
      Member m = members == null ? null : members.get(userId);
      if (m == null && !create) {
        return Refresh.ABSENT;
      }
      boolean isNew = m == null;
      String type;
      if (isNew) {
        m = new Member(channel, userId, meta);
        presence.computeIfAbsent(channel, c -> new LinkedHashMap<>()).put(userId, m);
        type = EventTypes.PRESENCE_JOIN;
      } else {
        type = m.metadata.equals(meta) ? null : EventTypes.PRESENCE_UPDATE;
        m.metadata = meta;
      }
      m.lastSeen = now;
      hold(m, cid, now);
      if (type != null) {
        publishPresence(type, m);
      }
      return isNew ? Refresh.CREATED : Refresh.REFRESHED;
    } finally {
      lock.unlock();
    }
  }

  /** Records (or refreshes) a holder. Caller holds the lock. */
  private void hold(Member m, @Nullable String cid, long now) {
    String key = cid == null ? ANONYMOUS : cid;
    long deadline = cid != null && clients.isClientConnected(cid) ? LIVE : now + ttlMs;
    m.holds.put(key, deadline);
    if (cid != null) {
      clientHolds.computeIfAbsent(cid, c -> new HashSet<>()).add(m);
    }
    if (deadline != LIVE) {
      scheduleSweep(deadline);
    }
  }

  /** Caller holds the lock. */
  private void removeMember(Member m) {
    for (String holder : m.holds.keySet()) {
      unindex(holder, m);
    }
    m.holds.clear();
    Map<String, Member> members = presence.get(m.channel);
    if (members != null) {
      members.remove(m.userId);
      if (members.isEmpty()) {
        presence.remove(m.channel);
      }
    }
  }

  private void unindex(String holder, Member m) {
    if (holder.equals(ANONYMOUS)) {
      return;
    }
    Set<Member> held = clientHolds.get(holder);
    if (held != null) {
      held.remove(m);
      if (held.isEmpty()) {
        clientHolds.remove(holder);
      }
    }
  }

  /** Caller holds the lock: events of one member leave in the order its changes happened. */
  private void publishPresence(String type, Member m) {
    hub.publish(RenEvent.presence(type, m.channel, m.userId, m.metadata));
  }

  /** Tells presence when a client's first stream opens and its last one closes. */
  private final class StreamTracker implements ClientListener {
    @Override
    public void clientConnected(String clientId) {
      if (closed.get()) {
        return;
      }
      lock.lock();
      try {
        Set<Member> held = clientHolds.get(clientId);
        if (held != null) {
          for (Member m : held) {
            m.holds.put(clientId, LIVE); // a reconnect within grace: nothing happened
          }
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void clientDisconnected(String clientId) {
      if (closed.get()) {
        return;
      }
      lock.lock();
      try {
        Set<Member> held = clientHolds.get(clientId);
        if (held == null) {
          return;
        }
        long deadline = clock.millis() + graceMs;
        for (Member m : held) {
          m.holds.put(clientId, deadline);
        }
        scheduleSweep(deadline);
      } finally {
        lock.unlock();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ expiry

  /**
   * Expires what is due now: holders past their grace period or TTL (emitting {@code presence.leave} for members
   * left without holders) and idle channels. Runs by itself on the scheduler; tests driving a manual
   * {@link Builder#clock clock} call it after moving the clock.
   */
  public void sweep() {
    if (closed.get()) {
      return;
    }
    long now = clock.millis();
    long next = Long.MAX_VALUE;
    // expiry is system-caused: its events carry no src whatever thread runs it
    try (RenOrigin.Scope scope = RenOrigin.open(null)) {
      lock.lock();
      try {
        nextSweepAt = Long.MAX_VALUE;
        if (sweepTask != null) {
          sweepTask.cancel(false); // run early by a caller; the next one is scheduled below
          sweepTask = null;
        }
        List<Member> gone = new ArrayList<>();
        for (Map<String, Member> members : presence.values()) {
          for (Member m : members.values()) {
            Iterator<Map.Entry<String, Long>> it = m.holds.entrySet().iterator();
            while (it.hasNext()) {
              Map.Entry<String, Long> h = it.next();
              long deadline = h.getValue();
              if (deadline == LIVE) {
                continue;
              }
              if (deadline > now) {
                next = Math.min(next, deadline);
              } else if (!h.getKey().equals(ANONYMOUS) && clients.isClientConnected(h.getKey())) {
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
          try {
            publishPresence(EventTypes.PRESENCE_LEAVE, m);
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not publish presence.leave for " + m.userId + " on " + m.channel, e);
          }
        }
        next = Math.min(next, pruneChannels(now));
        if (next != Long.MAX_VALUE) {
          scheduleSweep(next);
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /** Drops channel states idle past their retention; returns the next time one may become due. */
  private long pruneChannels(long now) {
    long next = Long.MAX_VALUE;
    for (ChannelState s : channels.values()) {
      synchronized (s) {
        long due = s.lastMessageAt + (s.history != null ? historyRetentionMs : channelRetentionMs);
        if (due <= now) {
          s.removed = true;
          channels.values().remove(s);
        } else {
          next = Math.min(next, due);
        }
      }
    }
    return next;
  }

  /** Makes sure a sweep runs at or soon after {@code at} (clock millis). */
  private void scheduleSweep(long at) {
    lock.lock();
    try {
      if (at >= nextSweepAt || closed.get()) {
        return;
      }
      nextSweepAt = at;
      if (sweepTask != null) {
        sweepTask.cancel(false);
      }
      long delay = Math.max(0, at - clock.millis());
      try {
        sweepTask = scheduler.schedule(this::sweepSafely, delay, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        // a rejected schedule (executor shut down by its owner) must not fail the caller's write
        LOG.log(Level.WARNING, "could not schedule presence expiry", e);
        nextSweepAt = Long.MAX_VALUE;
      }
    } finally {
      lock.unlock();
    }
  }

  private void sweepSafely() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "presence expiry failed", e);
    }
  }

  /** Stops the expiry timer; shuts down the scheduler only if this object created it. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    clientRegistration.close();
    lock.lock();
    try {
      if (sweepTask != null) {
        sweepTask.cancel(false);
        sweepTask = null;
      }
    } finally {
      lock.unlock();
    }
    if (ownScheduler) {
      scheduler.shutdownNow();
    }
  }

  // ------------------------------------------------------------------------------------------------ validation

  /** Whether {@code channel} is a valid channel name: {@code [A-Za-z0-9_.:-]{1,128}}. */
  public static boolean isValidChannel(@Nullable String channel) {
    return channel != null && channel.length() <= 128 && CHANNEL.matcher(channel).matches();
  }

  /** Throws unless {@code channel} is a valid channel name. */
  public static String checkChannel(@Nullable String channel) {
    if (channel == null) {
      throw new IllegalArgumentException("channel is required");
    }
    if (!isValidChannel(channel)) {
      throw new IllegalArgumentException("channel '" + Printable.of(channel) + "' must match [A-Za-z0-9_.:-]{1,128}");
    }
    return channel;
  }

  /** Throws unless {@code userId} is 1 to 256 characters without control characters. */
  public static String checkUserId(@Nullable String userId) {
    if (userId == null || userId.isEmpty()) {
      throw new IllegalArgumentException("userId is required");
    }
    if (userId.length() > MAX_USER_ID) {
      throw new IllegalArgumentException("userId is " + userId.length() + " characters; at most " + MAX_USER_ID);
    }
    for (int i = 0; i < userId.length(); i++) {
      if (Character.isISOControl(userId.charAt(i))) {
        throw new IllegalArgumentException("userId '" + Printable.of(userId) + "' must not contain control characters");
      }
    }
    return userId;
  }

  private void checkSize(String what, JsonNode node) {
    int size;
    try {
      size = MAPPER.writeValueAsBytes(node).length;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
    if (size > maxPayloadBytes) {
      throw new PayloadTooLargeException(what, size, maxPayloadBytes);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("realtime is closed");
    }
  }

  private int historyLimit(String channel) {
    for (HistoryRule r : historyRules) {
      if (r.regex.matcher(channel).matches()) {
        return r.messages;
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------------------ state

  /** A channel's message state; guarded by its own monitor. */
  private static final class ChannelState {
    final @Nullable ArrayDeque<ChannelMessage> history;
    final int historyLimit;
    long seq;
    long lastMessageAt;
    boolean removed;

    ChannelState(int historyLimit) {
      this.historyLimit = historyLimit;
      this.history = historyLimit > 0 ? new ArrayDeque<>(Math.min(historyLimit, 64)) : null;
    }
  }

  /** A present user; guarded by {@link #lock}. Identity equality: it lives in {@link #clientHolds} sets. */
  private static final class Member {
    final String channel;
    final String userId;
    JsonNode metadata;
    long lastSeen;
    /** holder (client id, or {@link #ANONYMOUS}) → expiry deadline in clock millis, {@link #LIVE} while streaming. */
    final Map<String, Long> holds = new HashMap<>();

    Member(String channel, String userId, JsonNode metadata) {
      this.channel = channel;
      this.userId = userId;
      this.metadata = metadata;
    }
  }

  private record HistoryRule(String pattern, Pattern regex, int messages) {}

  // ------------------------------------------------------------------------------------------------ builder

  /**
   * Configures a {@link Realtime}. Each setting may be given once; a repeated one fails naming the old value.
   *
   * <p>Thread-safety: not thread-safe; the built object is.
   */
  public static final class Builder {
    private final RenPublisher hub;
    private final ClientTracker clients;
    private Duration grace = Duration.ofSeconds(10);
    private Duration ttl = Duration.ofSeconds(60);
    private Duration channelRetention = Duration.ofMinutes(5);
    private Duration historyRetention = Duration.ofHours(24);
    private int maxPayloadBytes = 64 << 10;
    private Clock clock = Clock.systemUTC();
    private @Nullable ScheduledExecutorService scheduler;
    private final Map<String, HistoryRule> historyRules = new LinkedHashMap<>();
    private final Set<String> set = new HashSet<>();

    private Builder(RenPublisher hub, ClientTracker clients) {
      this.hub = Objects.requireNonNull(hub, "hub");
      this.clients = Objects.requireNonNull(clients, "clients");
    }

    private void once(String name, Object old) {
      if (!set.add(name)) {
        throw new IllegalStateException(name + " was already set to " + old);
      }
    }

    /** How long a member held by a client outlives the client's last stream; default 10 s. */
    public Builder gracePeriod(Duration d) {
      once("gracePeriod", grace);
      this.grace = checkDuration("gracePeriod", d, true);
      return this;
    }

    /** How long a hold without a live stream lasts unless refreshed by join/update; default 60 s. */
    public Builder presenceTtl(Duration d) {
      once("presenceTtl", ttl);
      this.ttl = checkDuration("presenceTtl", d, false);
      return this;
    }

    /** How long a channel without members stays in {@link Realtime#channels} after its last message; default 5 min. */
    public Builder channelRetention(Duration d) {
      once("channelRetention", channelRetention);
      this.channelRetention = checkDuration("channelRetention", d, false);
      return this;
    }

    /** How long a history channel keeps its messages after the last one; default 24 h. */
    public Builder historyRetention(Duration d) {
      once("historyRetention", historyRetention);
      this.historyRetention = checkDuration("historyRetention", d, false);
      return this;
    }

    /**
     * Keeps the last {@code messages} messages of channels matching {@code pattern} ({@code *} matches any run of
     * characters, e.g. {@code room-*}). Patterns are tried in the order given; the first match wins.
     */
    public Builder history(String pattern, int messages) {
      Objects.requireNonNull(pattern, "pattern");
      if (!HISTORY_PATTERN.matcher(pattern).matches()) {
        throw new IllegalArgumentException("history pattern '" + Printable.of(pattern)
            + "' must match [A-Za-z0-9_.:*-]{1,128}");
      }
      if (messages < 1 || messages > 100_000) {
        throw new IllegalArgumentException("history messages must be in [1, 100000], was " + messages);
      }
      HistoryRule old = historyRules.get(pattern);
      if (old != null) {
        throw new IllegalStateException("history for pattern '" + pattern + "' was already set to "
            + old.messages + " messages");
      }
      StringBuilder regex = new StringBuilder();
      for (String part : pattern.split("\\*", -1)) {
        if (regex.length() > 0) {
          regex.append(".*");
        }
        regex.append(Pattern.quote(part));
      }
      // Pattern.quote("") yields \Q\E, harmless
      historyRules.put(pattern, new HistoryRule(pattern, Pattern.compile(regex.toString()), messages));
      return this;
    }

    /** Largest message payload or presence metadata, in bytes of JSON; default 64 KiB. */
    public Builder maxPayloadBytes(int bytes) {
      once("maxPayloadBytes", maxPayloadBytes);
      if (bytes < 16 || bytes > (16 << 20)) {
        throw new IllegalArgumentException("maxPayloadBytes must be in [16, 16 MiB], was " + bytes);
      }
      this.maxPayloadBytes = bytes;
      return this;
    }

    /** The clock for timestamps and expiry; default the system clock. Tests pass a manual one and call sweep. */
    public Builder clock(Clock c) {
      once("clock", clock);
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Runs expiry; default a daemon thread owned (and shut down) by the built object. Never shut down by it. */
    public Builder scheduler(ScheduledExecutorService s) {
      once("scheduler", scheduler);
      this.scheduler = Objects.requireNonNull(s, "scheduler");
      return this;
    }

    public Realtime build() {
      return new Realtime(this);
    }

    private static Duration checkDuration(String name, Duration d, boolean zeroAllowed) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || (!zeroAllowed && d.isZero()) || d.compareTo(Duration.ofDays(365)) > 0) {
        throw new IllegalArgumentException(name + " must be in " + (zeroAllowed ? "[0" : "(0") + ", 365 days], was "
            + d);
      }
      return d;
    }
  }
}
