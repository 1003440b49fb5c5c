package dev.ren.hub;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one {@link RenHub} and of the SSE streams reading it: streams opened, active and closed by
 * reason, events published by domain, events delivered, replayed events and resets, and the time appends to the
 * event log took. Obtained from {@link RenHub#stats()}; every reader returns the current total since the hub was
 * built, and {@link #snapshot()} copies them all.
 *
 * <p>Cheap on the hot path: no lock and no allocation per event. A publish adds one count and one duration to
 * {@link LongAdder}s (striped); a delivery adds to a plain counter of its own subscription, written only by that
 * subscription's reader with a release store (no atomic instruction), and a subscription's totals move into a
 * {@code LongAdder} when it closes. Readers sum these, so a read taken while events flow may be a few counts behind
 * (and a subscription closed from another thread while it polls may lose the count of that last batch); the
 * delivery counters never go backwards, and the readers of related counters (say opened and closed) are not one
 * atomic view. Counting is always on; the {@code ren-micrometer} module reads
 * these counters as function counters and gauges, so a meter registry is never on the publishing path.
 *
 * <pre>{@code
 * HubStats s = hub.stats();
 * long open = s.streamsActive();
 * long slow = s.streamsClosed(StreamCloseReason.SLOW_CONSUMER);
 * long kvEvents = s.eventsPublished(EventDomain.KV);
 * }</pre>
 *
 * <p>The stream counters are kept by the stream endpoint ({@code RenServlet}) through {@link #streamOpened()} and
 * {@link #streamClosed(StreamCloseReason)}; an endpoint of another kind may use them the same way. In-process
 * listeners ({@link RenHub#listen}) are not streams and are not counted as such.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class HubStats {

  private static final StreamCloseReason[] REASONS = StreamCloseReason.values();
  private static final EventDomain[] DOMAINS = EventDomain.values();

  private final LongAdder streamsOpened = new LongAdder();
  private final EnumMap<StreamCloseReason, LongAdder> streamsClosed = adders(StreamCloseReason.class);
  private final EnumMap<EventDomain, LongAdder> published = adders(EventDomain.class);
  // deliveries of closed subscriptions; live ones count their own (HubSubscription), summed when read
  private final LongAdder retiredDelivered = new LongAdder();
  private final LongAdder retiredReplayed = new LongAdder();
  private final AtomicLong deliveredSeen = new AtomicLong();
  private final AtomicLong replayedSeen = new AtomicLong();
  private final Collection<HubSubscription> live;
  private final LongAdder replayResets = new LongAdder();
  private final LongAdder appendNanos = new LongAdder();

  HubStats(Collection<HubSubscription> live) {
    this.live = live;
  }

  /** One adder per constant, created up front: the map is never written after construction. */
  private static <E extends Enum<E>> EnumMap<E, LongAdder> adders(Class<E> type) {
    EnumMap<E, LongAdder> m = new EnumMap<>(type);
    for (E e : type.getEnumConstants()) {
      m.put(e, new LongAdder());
    }
    return m;
  }

  private static <E extends Enum<E>> LongAdder adder(EnumMap<E, LongAdder> m, E key) {
    return Objects.requireNonNull(m.get(Objects.requireNonNull(key, "key")), "an adder for every constant");
  }

  // ------------------------------------------------------------------------------------------------ recording

  /** Counts a stream the endpoint opened (also one it refused at once with {@code retry:}). */
  public void streamOpened() {
    streamsOpened.increment();
  }

  /** Counts a stream that ended, once per stream, with why. */
  public void streamClosed(StreamCloseReason reason) {
    adder(streamsClosed, reason).increment();
  }

  /** One event appended to the log in {@code nanos} and published in {@code domain}. */
  void published(EventDomain domain, long nanos) {
    adder(published, domain).increment();
    appendNanos.add(nanos);
  }

  /** A subscription left the hub: its counts stay in the totals. */
  void retired(HubSubscription s) {
    retiredDelivered.add(s.deliveredCount());
    retiredReplayed.add(s.replayedCount());
  }

  void replayReset() {
    replayResets.increment();
  }

  // ------------------------------------------------------------------------------------------------ reading

  /** Streams opened since the hub was built, refused ones ({@link StreamCloseReason#MAX_STREAMS}) included. */
  public long streamsOpened() {
    return streamsOpened.sum();
  }

  /** Streams that ended for {@code reason}. */
  public long streamsClosed(StreamCloseReason reason) {
    return adder(streamsClosed, reason).sum();
  }

  /** Streams that ended, for every reason. */
  public long streamsClosed() {
    long n = 0;
    for (LongAdder a : streamsClosed.values()) {
      n += a.sum();
    }
    return n;
  }

  /** Streams open now: opened minus closed (never negative, also while counts are in flight). */
  public long streamsActive() {
    long closed = streamsClosed(); // read first: a stream is counted opened before it can be counted closed
    return Math.max(0, streamsOpened.sum() - closed);
  }

  /** Events this hub published (appended to its log) in {@code domain}; events of other nodes are not counted. */
  public long eventsPublished(EventDomain domain) {
    return adder(published, domain).sum();
  }

  /** Events this hub published, every domain. */
  public long eventsPublished() {
    long n = 0;
    for (LongAdder a : published.values()) {
      n += a.sum();
    }
    return n;
  }

  /**
   * Events handed to subscribers (SSE streams and in-process listeners), replayed ones included: one event to ten
   * streams counts ten; a storage change a stream gets under both of its names counts once.
   */
  public long eventsDelivered() {
    long n = retiredDelivered.sum();
    for (HubSubscription s : live) {
      n += s.deliveredCount();
    }
    return monotonic(deliveredSeen, n);
  }

  /**
   * {@code n}, or the highest value read before if that is higher: a subscription that closes is counted live until
   * it leaves the set and retired only after, so a read in between would be lower for a moment.
   */
  private static long monotonic(AtomicLong seen, long n) {
    return seen.accumulateAndGet(n, Math::max);
  }

  /** Of {@link #eventsDelivered()}, those a resuming subscriber got because they were published before it resumed. */
  public long replayEvents() {
    long n = retiredReplayed.sum();
    for (HubSubscription s : live) {
      n += s.replayedCount();
    }
    return monotonic(replayedSeen, n);
  }

  /**
   * Resumes that could not be served ({@code Last-Event-ID} unknown, from another epoch, or older than what the ring
   * and the log hold): the subscriber started live with {@code "reset": true}.
   */
  public long replayResets() {
    return replayResets.sum();
  }

  /** Successful appends to the event log (each is one published event: the sum of {@link #eventsPublished()}). */
  public long logAppends() {
    return eventsPublished();
  }

  /** Total time the successful appends to the event log took, in {@code unit}. */
  public double logAppendTime(TimeUnit unit) {
    return (double) appendNanos.sum() / unit.toNanos(1);
  }

  /** A copy of every counter, taken one after another (not one atomic view). */
  public Snapshot snapshot() {
    EnumMap<StreamCloseReason, Long> closed = new EnumMap<>(StreamCloseReason.class);
    for (StreamCloseReason r : REASONS) {
      closed.put(r, adder(streamsClosed, r).sum());
    }
    EnumMap<EventDomain, Long> byDomain = new EnumMap<>(EventDomain.class);
    for (EventDomain d : DOMAINS) {
      byDomain.put(d, adder(published, d).sum());
    }
    long opened = streamsOpened.sum();
    long closedSum = closed.values().stream().mapToLong(Long::longValue).sum();
    return new Snapshot(Math.max(0, opened - closedSum), opened, Collections.unmodifiableMap(closed),
        Collections.unmodifiableMap(byDomain), eventsDelivered(), replayEvents(), replayResets.sum(),
        byDomain.values().stream().mapToLong(Long::longValue).sum(), Duration.ofNanos(appendNanos.sum()));
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }

  /**
   * The counters of a {@link HubStats} at one moment.
   *
   * @param streamsActive      streams open
   * @param streamsOpened      streams opened
   * @param streamsClosed      streams closed, by reason (every reason present)
   * @param eventsPublished    events published by this hub, by domain (every domain present)
   * @param eventsDelivered    events handed to subscribers
   * @param replayEvents       of those, replayed to resuming subscribers
   * @param replayResets       resumes answered with a reset
   * @param logAppends         successful appends to the event log
   * @param logAppendTime      their total time
   */
  public record Snapshot(long streamsActive, long streamsOpened, Map<StreamCloseReason, Long> streamsClosed,
      Map<EventDomain, Long> eventsPublished, long eventsDelivered, long replayEvents, long replayResets,
      long logAppends, Duration logAppendTime) {

    public Snapshot {
      streamsClosed = Map.copyOf(streamsClosed);
      eventsPublished = Map.copyOf(eventsPublished);
    }
  }
}
