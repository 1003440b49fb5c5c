package dev.ren.realtime;

import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.Objects;

/**
 * Where a {@link Realtime} keeps what several nodes must share: channel sequence numbers, history, the live
 * channels and presence members. The SPI for running realtime on several nodes; plug one in with
 * {@link Realtime.Builder#backend(RealtimeBackend)} (ren-realtime-redis has one on Redis). Without one, realtime
 * keeps everything in this process, as it always did, and never calls this interface.
 *
 * <p>What stays in the node: publishing (the events go to the node's publisher, normally a hub on a shared event
 * log), the order of a channel's events on this node, and the <em>holds</em> of presence members (which client of
 * this node keeps a member present, with its grace period and TTL). A backend stores, per member, which nodes hold
 * it: a member leaves when the last node holding it lets go, or when the backend finds the node dead.
 *
 * <p>Contract, for every node on one backend:
 * <ul>
 *   <li>Channels are keyed by (tenant, channel); two tenants never see each other's state.</li>
 *   <li>{@link #append} is atomic: on a history channel it takes the channel's next sequence number and stores the
 *       message under it in one step, so numbers are unique and increasing per channel across nodes, and a message
 *       is in the history as soon as its number exists (a reader that sees number {@code n} live finds every number
 *       below it that is still held).</li>
 *   <li>History is bounded like the in-process one ({@link Config}): the last {@code historyLimit} messages of a
 *       channel, {@code maxHistoryBytes} for all channels (oldest dropped first), and a channel's state dropped
 *       {@code historyRetentionMs} (history channels) or {@code channelRetentionMs} after its last message; a
 *       dropped channel starts over at 1.</li>
 *   <li>Live channels (with recent messages or members) are bounded by {@code maxChannels}, members by
 *       {@code maxMembers} / {@code maxMembersPerChannel}, their metadata by {@code maxPresenceBytes}, for the whole
 *       backend; a refused change throws {@link RealtimeFullException} and changes nothing.</li>
 *   <li>A member that the backend removes because every node holding it is dead is reported to exactly one live
 *       node's {@link Listener#left}.</li>
 *   <li>A backend that cannot reach its store throws {@link RealtimeUnavailableException}; nothing was changed, or
 *       the change may have been applied when the failure came after the request was sent.</li>
 * </ul>
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
public interface RealtimeBackend extends AutoCloseable {

  /**
   * Called once by {@link Realtime} before any other method, with its bounds and the sink for members that left
   * because their nodes died.
   */
  void start(Config config, Listener listener);

  // ------------------------------------------------------------------------------------------------ messages

  /**
   * Records a message on the channel and makes the channel live (refreshing its retention).
   *
   * @param historyLimit messages the channel keeps (0: a channel without history, no sequence number)
   * @param ts           the message's time (unix ms), as the node stamps it
   * @param data         the payload as compact JSON, or null
   * @return the message's sequence number on a history channel, else 0
   * @throws RealtimeFullException if the channel is new and {@code maxChannels} channels are live
   */
  long append(@Nullable String tenant, String channel, int historyLimit, long ts, byte @Nullable [] data,
      @Nullable String userId, @Nullable String src);

  /**
   * The event of message {@code seq} was published with {@code id}: history lists it with that id from now on. Must
   * not throw and should not block (it runs on the thread that publishes the channel's events).
   */
  void published(@Nullable String tenant, String channel, long seq, String id);

  /**
   * Messages of a history channel above {@code after}, oldest first: at most {@code limit}, and no more once
   * {@code maxPageBytes} of payload were collected (at least one message).
   */
  Page history(@Nullable String tenant, String channel, long after, int limit, long maxPageBytes);

  /**
   * The tenant's channels that have members, or a message within {@link Config#channelRetentionMs}; any order.
   */
  List<String> channels(@Nullable String tenant);

  // ------------------------------------------------------------------------------------------------ presence

  /**
   * Joins ({@code create}) or updates a member and records that this node holds it.
   *
   * @param metadata compact JSON
   * @param owner    the authenticated user joining (a member it creates is owned by it; an anonymous member it
   *                 updates becomes its), or null
   * @return {@link Change#created}, {@link Change#updated} (with the metadata it had), {@link Change#absent} when not
   *     {@code create} and the member is not present, or {@link Change#refused} when the member is owned by another
   *     user than {@code owner} (nothing changed)
   * @throws RealtimeFullException with nothing changed, if a new member or larger metadata is over a bound
   */
  Change join(@Nullable String tenant, String channel, String userId, byte[] metadata, @Nullable String owner,
      boolean create, long ts);

  /**
   * This node no longer holds the member. The member leaves when no other node holds it.
   *
   * @return {@link Change#removed} (with its metadata) when the member left, {@link Change#updated} when other
   *     nodes still hold it, {@link Change#absent} when this node did not hold it (it left meanwhile)
   */
  Change release(@Nullable String tenant, String channel, String userId);

  /**
   * Removes the member whichever nodes hold it.
   *
   * @return {@link Change#removed} with its metadata, {@link Change#absent}, or {@link Change#refused} when the
   *     member is owned by another user than {@code caller} (nothing changed)
   */
  Change remove(@Nullable String tenant, String channel, String userId, @Nullable String caller);

  /** The channel's members in join order. */
  List<Member> members(@Nullable String tenant, String channel);

  /**
   * Presence members on all channels of all tenants of the cluster: what {@code maxMembers} bounds. One cheap read
   * (a counter the backend keeps).
   */
  int memberCount();

  /** Releases what the backend created (it stops holding members: other nodes will see them leave). Idempotent. */
  @Override
  void close();

  // ------------------------------------------------------------------------------------------------ types

  /**
   * The bounds and retention periods of the {@link Realtime} using the backend (its builder's settings).
   *
   * <p>Thread-safety: immutable.
   */
  record Config(int maxChannels, long maxHistoryBytes, long historyRetentionMs, long channelRetentionMs,
      int maxMembers, int maxMembersPerChannel, long maxPresenceBytes) {}

  /**
   * Receives what the backend decided on its own. Called on a backend thread.
   *
   * <p>Thread-safety: implementations must be thread-safe.
   */
  interface Listener {
    /** A member left because every node that held it is dead; told to one node only. */
    void left(@Nullable String tenant, String channel, String userId, byte[] metadata);

    /**
     * The backend found that the other nodes took this node for dead (its heartbeat lapsed): what it held was
     * released. Realtime records the members its clients still hold again.
     */
    void lost();
  }

  /**
   * A message as a backend keeps it.
   *
   * <p>Thread-safety: immutable (the payload array is not copied: neither side changes it).
   */
  final class Message {
    private final long seq;
    private final @Nullable String id;
    private final long ts;
    private final byte @Nullable [] data;
    private final @Nullable String userId;
    private final @Nullable String src;

    /**
     * @param seq    the channel sequence number
     * @param id     the event id, null until published (or when its publish failed)
     * @param ts     unix ms
     * @param data   the payload as compact JSON, or null
     * @param userId the sender, or null
     * @param src    the client id of the request that published it, or null
     */
    public Message(long seq, @Nullable String id, long ts, byte @Nullable [] data, @Nullable String userId,
        @Nullable String src) {
      this.seq = seq;
      this.id = id;
      this.ts = ts;
      this.data = data;
      this.userId = userId;
      this.src = src;
    }

    public long seq() {
      return seq;
    }

    public @Nullable String id() {
      return id;
    }

    public long ts() {
      return ts;
    }

    public byte @Nullable [] data() {
      return data;
    }

    public @Nullable String userId() {
      return userId;
    }

    public @Nullable String src() {
      return src;
    }
  }

  /**
   * A page of history: as {@link StoredHistory}.
   *
   * <p>Thread-safety: immutable.
   */
  record Page(List<Message> messages, long lastSeq, boolean truncated) {
    public Page {
      messages = List.copyOf(messages);
    }
  }

  /**
   * A present member: as {@link StoredMember}.
   *
   * <p>Thread-safety: immutable (the metadata array is not copied: neither side changes it).
   */
  final class Member {
    private final String userId;
    private final byte[] metadata;
    private final long lastSeen;

    /** A member with its metadata as compact JSON and the unix ms of its latest join or update. */
    public Member(String userId, byte[] metadata, long lastSeen) {
      this.userId = Objects.requireNonNull(userId, "userId");
      this.metadata = Objects.requireNonNull(metadata, "metadata");
      this.lastSeen = lastSeen;
    }

    public String userId() {
      return userId;
    }

    public byte[] metadata() {
      return metadata;
    }

    public long lastSeen() {
      return lastSeen;
    }
  }

  /**
   * What a presence call did: its {@link Kind}, and the member's metadata before the call ({@link Kind#UPDATED})
   * or when it left ({@link Kind#REMOVED}), else null.
   *
   * <p>Thread-safety: immutable.
   */
  final class Change {
    /** What a presence call did. */
    public enum Kind { ABSENT, CREATED, UPDATED, REMOVED, REFUSED }

    private static final Change ABSENT = new Change(Kind.ABSENT, null);
    private static final Change CREATED = new Change(Kind.CREATED, null);
    private static final Change REFUSED = new Change(Kind.REFUSED, null);

    private final Kind kind;
    private final byte @Nullable [] metadata;

    private Change(Kind kind, byte @Nullable [] metadata) {
      this.kind = kind;
      this.metadata = metadata;
    }

    public Kind kind() {
      return kind;
    }

    public byte @Nullable [] metadata() {
      return metadata;
    }

    public static Change absent() {
      return ABSENT;
    }

    public static Change created() {
      return CREATED;
    }

    public static Change refused() {
      return REFUSED;
    }

    /** Updated (or, from {@link #release}, still held by other nodes); {@code previous} the metadata before. */
    public static Change updated(byte[] previous) {
      return new Change(Kind.UPDATED, Objects.requireNonNull(previous, "previous"));
    }

    public static Change removed(byte[] metadata) {
      return new Change(Kind.REMOVED, Objects.requireNonNull(metadata, "metadata"));
    }
  }
}
