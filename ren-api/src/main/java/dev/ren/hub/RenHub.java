package dev.ren.hub;

import dev.ren.EventTypes;
import dev.ren.Registration;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import dev.ren.health.Health;
import dev.ren.internal.Settings;
import dev.ren.json.EventJson;
import dev.ren.log.EncodedEvent;
import dev.ren.log.EventLog;
import dev.ren.log.LogEntry;
import dev.ren.log.MemoryEventLog;
import dev.ren.log.Position;
import dev.ren.sse.SseFrames;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The in-process event hub: the {@link RenPublisher} backends publish to, and the source every SSE stream reads.
 *
 * <p>Publishing stamps {@code ts} and {@code src} (from {@link RenOrigin}), encodes the event's JSON once and
 * appends it to the {@link EventLog}, which gives it an id. Every entry the log delivers is framed once and stored
 * in a bounded ring (by count and by bytes); subscribers read that ring at their own cursor, so replay after a
 * reconnect and live delivery are the same code path. A subscriber that falls further behind than the ring holds
 * is told so ({@link Subscription.PollResult#OVERRUN}) instead of growing memory, and a publisher never waits for
 * a subscriber: one dispatcher thread tells subscribers that events are waiting.
 *
 * <p>Storage changes: an event published under a storage object name ({@code storage.object.created|updated|
 * deleted}) stays one event (one id, one ring slot, one log entry); the ring entry also holds its frame under the
 * table name ({@code storage.put} / {@code storage.delete}), and each subscriber gets the frame(s) its filter
 * selects among the names {@link Builder#storageEventNames} allows. Other events take the single-frame path.
 *
 * <pre>{@code
 * RenHub hub = RenHub.builder().capacity(65_536).build();
 * hub.publish(RenEvent.kvPut("demo", "todo:1", "1"));
 * try (Registration l = hub.listen(RenFilter.parse("kv"), (id, e) -> System.out.println(id + " " + e))) { ... }
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 *
 * <p>Size: a little over 500 lines, on purpose. The ring, the positioning of new subscribers in it and the
 * dispatcher share the ring's fields ({@code slots}, {@code head}, {@code oldestHeld}) and their publication order;
 * keeping them in one class keeps that memory-ordering argument in one place. Client tracking, the part with its
 * own state, is in {@link ClientStreams}.
 */
public final class RenHub implements RenPublisher, ClientTracker, AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RenHub.class.getName());
  private static final int MAX_LAST_EVENT_ID = 128;
  /** Heap per JSON node of a payload tree, rounded up (an ObjectNode with its map, or a value node and its entry). */
  private static final long TREE_NODE_BYTES = 64;

  private final EventLog log;
  private final Clock clock;
  private final String nodeId;
  private final int maxEventBytes;
  private final boolean showTenant;
  private final long maxRingBytes;
  private final StorageEventNames storageNames;

  // ring: written by the log's sink (one caller at a time), read by subscribers; head publishes the slots
  private final @Nullable Entry[] slots;
  private final int mask;
  private volatile long head = -1;
  /** Oldest index still held (slots older than this were dropped for the byte budget). Written by the sink. */
  private volatile long oldestHeld;
  private final Position startPosition;
  /** Resumes at or before this position would cross a gap the log reported; null when none was. */
  private volatile @Nullable Position gapBarrier;

  private final Set<HubSubscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final ClientStreams clients = new ClientStreams();
  private final HubStats stats = new HubStats();

  private final Thread dispatcher;
  private volatile boolean dispatcherParked;
  /** A listener joined behind the head: the dispatcher makes one more pass even if the head did not move. */
  private volatile boolean rescan;
  private volatile boolean closed;

  private RenHub(Builder b) {
    int cap = Integer.highestOneBit(Math.max(2, b.capacity) - 1) << 1;
    this.slots = new @Nullable Entry[cap];
    this.mask = cap - 1;
    this.log = b.log != null ? b.log : new MemoryEventLog();
    this.clock = b.clock;
    this.nodeId = b.nodeId != null ? b.nodeId : randomNodeId();
    this.maxEventBytes = b.maxEventBytes;
    this.showTenant = b.showTenant;
    this.maxRingBytes = b.maxRingBytes;
    this.storageNames = b.storageNames;
    this.dispatcher = new Thread(this::dispatchLoop, "ren-hub-dispatcher-" + nodeId);
    this.dispatcher.setDaemon(true);
    this.startPosition = log.start(new EventLog.Sink() {
      @Override
      public void accept(LogEntry entry) {
        ingest(entry);
      }

      @Override
      public void gap(String reason) {
        onGap(reason);
      }
    });
    this.dispatcher.start();
  }

  /** A builder with the defaults: 65,536 events, 64 MiB of frames, in-memory log, system clock. */
  public static Builder builder() {
    return new Builder();
  }

  /** A hub with the defaults. */
  public static RenHub create() {
    return builder().build();
  }

  // ------------------------------------------------------------------------------------------------ publishing

  /**
   * Publishes an event: stamps {@code ts} if absent and {@code src} from {@link RenOrigin} if absent, encodes it
   * once and appends it to the log.
   *
   * @return the event id
   * @throws IllegalArgumentException if the event is in the reserved {@code ren} domain or its JSON exceeds the
   *     configured maximum
   * @throws IllegalStateException if the hub is closed
   * @throws dev.ren.EventLogUnavailableException if a remote log cannot record it
   */
  @Override
  public String publish(RenEvent event) {
    Objects.requireNonNull(event, "event");
    if (closed) {
      throw new IllegalStateException("hub is closed");
    }
    if (EventTypes.REN.equals(event.r())) {
      throw new IllegalArgumentException("the 'ren' domain is reserved for stream control frames: " + event.t());
    }
    RenEvent e = event;
    if (e.src() == null) {
      String origin = RenOrigin.current();
      if (origin != null) {
        e = e.withSrc(origin);
      }
    }
    if (e.ts() == 0) {
      e = e.withTs(clock.millis());
    }
    byte[] json = EventJson.encode(e, showTenant);
    if (json.length > maxEventBytes) {
      throw new IllegalArgumentException("event " + e.t() + " encodes to " + json.length
          + " bytes; the limit is " + maxEventBytes);
    }
    long t0 = System.nanoTime();
    String id = log.append(new EncodedEvent(e, json));
    stats.appended(System.nanoTime() - t0);
    stats.published(EventDomain.of(e.r()));
    return id;
  }

  /** Called by the log, one entry at a time, in log order. */
  private void ingest(LogEntry le) {
    RenEvent e = le.encoded().event();
    String table = EventTypes.STORAGE.equals(e.r()) ? EventTypes.storageTableName(e.t()) : null;
    byte[] frame;
    Alias alias = null;
    if (table == null) {
      frame = SseFrames.frame(le.id(), e.t(), le.encoded().json());
    } else {
      Framed f = frameStorage(le.id(), e, le.encoded().json(), table);
      e = f.event();
      frame = f.frame();
      alias = f.alias();
    }
    long idx = head + 1;
    Entry prev = idx == 0 ? null : slots[(int) ((idx - 1) & mask)];
    long end = (prev == null ? 0 : prev.endOffset) + frame.length;
    long held = (prev == null ? 0 : prev.heldOffset) + frame.length + treeBytes(e, le.encoded().json())
        + (alias == null ? 0 : alias.bytes());
    slots[(int) (idx & mask)] = new Entry(idx, le.position(), le.id(), e, frame, alias, end, held);
    long oldest = Math.max(oldestHeld, idx - slots.length + 1);
    while (oldest < idx) {
      Entry o = slots[(int) (oldest & mask)];
      if (o == null || o.index != oldest || held - o.heldOffset <= maxRingBytes) {
        break;
      }
      slots[(int) (oldest & mask)] = null;
      oldest++;
    }
    oldestHeld = oldest;
    head = idx;
    // with no subscription there is nobody to tell; one opening now sees this head itself (subscribe, listen)
    if (dispatcherParked && !subscriptions.isEmpty()) {
      LockSupport.unpark(dispatcher);
    }
  }

  /** A log entry as the hub writes it: the event as streams see it, its frame(s), and its second name if any. */
  static final class Framed {
    private final RenEvent event;
    private final byte[] frame;
    private final @Nullable Alias alias;

    Framed(RenEvent event, byte[] frame, @Nullable Alias alias) {
      this.event = event;
      this.frame = frame;
      this.alias = alias;
    }

    RenEvent event() {
      return event;
    }

    byte[] frame() {
      return frame;
    }

    @Nullable Alias alias() {
      return alias;
    }
  }

  /**
   * Frames a storage event published under its object name ({@code table} is its table name) as the
   * {@link StorageEventNames} setting says: under one name, or under both as two frames with the same id (table
   * name first) plus each frame alone for streams whose filter selects only one name.
   */
  Framed frameStorage(String id, RenEvent e, byte[] json, String table) {
    if (storageNames == StorageEventNames.OBJECT) {
      return new Framed(e, SseFrames.frame(id, e.t(), json), null);
    }
    RenEvent te = e.withType(table);
    byte[] tableFrame = SseFrames.frame(id, table, retype(json, e, te));
    if (storageNames == StorageEventNames.TABLE) {
      return new Framed(te, tableFrame, null);
    }
    byte[] objectFrame = SseFrames.frame(id, e.t(), json);
    byte[] both = Arrays.copyOf(tableFrame, tableFrame.length + objectFrame.length);
    System.arraycopy(objectFrame, 0, both, tableFrame.length, objectFrame.length);
    return new Framed(e, both, new Alias(te, tableFrame, objectFrame));
  }

  /** {@code json} (of {@code from}) with {@code to}'s type: compact event JSON starts with its type. */
  private byte[] retype(byte[] json, RenEvent from, RenEvent to) {
    byte[] prefix = ("{\"t\":\"" + from.t() + "\"").getBytes(StandardCharsets.US_ASCII);
    if (json.length < prefix.length || !Arrays.equals(json, 0, prefix.length, prefix, 0, prefix.length)) {
      return EventJson.encode(to, showTenant);
    }
    byte[] head = ("{\"t\":\"" + to.t() + "\"").getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(head, head.length + json.length - prefix.length);
    System.arraycopy(json, prefix.length, out, head.length, json.length - prefix.length);
    return out;
  }

  /**
   * An upper estimate of the heap an event's payload takes as a Jackson tree, which the ring keeps beside the frame
   * for filters and access checks: a tree can be 30 times its JSON ({@code [{},{},...]}), so the ring's byte bound
   * counts it. One node per structural character, each at {@link #TREE_NODE_BYTES}.
   */
  private static long treeBytes(RenEvent e, byte[] json) {
    if (e.data() == null) {
      return 0;
    }
    long nodes = 0;
    for (byte b : json) {
      if (b == '{' || b == '[' || b == ',' || b == ':') {
        nodes++;
      }
    }
    return nodes * TREE_NODE_BYTES;
  }

  /** The log lost entries: end current streams and refuse resumes from before this point. */
  private void onGap(String reason) {
    long h = head;
    Entry newest = h >= 0 ? entryAt(h) : null;
    gapBarrier = newest != null ? newest.position : startPosition;
    LOG.log(Level.WARNING, "event log reported a gap (" + reason + "); " + subscriptions.size()
        + " subscriptions end and resuming clients reset");
    for (HubSubscription s : subscriptions) {
      s.markGap();
      s.onAvailable.run();
    }
  }

  // ------------------------------------------------------------------------------------------------ subscribing

  /**
   * Opens a subscription. {@code onAvailable} is called (on the hub's dispatcher thread; it must not block) when
   * events may be waiting; the owner then polls, on its own thread.
   */
  public Subscription subscribe(SubscribeRequest request, Runnable onAvailable) {
    Objects.requireNonNull(onAvailable, "onAvailable");
    if (closed) {
      throw new IllegalStateException("hub is closed");
    }
    HubSubscription s = new HubSubscription(this, request, onAvailable);
    position(s, request.lastEventId());
    subscriptions.add(s);
    String cid = request.clientId();
    if (cid != null) {
      clients.opened(cid, request.caller().user(), request.caller().tenant());
    }
    if (s.hasMore()) {
      onAvailable.run();
    }
    return s;
  }

  /**
   * Delivers matching events to an in-process listener on the hub's dispatcher thread (keep it fast; exceptions
   * are logged and do not stop delivery). Close the returned handle to stop.
   */
  public Registration listen(RenFilter filter, Listener listener) {
    Objects.requireNonNull(listener, "listener");
    HubSubscription[] holder = new HubSubscription[1];
    Subscription.Visitor visitor = (id, e, frame) -> {
      try {
        listener.onEvent(id, e);
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "listener failed on event " + id, ex);
      }
      return true;
    };
    Runnable drain = () -> {
      HubSubscription s = holder[0];
      if (s != null && s.poll(visitor) == Subscription.PollResult.OVERRUN) {
        LOG.log(Level.WARNING, "in-process listener fell behind the ring; skipping to the newest event");
        s.skipToHead();
      }
    };
    synchronized (holder) {
      HubSubscription s = new HubSubscription(this, SubscribeRequest.of(filter), drain);
      position(s, null);
      holder[0] = s;
      subscriptions.add(s);
      if (s.hasMore()) { // published between positioning and adding: the dispatcher may have passed it by
        rescan = true;
        LockSupport.unpark(dispatcher);
      }
      return s;
    }
  }

  /** Receives events from {@link #listen}. */
  @FunctionalInterface
  public interface Listener {
    void onEvent(String id, RenEvent event);
  }

  @Override
  public Registration addClientListener(ClientListener listener) {
    return clients.addClientListener(listener);
  }

  @Override
  public boolean isClientConnected(String clientId) {
    return clients.isClientConnected(clientId);
  }

  @Override
  public boolean isClientConnected(String clientId, @Nullable String user, @Nullable String tenant) {
    return clients.isClientConnected(clientId, user, tenant);
  }

  @Override
  public void held(String clientId) {
    clients.held(clientId);
  }

  @Override
  public void released(String clientId) {
    clients.released(clientId);
  }

  @Override
  public boolean isClientHeld(String clientId) {
    return clients.isClientHeld(clientId);
  }

  @Override
  public boolean anyClientHeld() {
    return clients.anyClientHeld();
  }

  /** Number of open subscriptions (SSE streams and in-process listeners). */
  public int subscriberCount() {
    return subscriptions.size();
  }

  /**
   * The hub's counters: streams (kept by the stream endpoint), events published by domain, delivered, replayed,
   * resets and event-log append time. The same object for the hub's whole life; reading it is cheap.
   */
  public HubStats stats() {
    return stats;
  }

  /** This hub's node id (reported in {@code ren.meta}). */
  public String nodeId() {
    return nodeId;
  }

  /** The event log under this hub. */
  public EventLog log() {
    return log;
  }

  /** The id of the newest event, or the log's start position when nothing was published yet. */
  public String headId() {
    long h = head;
    if (h >= 0) {
      Entry e = slots[(int) (h & mask)];
      if (e != null && e.index == h) {
        return e.id;
      }
    }
    return log.format(startPosition);
  }

  void removed(HubSubscription s) {
    if (subscriptions.remove(s)) {
      String cid = s.clientId();
      if (cid != null) {
        clients.closed(cid, s.user(), s.tenant());
      }
    }
  }

  /** Places a new subscription's cursor for the requested resume point. */
  private void position(HubSubscription s, @Nullable String lastEventId) {
    if (lastEventId == null) {
      s.startLive(head + 1, headId(), false);
      return;
    }
    Position p = lastEventId.length() > MAX_LAST_EVENT_ID ? null : log.parse(lastEventId);
    Position barrier = gapBarrier;
    if (p == null || (barrier != null && !p.isAfter(barrier))) {
      s.startLive(head + 1, headId(), true);
      return;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
      long h = head;
      long oldest = Math.max(oldestHeld, h - slots.length + 1);
      Entry newest = h >= 0 ? entryAt(h) : null;
      Entry first = h >= 0 ? entryAt(Math.max(oldest, 0)) : null;
      if (h >= 0 && (newest == null || first == null)) {
        continue; // overwritten while we looked; look again
      }
      if (newest == null || first == null || p.isAfter(newest.position)) {
        // newer than anything this node has ingested: the log may know it (another node's event not yet tailed)
        List<LogEntry> missed = log.readAfter(p, null, slots.length);
        if (missed == null || missed.size() >= slots.length) {
          s.startLive(h + 1, headId(), true);
        } else {
          Position skip = missed.isEmpty() ? p : missed.get(missed.size() - 1).position();
          s.startReplay(missed, h + 1, skip, lastEventId, h);
        }
        return;
      }
      if (p.compareTo(first.position) >= 0) {
        s.startReplay(List.of(), firstAfter(p, first.index, h), null, lastEventId, h);
        return;
      }
      List<LogEntry> missed = log.readAfter(p, first.position, slots.length);
      if (missed == null || missed.size() >= slots.length) {
        s.startLive(h + 1, headId(), true);
      } else {
        s.startReplay(missed, first.index, null, lastEventId, h);
      }
      return;
    }
    s.startLive(head + 1, headId(), true);
  }

  /** The first index in [lo, hi] whose position is after p (hi + 1 if none). */
  private long firstAfter(Position p, long lo, long hi) {
    long a = lo;
    long b = hi + 1;
    while (a < b) {
      long mid = (a + b) >>> 1;
      Entry e = entryAt(mid);
      if (e == null) {
        return lo; // overwritten meanwhile: the reader will see the overrun
      }
      if (e.position.isAfter(p)) {
        b = mid;
      } else {
        a = mid + 1;
      }
    }
    return a;
  }

  @Nullable Entry entryAt(long index) {
    if (index < 0) {
      return null;
    }
    Entry e = slots[(int) (index & mask)];
    return e != null && e.index == index ? e : null;
  }

  long head() {
    return head;
  }

  EventLog eventLog() {
    return log;
  }

  // ------------------------------------------------------------------------------------------------ dispatching

  private void dispatchLoop() {
    long seen = -1;
    while (!closed) {
      long h = head;
      for (int spin = 0; h == seen && !rescan && spin < 64; spin++) {
        Thread.onSpinWait(); // a burst of publishes usually continues: avoid a park/unpark per event
        h = head;
      }
      if (h == seen && !rescan) {
        dispatcherParked = true;
        if (head == seen && !rescan && !closed) {
          LockSupport.parkNanos(this, 100_000_000L);
        }
        dispatcherParked = false;
        continue;
      }
      rescan = false;
      seen = h;
      for (HubSubscription s : subscriptions) {
        if (s.behind(h)) {
          try {
            s.onAvailable.run();
          } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "subscriber callback failed", ex);
          }
        }
      }
    }
  }

  /** Closes every subscription and the log. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    LockSupport.unpark(dispatcher);
    for (HubSubscription s : subscriptions) {
      s.close();
    }
    try {
      dispatcher.join(1000);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Whether the hub can publish now: it is running (not closed) and its event log is reachable
   * ({@link EventLog#health}, a Redis {@code PING} for the Redis log), answered within about {@code timeout}.
   * Never throws.
   */
  public Health health(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (closed) {
      return Health.down("hub " + nodeId + " is closed");
    }
    Health logHealth;
    try {
      logHealth = log.health(timeout);
    } catch (RuntimeException e) {
      logHealth = Health.down(log.describe() + ": " + e);
    }
    return new Health(logHealth.status(), "hub " + nodeId + " running, " + subscriptions.size()
        + " subscriptions; log " + logHealth.description());
  }

  private static String randomNodeId() {
    SecureRandom r = new SecureRandom();
    return Long.toString(Math.abs(r.nextLong() % 2_000_000_000L) + 1, 36);
  }

  /**
   * Configures a {@link RenHub}.
   *
   * <p>Thread-safety: not thread-safe; the built hub is.
   */
  public static final class Builder {
    private int capacity = 65_536;
    private long maxRingBytes = 64L << 20;
    private int maxEventBytes = 256 << 10;
    private @Nullable EventLog log;
    private Clock clock = Clock.systemUTC();
    private @Nullable String nodeId;
    private boolean showTenant;
    private StorageEventNames storageNames = StorageEventNames.BOTH;
    private final Settings settings = new Settings();

    private Builder() {}

    /** Events the ring holds for replay (rounded up to a power of two); default 65,536. */
    public Builder capacity(int events) {
      if (events < 2 || events > (1 << 24)) {
        throw new IllegalArgumentException("capacity must be in [2, 16777216] events, was " + events);
      }
      this.capacity = settings.once("capacity", events);
      return this;
    }

    /**
     * Bytes the ring holds at most, counting each event's frame and an estimate of its payload's in-memory tree;
     * older events are dropped first. Default 64 MiB.
     */
    public Builder maxRingBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxRingBytes must be >= 1024, was " + bytes);
      }
      this.maxRingBytes = settings.once("maxRingBytes", bytes);
      return this;
    }

    /** Largest event JSON accepted by {@link #publish}; default 256 KiB. */
    public Builder maxEventBytes(int bytes) {
      if (bytes < 256) {
        throw new IllegalArgumentException("maxEventBytes must be >= 256, was " + bytes);
      }
      this.maxEventBytes = settings.once("maxEventBytes", bytes);
      return this;
    }

    /** The event log; default a fresh {@link MemoryEventLog}. */
    public Builder log(EventLog eventLog) {
      this.log = settings.once("log", Objects.requireNonNull(eventLog, "eventLog"));
      return this;
    }

    /** The clock that stamps {@code ts}; default the system clock in UTC. */
    public Builder clock(Clock c) {
      this.clock = settings.once("clock", Objects.requireNonNull(c, "clock"));
      return this;
    }

    /** The node id reported in {@code ren.meta}; default random. */
    public Builder nodeId(String id) {
      if (!id.matches("[A-Za-z0-9_.-]{1,64}")) {
        throw new IllegalArgumentException("node id '" + id + "' must match [A-Za-z0-9_.-]{1,64}");
      }
      this.nodeId = settings.once("nodeId", id);
      return this;
    }

    /**
     * Whether the JSON clients receive names the event's tenant (field {@code tn}, last); default false: a stream
     * only ever receives its own tenant's events, so the tenant tells it nothing it needs.
     */
    public Builder showTenant(boolean show) {
      this.showTenant = settings.once("showTenant", show);
      return this;
    }

    /**
     * Under which names streams see storage changes: {@link StorageEventNames#TABLE} ({@code storage.put},
     * {@code storage.delete}), {@link StorageEventNames#OBJECT} ({@code storage.object.created|updated|deleted}),
     * or {@link StorageEventNames#BOTH} (default: two frames with one id, table name first).
     */
    public Builder storageEventNames(StorageEventNames names) {
      this.storageNames = settings.once("storageEventNames", Objects.requireNonNull(names, "names"));
      return this;
    }

    public RenHub build() {
      return new RenHub(this);
    }
  }
}
