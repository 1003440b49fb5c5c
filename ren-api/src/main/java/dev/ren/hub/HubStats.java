package dev.ren.hub;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one {@link RenHub} and of the SSE streams reading it: streams opened, active and closed by
 * reason, events published by domain, events delivered, replayed events and resets, and the time appends to the
 * event log took. Obtained from {@link RenHub#stats()}; every reader returns the current total since the hub was
 * built, and {@link #snapshot()} copies them all.
 *
 * <p>Cheap on the hot path: each counter is a {@link LongAdder} (striped, no lock, no allocation per event), a
 * publish adds one count and one duration, and a subscriber's poll adds once per batch, not per event. Readers sum
 * the stripes, so a read taken while events flow may be a few counts behind, and the readers of related counters
 * (say opened and closed) are not one atomic view. Counting is always on; the {@code ren-micrometer} module reads
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
  private final LongAdder[] streamsClosed = adders(REASONS.length);
  private final LongAdder[] published = adders(DOMAINS.length);
  private final LongAdder delivered = new LongAdder();
  private final LongAdder replayEvents = new LongAdder();
  private final LongAdder replayResets = new LongAdder();
  private final LongAdder appends = new LongAdder();
  private final LongAdder appendNanos = new LongAdder();

  HubStats() {
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  // ------------------------------------------------------------------------------------------------ recording

  /** Counts a stream the endpoint opened (also one it refused at once with {@code retry:}). */
  public void streamOpened() {
    streamsOpened.increment();
  }

  /** Counts a stream that ended, once per stream, with why. */
  public void streamClosed(StreamCloseReason reason) {
    streamsClosed[reason.ordinal()].increment();
  }

  void published(EventDomain domain) {
    published[domain.ordinal()].increment();
  }

  void appended(long nanos) {
    appends.increment();
    appendNanos.add(nanos);
  }

  void delivered(int events, int replayed) {
    if (events > 0) {
      delivered.add(events);
    }
    if (replayed > 0) {
      replayEvents.add(replayed);
    }
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
    return streamsClosed[Objects.requireNonNull(reason, "reason").ordinal()].sum();
  }

  /** Streams that ended, for every reason. */
  public long streamsClosed() {
    long n = 0;
    for (LongAdder a : streamsClosed) {
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
    return published[Objects.requireNonNull(domain, "domain").ordinal()].sum();
  }

  /** Events this hub published, every domain. */
  public long eventsPublished() {
    long n = 0;
    for (LongAdder a : published) {
      n += a.sum();
    }
    return n;
  }

  /**
   * Events handed to subscribers (SSE streams and in-process listeners), replayed ones included: one event to ten
   * streams counts ten; a storage change a stream gets under both of its names counts once.
   */
  public long eventsDelivered() {
    return delivered.sum();
  }

  /** Of {@link #eventsDelivered()}, those a resuming subscriber got because they were published before it resumed. */
  public long replayEvents() {
    return replayEvents.sum();
  }

  /**
   * Resumes that could not be served ({@code Last-Event-ID} unknown, from another epoch, or older than what the ring
   * and the log hold): the subscriber started live with {@code "reset": true}.
   */
  public long replayResets() {
    return replayResets.sum();
  }

  /** Successful appends to the event log. */
  public long logAppends() {
    return appends.sum();
  }

  /** Total time the successful appends to the event log took, in {@code unit}. */
  public double logAppendTime(TimeUnit unit) {
    return (double) appendNanos.sum() / unit.toNanos(1);
  }

  /** A copy of every counter, taken one after another (not one atomic view). */
  public Snapshot snapshot() {
    EnumMap<StreamCloseReason, Long> closed = new EnumMap<>(StreamCloseReason.class);
    for (StreamCloseReason r : REASONS) {
      closed.put(r, streamsClosed[r.ordinal()].sum());
    }
    EnumMap<EventDomain, Long> byDomain = new EnumMap<>(EventDomain.class);
    for (EventDomain d : DOMAINS) {
      byDomain.put(d, published[d.ordinal()].sum());
    }
    long opened = streamsOpened.sum();
    long closedSum = closed.values().stream().mapToLong(Long::longValue).sum();
    return new Snapshot(Math.max(0, opened - closedSum), opened, Collections.unmodifiableMap(closed),
        Collections.unmodifiableMap(byDomain), delivered.sum(), replayEvents.sum(), replayResets.sum(),
        appends.sum(), Duration.ofNanos(appendNanos.sum()));
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
