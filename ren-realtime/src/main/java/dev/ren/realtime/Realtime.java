package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.AppliedButNotPublishedException;
import dev.ren.Registration;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import dev.ren.access.RenCaller;
import dev.ren.hub.ClientTracker;
import dev.ren.internal.Settings;
import org.jspecify.annotations.Nullable;

import java.io.Closeable;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Realtime channels and presence on top of a {@link RenPublisher} (normally the hub): {@link #publish} emits
 * {@code realtime.message}; {@link #join}, {@link #update} and {@link #leave} emit
 * {@code presence.join|update|leave}; opt-in channel history lets a late joiner catch up.
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
 *   <li>A member joined by an authenticated user ({@link #as}) is kept live only by streams that user opened in
 *       the member's tenant; one opened by someone else with the same client id counts for nothing. The hub tells
 *       only of a client id's first and last stream, so a live hold is re-checked at every sweep (at least every
 *       grace period): a member whose user's streams closed while another caller's stream with that client id
 *       stays open leaves within two grace periods.</li>
 * </ul>
 * Expiry-caused {@code presence.leave} events are system-caused and carry no {@code src}.
 *
 * <h2>Tenants and identities</h2>
 * All state is keyed by (tenant, channel): {@link #tenant(String)} is a view of one tenant's channels, history,
 * sequence numbers and members, whose events carry the tenant (the hub delivers them to that tenant's streams
 * only); the built object is the default tenant, unchanged. {@link #as(String)} is a view acting as an
 * authenticated user: it cannot publish, join, update or leave as anyone else ({@link IdentityRefusedException}),
 * its members are held by that user alone, and only streams that user opened in that tenant keep them present.
 * Bounds are store-wide, one budget for all tenants.
 *
 * <h2>History</h2>
 * Channels matching a {@linkplain Builder#history(String, int) history pattern} keep their last N messages, for
 * {@linkplain Builder#historyRetention one hour} (by default) after the channel's last message. History is a cache
 * bounded in bytes: all channels together keep at most {@linkplain Builder#maxHistoryBytes 16 MiB} (by default) of
 * messages, counted as stored (payloads are kept as compact JSON); a message that would exceed it drops the oldest
 * messages of any channel, so publishing never fails because history is full. A reader that finds messages it
 * asked for gone sees {@link ChannelHistory#truncated()}.
 * Each message on such a channel gets a per-channel sequence number (1, 2, 3, ...), carried as {@code v} in the
 * {@code realtime.message} event; {@link #history(String, long, int)} returns messages with a sequence number
 * above {@code after}. A client subscribes first, then reads history after 0 and drops live messages whose
 * {@code v} it has already seen.
 *
 * <h2>Limits</h2>
 * Channel names match {@code [A-Za-z0-9_.:-]{1,128}}; user ids are 1 to 256 characters without control
 * characters; payloads and metadata above {@linkplain Builder#maxPayloadBytes 64 KiB} of compact JSON are rejected
 * with {@link PayloadTooLargeException}. What clients can make realtime keep is bounded, each bound a builder
 * setting; a change beyond one is refused with {@link RealtimeFullException}:
 * <ul>
 *   <li>{@linkplain Builder#maxChannels live channels} (with recent messages, history or members): 10,000;</li>
 *   <li>{@linkplain Builder#maxMembers presence members} on all channels: 10,000, and
 *       {@linkplain Builder#maxMembersPerChannel on one channel}: 1,000;</li>
 *   <li>{@linkplain Builder#maxPresenceBytes presence metadata} on all channels: 16 MiB of compact JSON.</li>
 * </ul>
 * A channel's entries are dropped when it is idle (no message within its retention, no members), so what clients
 * named shrinks back. Rejected input changes nothing and emits nothing.
 *
 * <h2>Publishing and failures</h2>
 * A change is applied under a lock and its event is published after the lock was released (a publish to a remote
 * log is a network round-trip), yet in order: the messages of a channel in sequence order, the presence events of
 * a member in the order its changes were applied. A call returns once its own event was published. When that
 * fails, the change stays applied (the message is in the history, without an event id; the member joined, changed
 * or left) and the call throws {@link AppliedButNotPublishedException} — also when another caller's thread
 * happened to publish the event. Expiry-caused leaves that cannot be published make {@link #sweep} throw after it
 * expired everything due; the expiry timer logs them.
 *
 * <h2>Several nodes</h2>
 * By default everything lives in this process. With {@linkplain Builder#backend a backend} (ren-realtime-redis),
 * sequence numbers, history, live channels and presence members are shared by every node on it: a channel has one
 * sequence and one history for the cluster, every node lists the same members, and the bounds above hold for the
 * whole cluster. Each node still publishes the events of its own calls, and keeps the holds of its own clients;
 * a node that dies is noticed by the backend, and its members leave on the others. Events of two nodes published
 * at once may reach a stream in either order; their sequence numbers tell the order, and history fills a gap.
 *
 * <h2>JSON as text, without trees</h2>
 * Payloads and metadata are kept as compact JSON bytes ({@link StoredJson}), never as trees. The {@code ...Json}
 * methods take and give that text: {@link #publishJson}, {@link #joinJson} and {@link #updateJson} check, compact
 * and measure text by a streaming copy before any tree exists (an HTTP body of {@code [{},{},...]} would cost about
 * thirty times its size as a tree); {@link #historyJson} and {@link #membersJson} hand out the stored bytes. A tree
 * is built only where one is needed: the payload of the event handed to the publisher, and what {@link #history}
 * and {@link #members} return.
 *
 * <p>Size: about 600 lines, on purpose: this class and its builder are the module's whole public surface
 * (the behaviour is in {@link ChannelLog}, {@link HistoryStore}, {@link PresenceTracker} and {@link OrderedOutbox}),
 * and each setting's Javadoc states its default and bound, which is what makes it long.
 *
 * <p>Thread-safety: thread-safe. Channels are independent of each other and of presence; a publish in progress
 * holds up only later events of the same channel. Closing stops the expiry timer (and shuts down its executor only
 * if this object created it).
 */
public final class Realtime implements Closeable {

  private static final System.Logger LOG = System.getLogger(Realtime.class.getName());
  private static final String PAYLOAD = "message payload";
  private static final String METADATA = "presence metadata";
  /** The largest page {@link #history} returns. */
  public static final int MAX_HISTORY_LIMIT = 1000;
  /** A history page ends after this many stored bytes (with at least one message); the reader pages on. */
  static final long MAX_HISTORY_PAGE_BYTES = 1 << 20;

  private final Clock clock;
  private final long channelRetentionMs;
  private final int maxPayloadBytes;
  private final HistoryRules historyRules;
  private final ExpiryTimer timer;
  private final HistoryStore historyStore;
  private final ChannelSlots slots;
  private final MessageSide channels;
  private final PresenceSide presence;
  /** The shared store of several nodes, or null: everything in this process. */
  private final @Nullable RealtimeBackend backend;
  private final Registration clientRegistration;
  private final AtomicBoolean closed;
  /** The tenant this object works in (null: the default tenant). */
  private final @Nullable String tenant;
  /** The authenticated user this object acts as, or null (anonymous: open mode, as before tenants and users). */
  private final @Nullable String user;
  /** Whether this is a view ({@link #tenant(String)}, {@link #as(String)}) of another object, which owns the timer. */
  private final boolean view;

  private Realtime(Builder b) {
    this.closed = new AtomicBoolean();
    this.tenant = null;
    this.user = null;
    this.view = false;
    this.clock = b.clock;
    this.channelRetentionMs = b.channelRetention.toMillis();
    this.maxPayloadBytes = b.maxPayloadBytes;
    this.historyRules = HistoryRules.of(b.historyRules);
    this.timer = new ExpiryTimer(clock, b.scheduler, this::sweepQuietly);
    this.historyStore = new HistoryStore(b.maxHistoryBytes, MAX_HISTORY_PAGE_BYTES);
    this.slots = new ChannelSlots(b.maxChannels);
    this.backend = b.backend;
    RealtimeBackend shared = b.backend;
    if (shared == null) {
      this.channels = new ChannelLog(clock, historyRules, channelRetentionMs, b.historyRetention.toMillis(),
          new OrderedOutbox(b.publisher), timer, historyStore, slots);
      this.presence = new PresenceTracker(b.clients, clock, b.grace.toMillis(), b.ttl.toMillis(),
          new OrderedOutbox(b.publisher), timer, slots,
          new PresenceTracker.Bounds(b.maxMembers, b.maxMembersPerChannel, b.maxPresenceBytes));
    } else {
      this.channels = new SharedChannelLog(shared, clock, historyRules, new OrderedOutbox(b.publisher),
          MAX_HISTORY_PAGE_BYTES);
      SharedPresence sharedPresence = new SharedPresence(shared, b.clients, clock, b.grace.toMillis(),
          b.ttl.toMillis(), new OrderedOutbox(b.publisher), timer);
      this.presence = sharedPresence;
      shared.start(new RealtimeBackend.Config(b.maxChannels, b.maxHistoryBytes, b.historyRetention.toMillis(),
          channelRetentionMs, b.maxMembers, b.maxMembersPerChannel, b.maxPresenceBytes),
          new BackendListener(sharedPresence));
    }
    this.clientRegistration = b.clients.addClientListener(presence);
  }

  /** What the backend tells: leaves of members of dead nodes (published here), and this node's own loss. */
  private static final class BackendListener implements RealtimeBackend.Listener {
    private final SharedPresence presence;

    BackendListener(SharedPresence presence) {
      this.presence = presence;
    }

    @Override
    public void left(@Nullable String tenant, String channel, String userId, byte[] metadata) {
      try {
        presence.remoteLeft(new ChannelKey(tenant, channel), userId, metadata);
      } catch (AppliedButNotPublishedException e) {
        LOG.log(Level.WARNING, "a member of a dead node left, but its presence.leave could not be published", e);
      }
    }

    @Override
    public void lost() {
      LOG.log(Level.WARNING, "the other nodes took this node for dead (its heartbeat lapsed); recording the "
          + "members its clients hold again");
      try {
        presence.reassert();
      } catch (AppliedButNotPublishedException e) {
        LOG.log(Level.WARNING, "a presence.join could not be published", e);
      }
    }
  }

  /** A view of {@code base}'s state in {@code tenant} acting as {@code user}. */
  private Realtime(Realtime base, @Nullable String tenant, @Nullable String user) {
    this.clock = base.clock;
    this.channelRetentionMs = base.channelRetentionMs;
    this.maxPayloadBytes = base.maxPayloadBytes;
    this.historyRules = base.historyRules;
    this.timer = base.timer;
    this.historyStore = base.historyStore;
    this.slots = base.slots;
    this.channels = base.channels;
    this.presence = base.presence;
    this.backend = base.backend;
    this.clientRegistration = base.clientRegistration;
    this.closed = base.closed;
    this.tenant = tenant;
    this.user = user;
    this.view = true;
  }

  // ------------------------------------------------------------------------------------------------ tenants, users

  /**
   * This realtime as {@code tenant} sees it: the same interface, over channels, history, sequence numbers and
   * presence members of that tenant only (a channel name in two tenants is two channels), every event it causes
   * carrying the tenant ({@link dev.ren.RenEvent#tenant()}), also presence expiry. {@link #channels()} lists that
   * tenant's channels only. Null is the default tenant, which is what the built object works in. The view keeps
   * the {@linkplain #as user} it acts as. Bounds stay store-wide (one budget for all tenants).
   *
   * @throws IllegalArgumentException for a tenant name {@link dev.ren.access.RenCaller#checkTenant} refuses
   */
  public Realtime tenant(@Nullable String tenant) {
    return new Realtime(this, tenant == null ? null : RenCaller.checkTenant(tenant), user);
  }

  /**
   * This realtime acting as the authenticated {@code user} (null: anonymous, as the built object): it publishes as
   * that user (a message's {@code userId} defaults to it; another one is refused), joins, updates and leaves
   * presence as that user only, and a member it joins is held by that user: only that user (in the same tenant)
   * may update it or make it leave, and only that user's streams keep it present (a stream opened by someone else
   * with this user's client id does not: {@link ClientTracker#isClientConnected(String, String, String)}). Refusals
   * throw {@link IdentityRefusedException} with nothing changed. The view keeps its tenant.
   *
   * @throws IllegalArgumentException for a user id {@link #checkUserId} refuses
   */
  public Realtime as(@Nullable String user) {
    return new Realtime(this, tenant, user == null ? null : checkUserId(user));
  }

  /** The tenant this object works in; null for the default tenant. */
  public @Nullable String tenant() {
    return tenant;
  }

  /** The authenticated user this object acts as; null for anonymous. */
  public @Nullable String user() {
    return user;
  }

  private ChannelKey key(String channel) {
    return new ChannelKey(tenant, channel);
  }

  /** The sender of a message: the user this object acts as, if any; refuses another. */
  private @Nullable String sender(@Nullable String userId) {
    if (userId != null) {
      checkUserId(userId);
    }
    String u = user;
    if (u == null) {
      return userId;
    }
    if (userId != null && !userId.equals(u)) {
      throw new IdentityRefusedException("a message is published as the caller's own user, not as '" + userId + "'");
    }
    return u;
  }

  /** Refuses a presence change for another user than the one this object acts as. */
  private void checkActingAs(String userId) {
    String u = user;
    if (u != null && !u.equals(userId)) {
      throw new IdentityRefusedException("presence is joined, updated and left as the caller's own user, not as '"
          + userId + "'");
    }
  }

  /** A builder for a {@link Realtime} publishing to {@code hub} and following its clients' streams. */
  public static <H extends RenPublisher & ClientTracker> Builder builder(H hub) {
    return new Builder(hub, hub);
  }

  /** A builder for a {@link Realtime} publishing to {@code publisher}, following the streams {@code clients} sees. */
  public static Builder builder(RenPublisher publisher, ClientTracker clients) {
    return new Builder(publisher, clients);
  }

  /** A {@link Realtime} with the defaults: 10 s grace, 60 s TTL, no history, 64 KiB payloads, the default bounds. */
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
   * @throws RealtimeFullException if the channel is new and {@linkplain Builder#maxChannels as many channels as
   *     allowed} are live
   * @throws AppliedButNotPublishedException if the message was recorded but its event could not be published
   */
  public ChannelMessage publish(String channel, @Nullable JsonNode data, @Nullable String userId) {
    checkChannel(channel);
    String sender = sender(userId);
    JsonNode payload = data == null || data.isMissingNode() ? null : data.deepCopy();
    byte[] stored = payload == null ? null : StoredJson.encode(PAYLOAD, payload, maxPayloadBytes);
    checkOpen();
    return channels.publish(key(channel), payload, stored, sender, RenOrigin.current());
  }

  /**
   * {@link #publish} of a payload given as JSON text ({@code data}: UTF-8, any whitespace; the literal
   * {@code null} is kept as JSON null, as {@link #publish} keeps a {@code NullNode}), what an HTTP binding hands
   * in. The text is checked and compacted by a streaming copy and measured against {@link #maxPayloadBytes()} as
   * stored before any tree exists: an oversized payload is refused having cost its text, never its tree (which can
   * be thirty times the text). Only a payload within the limit is parsed, once, for the event. It must be exactly
   * one JSON value nested at most 100 levels deep, with finite numbers. The array is not kept and not changed.
   *
   * @param data   the payload as JSON text, or null for none
   * @param userId the sender, or null
   * @throws IllegalArgumentException for a bad channel or user id, or {@code data} that is not one JSON value;
   *     {@link PayloadTooLargeException} for a payload over the limit as stored (with its exact size)
   * @throws RealtimeFullException if the channel is new and {@linkplain Builder#maxChannels as many channels as
   *     allowed} are live
   * @throws AppliedButNotPublishedException if the message was recorded but its event could not be published
   */
  public ChannelMessage publishJson(String channel, byte @Nullable [] data, @Nullable String userId) {
    checkChannel(channel);
    String sender = sender(userId);
    byte[] stored = data == null ? null : StoredJson.compact(PAYLOAD, data, maxPayloadBytes);
    checkOpen();
    JsonNode payload = stored == null ? null : StoredJson.decode(stored); // within the limit: one tree, for the event
    return channels.publish(key(channel), payload, stored, sender, RenOrigin.current());
  }

  /**
   * Channels of this object's {@linkplain #tenant() tenant} with presence members or with messages in the last
   * {@linkplain Builder#channelRetention channel retention} period, sorted by name.
   */
  public List<String> channels() {
    TreeSet<String> names = new TreeSet<>();
    channels.addActive(names, clock.millis(), tenant);
    presence.addActive(names, tenant);
    return List.copyOf(names);
  }

  /** The largest accepted payload or metadata, in bytes of compact JSON. */
  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /** Whether messages on {@code channel} are kept for {@link #history}. */
  public boolean historyEnabled(String channel) {
    checkChannel(channel);
    return historyRules.limit(channel) > 0;
  }

  /**
   * Messages on a history channel with a sequence number above {@code after}, oldest first. A message is listed
   * once its publish has ended; one whose event could not be published is listed without an event id.
   *
   * @param after a sequence number seen before (0 for everything still held)
   * @param limit at most this many messages, in [1, {@value #MAX_HISTORY_LIMIT}]; a page also ends after about
   *              1 MiB of messages (with at least one), and {@link ChannelHistory#lastSeq()} says more follow
   * @throws IllegalArgumentException for a bad channel, a negative {@code after} or a limit out of range
   * @throws IllegalStateException if no history pattern matches the channel
   */
  public ChannelHistory history(String channel, long after, int limit) {
    return historyJson(channel, after, limit).toHistory();
  }

  /**
   * {@link #history} with each payload as the compact JSON text realtime keeps, not parsed: for a reader that
   * writes the payloads out (an HTTP binding), which then never builds a tree of a page.
   *
   * @throws IllegalArgumentException for a bad channel, a negative {@code after} or a limit out of range
   * @throws IllegalStateException if no history pattern matches the channel
   */
  public StoredHistory historyJson(String channel, long after, int limit) {
    checkChannel(channel);
    if (after < 0) {
      throw new IllegalArgumentException("after must be a sequence number >= 0, was " + after);
    }
    if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
      throw new IllegalArgumentException("limit must be in [1, " + MAX_HISTORY_LIMIT + "], was " + limit);
    }
    if (historyRules.limit(channel) == 0) {
      throw new IllegalStateException("history is not enabled for channel '" + channel
          + "'; enable it with Realtime.Builder.history(pattern, messages)");
    }
    return channels.history(key(channel), after, limit);
  }

  // ------------------------------------------------------------------------------------------------ presence

  /**
   * Makes {@code userId} present on {@code channel}, held by the caller's client id (see the class comment).
   * Emits {@code presence.join} for a new member, {@code presence.update} when the member was present with
   * different metadata, nothing when identical.
   *
   * @param metadata any JSON, or null for {@code {}}
   * @return true if the user was not present before
   * @throws RealtimeFullException with nothing changed, if the join is over a presence or channel bound
   * @throws AppliedButNotPublishedException if the member joined or changed but its event could not be published
   */
  public boolean join(String channel, String userId, @Nullable JsonNode metadata) {
    return refresh(channel, userId, metadata, true) == PresenceTracker.Refresh.CREATED;
  }

  /**
   * {@link #join} with metadata given as JSON text (UTF-8; null or the literal {@code null} for {@code {}}), checked,
   * compacted and measured against {@link #maxPayloadBytes()} as stored before any tree exists, as for
   * {@link #publishJson}.
   *
   * @return true if the user was not present before
   * @throws IllegalArgumentException for a bad channel or user id, or metadata that is not one JSON value;
   *     {@link PayloadTooLargeException} for metadata over the limit as stored
   * @throws RealtimeFullException with nothing changed, if the join is over a presence or channel bound
   * @throws AppliedButNotPublishedException if the member joined or changed but its event could not be published
   */
  public boolean joinJson(String channel, String userId, byte @Nullable [] metadata) {
    return refreshJson(channel, userId, metadata, true) == PresenceTracker.Refresh.CREATED;
  }

  /**
   * Changes a present member's metadata and refreshes the caller's hold; emits {@code presence.update} when the
   * metadata differs (nothing when identical).
   *
   * @return false, with nothing changed, if the user is not present
   * @throws RealtimeFullException with nothing changed, if larger metadata is over {@link Builder#maxPresenceBytes}
   * @throws AppliedButNotPublishedException if the member changed but its event could not be published
   */
  public boolean update(String channel, String userId, @Nullable JsonNode metadata) {
    return refresh(channel, userId, metadata, false) == PresenceTracker.Refresh.REFRESHED;
  }

  /**
   * {@link #update} with metadata given as JSON text, checked and measured as for {@link #joinJson}.
   *
   * @return false, with nothing changed, if the user is not present
   * @throws IllegalArgumentException for a bad channel or user id, or metadata that is not one JSON value;
   *     {@link PayloadTooLargeException} for metadata over the limit as stored
   * @throws RealtimeFullException with nothing changed, if larger metadata is over {@link Builder#maxPresenceBytes}
   * @throws AppliedButNotPublishedException if the member changed but its event could not be published
   */
  public boolean updateJson(String channel, String userId, byte @Nullable [] metadata) {
    return refreshJson(channel, userId, metadata, false) == PresenceTracker.Refresh.REFRESHED;
  }

  private PresenceTracker.Refresh refresh(String channel, String userId, @Nullable JsonNode metadata,
      boolean create) {
    checkChannel(channel);
    checkUserId(userId);
    checkActingAs(userId);
    JsonNode meta = metadata == null || metadata.isNull() || metadata.isMissingNode()
        ? JsonNodeFactory.instance.objectNode() : metadata.deepCopy();
    byte[] stored = StoredJson.encode(METADATA, meta, maxPayloadBytes);
    checkOpen();
    return presence.refresh(key(channel), userId, meta, stored, create, RenOrigin.current(), user);
  }

  private PresenceTracker.Refresh refreshJson(String channel, String userId, byte @Nullable [] metadata,
      boolean create) {
    checkChannel(channel);
    checkUserId(userId);
    checkActingAs(userId);
    byte[] stored = metadata == null ? null : StoredJson.compact(METADATA, metadata, maxPayloadBytes);
    if (stored == null || StoredJson.isNull(stored)) {
      stored = StoredJson.encode(METADATA, JsonNodeFactory.instance.objectNode(), maxPayloadBytes);
    }
    checkOpen();
    // within the limit: one tree, for the event
    return presence.refresh(key(channel), userId, StoredJson.decode(stored), stored, create, RenOrigin.current(),
        user);
  }

  /**
   * Removes the caller's hold on the member, or the whole member when the caller holds nothing or is the last
   * holder (see the class comment); emits {@code presence.leave} when the member is gone.
   *
   * @return whether the user was present
   * @throws AppliedButNotPublishedException if the member left but its event could not be published
   */
  public boolean leave(String channel, String userId) {
    checkChannel(channel);
    checkUserId(userId);
    checkActingAs(userId);
    checkOpen();
    return presence.leave(key(channel), userId, RenOrigin.current(), user);
  }

  /**
   * Presence members on all channels of all tenants of this realtime (a member is one user on one channel,
   * however many streams hold it): what {@link Builder#maxMembers} bounds. A view ({@link #tenant}, {@link #as})
   * answers for the whole. Cheap: one counter read (under the presence lock; with a shared
   * {@link RealtimeBackend}, the cluster's count in one round trip, or {@link RealtimeUnavailableException}).
   */
  public int presenceMembers() {
    return presence.memberCount();
  }

  /** The members of a channel in join order. */
  public List<PresenceMember> members(String channel) {
    return membersJson(channel).stream().map(StoredMember::toMember).toList();
  }

  /**
   * {@link #members} with each member's metadata as the compact JSON text realtime keeps, not parsed: for a reader
   * that writes the metadata out (an HTTP binding). One channel may hold {@link Builder#maxPresenceBytes} of
   * metadata, which as trees could be thirty times that; this list shares the stored bytes and costs a few
   * references per member.
   */
  public List<StoredMember> membersJson(String channel) {
    checkChannel(channel);
    return presence.members(key(channel));
  }

  // ------------------------------------------------------------------------------------------------ expiry

  /**
   * Expires what is due now: holders past their grace period or TTL (emitting {@code presence.leave} for members
   * left without holders) and idle channels. Runs by itself on the scheduler; tests driving a manual
   * {@link Builder#clock clock} call it after moving the clock.
   *
   * @throws AppliedButNotPublishedException after expiring everything due, if a leave could not be published
   */
  public void sweep() {
    if (closed.get()) {
      return;
    }
    timer.sweepStarting();
    long now = clock.millis();
    channels.prune(now);
    presence.expire(now);
  }

  /** The timer's task: nobody is there to tell of a failure, so it is logged. */
  private void sweepQuietly() {
    try {
      sweep();
    } catch (AppliedButNotPublishedException e) {
      LOG.log(Level.WARNING, "presence expiry applied, but a presence.leave could not be published", e);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "realtime expiry failed", e);
    }
  }

  /**
   * Stops the expiry timer; shuts down the scheduler only if this object created it. Idempotent. Closing a
   * {@linkplain #tenant(String) view} does nothing: the object it views owns the state.
   */
  @Override
  public void close() {
    if (view || !closed.compareAndSet(false, true)) {
      return;
    }
    clientRegistration.close();
    timer.close();
    presence.releaseClients();
    RealtimeBackend shared = backend;
    if (shared != null) {
      shared.close();
    }
  }

  /** The expiry timer (for tests of its ownership). */
  ExpiryTimer expiryTimer() {
    return timer;
  }

  /** The history store (for tests of its bounds). */
  HistoryStore historyStore() {
    return historyStore;
  }

  /** How many channels hold state (for tests of their bound and of idle channels being dropped). */
  int liveChannels() {
    return slots.size();
  }

  /** Presence in this process (for tests of its bounds; not with a backend). */
  PresenceTracker presence() {
    return (PresenceTracker) presence;
  }

  /** Presence with a backend (for tests). */
  SharedPresence sharedPresence() {
    return (SharedPresence) presence;
  }

  // ------------------------------------------------------------------------------------------------ validation

  /** Whether {@code channel} is a valid channel name: {@code [A-Za-z0-9_.:-]{1,128}}. */
  public static boolean isValidChannel(@Nullable String channel) {
    return Limits.isValidChannel(channel);
  }

  /** Throws unless {@code channel} is a valid channel name; returns it. */
  public static String checkChannel(@Nullable String channel) {
    return Limits.checkChannel(channel);
  }

  /** Throws unless {@code userId} is 1 to 256 characters without control characters; returns it. */
  public static String checkUserId(@Nullable String userId) {
    return Limits.checkUserId(userId);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("realtime is closed");
    }
  }

  // ------------------------------------------------------------------------------------------------ builder

  /**
   * Configures a {@link Realtime}. Each setting may be given once; a repeated one fails naming the old value.
   *
   * <p>Thread-safety: not thread-safe; the built object is.
   */
  public static final class Builder {
    private final RenPublisher publisher;
    private final ClientTracker clients;
    private final Settings settings = new Settings();
    private Duration grace = Duration.ofSeconds(10);
    private Duration ttl = Duration.ofSeconds(60);
    private Duration channelRetention = Duration.ofMinutes(5);
    private Duration historyRetention = Duration.ofHours(1);
    private int maxPayloadBytes = 64 << 10;
    private long maxHistoryBytes = 16L << 20;
    private int maxChannels = 10_000;
    private int maxMembers = 10_000;
    private int maxMembersPerChannel = 1_000;
    private long maxPresenceBytes = 16L << 20;
    private Clock clock = Clock.systemUTC();
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable RealtimeBackend backend;
    private final Map<String, Integer> historyRules = new LinkedHashMap<>();

    private Builder(RenPublisher publisher, ClientTracker clients) {
      this.publisher = Objects.requireNonNull(publisher, "publisher");
      this.clients = Objects.requireNonNull(clients, "clients");
    }

    /** How long a member held by a client outlives the client's last stream; default 10 s. */
    public Builder gracePeriod(Duration d) {
      this.grace = settings.once("gracePeriod", Limits.checkDuration("gracePeriod", d, true));
      return this;
    }

    /** How long a hold without a live stream lasts unless refreshed by join/update; default 60 s. */
    public Builder presenceTtl(Duration d) {
      this.ttl = settings.once("presenceTtl", Limits.checkDuration("presenceTtl", d, false));
      return this;
    }

    /** How long a channel without members stays in {@link Realtime#channels} after its last message; default 5 min. */
    public Builder channelRetention(Duration d) {
      this.channelRetention = settings.once("channelRetention", Limits.checkDuration("channelRetention", d, false));
      return this;
    }

    /**
     * How long a history channel keeps its messages after the last one; default 1 h. History is for a late joiner
     * or a reconnect to catch up, not an archive: the shorter the retention, the sooner an idle channel's memory is
     * free.
     */
    public Builder historyRetention(Duration d) {
      this.historyRetention = settings.once("historyRetention", Limits.checkDuration("historyRetention", d, false));
      return this;
    }

    /**
     * Keeps the last {@code messages} messages of channels matching {@code pattern} ({@code *} matches any run of
     * characters, e.g. {@code room-*}). Patterns are tried in the order given; the first match wins. Each pattern
     * may be given once.
     */
    public Builder history(String pattern, int messages) {
      HistoryRules.check(pattern, messages);
      historyRules.put(pattern, settings.once("history(" + pattern + ")", messages));
      return this;
    }

    /** Largest message payload or presence metadata, in bytes of JSON; default 64 KiB. */
    public Builder maxPayloadBytes(int bytes) {
      if (bytes < 16 || bytes > (16 << 20)) {
        throw new IllegalArgumentException("maxPayloadBytes must be in [16, 16 MiB], was " + bytes);
      }
      this.maxPayloadBytes = settings.once("maxPayloadBytes", bytes);
      return this;
    }

    /**
     * The bound on all channels' history together, in bytes as stored (each message's compact JSON payload, its
     * strings and a fixed ~100 bytes); default 16 MiB. When a message would exceed it, the oldest messages of any
     * channel are dropped first. At least {@code 2 * maxPayloadBytes}.
     */
    public Builder maxHistoryBytes(long bytes) {
      this.maxHistoryBytes = settings.once("maxHistoryBytes",
          Limits.checkRange("maxHistoryBytes", bytes, 1 << 10, 1L << 40));
      return this;
    }

    /**
     * The most channels with state at once: recent messages (within the channel or history retention) or presence
     * members; default 10,000. A message or join that would create one more fails with {@link RealtimeFullException}
     * until channels go idle.
     */
    public Builder maxChannels(int channels) {
      this.maxChannels = settings.once("maxChannels",
          (int) Limits.checkRange("maxChannels", channels, 1, 100_000_000));
      return this;
    }

    /** The most presence members on all channels together; default 10,000. Beyond: {@link RealtimeFullException}. */
    public Builder maxMembers(int members) {
      this.maxMembers = settings.once("maxMembers",
          (int) Limits.checkRange("maxMembers", members, 1, 100_000_000));
      return this;
    }

    /** The most presence members on one channel; default 1,000. Beyond: {@link RealtimeFullException}. */
    public Builder maxMembersPerChannel(int members) {
      this.maxMembersPerChannel = settings.once("maxMembersPerChannel",
          (int) Limits.checkRange("maxMembersPerChannel", members, 1, 100_000_000));
      return this;
    }

    /**
     * The bound on all presence members' metadata together, in bytes of compact JSON; default 16 MiB. A join or
     * update that would exceed it fails with {@link RealtimeFullException}. At least {@code maxPayloadBytes}.
     */
    public Builder maxPresenceBytes(long bytes) {
      this.maxPresenceBytes = settings.once("maxPresenceBytes",
          Limits.checkRange("maxPresenceBytes", bytes, 16, 1L << 40));
      return this;
    }

    /** The clock for timestamps and expiry; default the system clock. Tests pass a manual one and call sweep. */
    public Builder clock(Clock c) {
      this.clock = settings.once("clock", Objects.requireNonNull(c, "clock"));
      return this;
    }

    /**
     * Runs expiry; by default a daemon thread created by the built object and shut down by its
     * {@link Realtime#close()}. A scheduler given here is never shut down by it.
     */
    public Builder scheduler(ScheduledExecutorService s) {
      this.scheduler = settings.once("scheduler", Objects.requireNonNull(s, "scheduler"));
      return this;
    }

    /**
     * Keeps sequence numbers, history, live channels and presence members in {@code backend}, shared by every node
     * on it (ren-realtime-redis: {@code RedisRealtimeBackend}); default none: everything in this process. The
     * bounds and retention set here apply to the whole backend (all nodes together), so give every node the same
     * settings. The holds of this node's clients (grace period, TTL) stay in the node; a node that dies is noticed
     * by the backend, whose sweep makes its members leave on the others. The built realtime starts the backend and
     * closes it with itself. With a backend, calls may throw {@link RealtimeUnavailableException}.
     */
    public Builder backend(RealtimeBackend backend) {
      this.backend = settings.once("backend", Objects.requireNonNull(backend, "backend"));
      return this;
    }

    /**
     * The realtime these settings describe.
     *
     * @throws IllegalArgumentException if {@code maxHistoryBytes} is under twice, or {@code maxPresenceBytes} under
     *     once, {@code maxPayloadBytes}: one message or member at the limit must fit
     */
    public Realtime build() {
      if (maxHistoryBytes < 2L * maxPayloadBytes) {
        throw new IllegalArgumentException("maxHistoryBytes (" + maxHistoryBytes + ") must be at least twice"
            + " maxPayloadBytes (" + maxPayloadBytes + ")");
      }
      if (maxPresenceBytes < maxPayloadBytes) {
        throw new IllegalArgumentException("maxPresenceBytes (" + maxPresenceBytes + ") must be at least"
            + " maxPayloadBytes (" + maxPayloadBytes + ")");
      }
      return new Realtime(this);
    }
  }
}
