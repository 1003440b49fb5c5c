package dev.ren.micrometer;

import dev.ren.hub.EventDomain;
import dev.ren.hub.HubStats;
import dev.ren.hub.RenHub;
import dev.ren.hub.StreamCloseReason;
import dev.ren.internal.Settings;
import dev.ren.kv.KvStore;
import dev.ren.realtime.Realtime;
import dev.ren.transform.TransformService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * REN's meters, bound to a Micrometer {@link MeterRegistry}: a {@link MeterBinder} over the hub's counters
 * ({@link RenHub#stats()}) and the gauges of the stores given to the builder. No meter is on the publishing path:
 * the counters are REN's own ({@code LongAdder}s in {@link HubStats}), read through {@link FunctionCounter},
 * {@link FunctionTimer} and {@link Gauge} only when the registry is scraped, and the core has no Micrometer
 * dependency.
 *
 * <pre>{@code
 * MeterRegistry registry = new SimpleMeterRegistry();          // or Prometheus, OTLP, ...
 * RenMetrics.builder(hub).kv(kvStore).transforms(transforms).realtime(realtime).build().bindTo(registry);
 * }</pre>
 *
 * <p>Meters (tags are bounded sets, never a key, namespace, channel or client id):
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@code ren.streams.active}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code ren.streams.opened}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ren.streams.closed}</td><td>counter</td><td>{@code reason}: {@link StreamCloseReason#tag()}</td></tr>
 *   <tr><td>{@code ren.events.published}</td><td>counter</td><td>{@code domain}: {@link EventDomain#tag()}</td></tr>
 *   <tr><td>{@code ren.events.delivered}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ren.replay.events}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ren.replay.resets}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ren.log.append}</td><td>timer (count and total time)</td><td></td></tr>
 *   <tr><td>{@code ren.kv.entries}, {@code ren.kv.bytes}</td><td>gauges, with {@link Builder#kv}</td><td></td></tr>
 *   <tr><td>{@code ren.transform.jobs}</td><td>gauge, with {@link Builder#transforms}</td>
 *       <td>{@code state}: {@code pending|running|complete|failed}</td></tr>
 *   <tr><td>{@code ren.presence.members}</td><td>gauge, with {@link Builder#realtime}</td><td></td></tr>
 * </table>
 * Every meter also carries the builder's {@linkplain Builder#tags common tags}. The KV and transform gauges read
 * their source at most once a second however many of them are scraped (a Redis KV backend costs one round trip
 * per reading; a reading that fails is {@code NaN}, never an exception in the scrape).
 *
 * <p>Binding twice to one registry registers nothing new (Micrometer returns the existing meters); binding two
 * hubs to one registry needs a distinguishing common tag.
 *
 * <p>Thread-safety: immutable and thread-safe once built; the builder is not thread-safe.
 */
public final class RenMetrics implements MeterBinder {

  /** How long a KV or transform reading is reused by the gauges that share it. */
  static final Duration READING_TTL = Duration.ofSeconds(1);

  private final RenHub hub;
  private final @Nullable KvStore kv;
  private final @Nullable TransformService transforms;
  private final @Nullable Realtime realtime;
  private final Tags tags;
  private final LongSupplier nanoTime;

  private RenMetrics(Builder b) {
    this.hub = b.hub;
    this.kv = b.kv;
    this.transforms = b.transforms;
    this.realtime = b.realtime;
    this.tags = b.tags;
    this.nanoTime = b.nanoTime;
  }

  /** A builder for the meters of {@code hub}; add the stores whose gauges you want. */
  public static Builder builder(RenHub hub) {
    return new Builder(hub);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    HubStats stats = hub.stats();
    Gauge.builder("ren.streams.active", stats, HubStats::streamsActive).strongReference(true)
        .description("SSE streams open now").tags(tags).register(registry);
    FunctionCounter.builder("ren.streams.opened", stats, HubStats::streamsOpened)
        .description("SSE streams opened, including those refused at once with retry: (max_streams)")
        .tags(tags).register(registry);
    for (StreamCloseReason reason : StreamCloseReason.values()) {
      FunctionCounter.builder("ren.streams.closed", stats, s -> s.streamsClosed(reason))
          .description("SSE streams that ended, by why").tags(tags).tag("reason", reason.tag()).register(registry);
    }
    for (EventDomain domain : EventDomain.values()) {
      FunctionCounter.builder("ren.events.published", stats, s -> s.eventsPublished(domain))
          .description("events this node published (appended to the event log), by domain").tags(tags)
          .tag("domain", domain.tag()).register(registry);
    }
    FunctionCounter.builder("ren.events.delivered", stats, HubStats::eventsDelivered)
        .description("events handed to subscribers (one per subscriber), replayed ones included").tags(tags)
        .register(registry);
    FunctionCounter.builder("ren.replay.events", stats, HubStats::replayEvents)
        .description("events replayed to subscribers that resumed with Last-Event-ID").tags(tags)
        .register(registry);
    FunctionCounter.builder("ren.replay.resets", stats, HubStats::replayResets)
        .description("resumes that could not be served and were told to reset").tags(tags).register(registry);
    FunctionTimer.builder("ren.log.append", stats, HubStats::logAppends, s -> s.logAppendTime(TimeUnit.NANOSECONDS),
            TimeUnit.NANOSECONDS)
        .description("appends to the event log (memory ring or Redis stream)").tags(tags).register(registry);

    KvStore k = kv;
    if (k != null) {
      KvReading reading = new KvReading(k, nanoTime, READING_TTL.toNanos());
      Gauge.builder("ren.kv.entries", reading, KvReading::entries).strongReference(true)
          .description("KV entries held, all tenants (for a shared backend, all nodes)").tags(tags)
          .register(registry);
      Gauge.builder("ren.kv.bytes", reading, KvReading::bytes).strongReference(true).baseUnit(BaseUnits.BYTES)
          .description("KV bytes held as charged against maxTotalBytes").tags(tags).register(registry);
    }
    TransformService t = transforms;
    if (t != null) {
      JobReading reading = new JobReading(t, nanoTime, READING_TTL.toNanos());
      for (dev.ren.transform.JobStatus state : dev.ren.transform.JobStatus.values()) {
        Gauge.builder("ren.transform.jobs", reading, r -> r.count(state)).strongReference(true)
            .description("transform jobs held, by state (finished ones while remembered for status queries)")
            .tags(tags).tag("state", state.wire()).register(registry);
      }
    }
    Realtime r = realtime;
    if (r != null) {
      Gauge.builder("ren.presence.members", r, Realtime::presenceMembers).strongReference(true)
          .description("presence members on all channels").tags(tags).register(registry);
    }
  }

  /**
   * Configures {@link RenMetrics}. Each setting may be given once.
   *
   * <p>Thread-safety: not thread-safe; the built binder is.
   */
  public static final class Builder {
    private final RenHub hub;
    private final Settings settings = new Settings();
    private @Nullable KvStore kv;
    private @Nullable TransformService transforms;
    private @Nullable Realtime realtime;
    private Tags tags = Tags.empty();
    private LongSupplier nanoTime = System::nanoTime;

    private Builder(RenHub hub) {
      this.hub = Objects.requireNonNull(hub, "hub");
    }

    /** Adds {@code ren.kv.entries} and {@code ren.kv.bytes} for this store ({@link KvStore#usage()}). */
    public Builder kv(KvStore store) {
      this.kv = settings.once("kv", Objects.requireNonNull(store, "kv"));
      return this;
    }

    /** Adds {@code ren.transform.jobs} by state for this service ({@link TransformService#jobCounts()}). */
    public Builder transforms(TransformService service) {
      this.transforms = settings.once("transforms", Objects.requireNonNull(service, "transforms"));
      return this;
    }

    /** Adds {@code ren.presence.members} for this realtime ({@link Realtime#presenceMembers()}). */
    public Builder realtime(Realtime rt) {
      this.realtime = settings.once("realtime", Objects.requireNonNull(rt, "realtime"));
      return this;
    }

    /**
     * Tags every meter carries, e.g. {@code Tags.of("hub", "orders")} to tell two hubs apart in one registry. Keep
     * their values bounded (never a per-request value).
     */
    public Builder tags(Iterable<Tag> common) {
      this.tags = settings.once("tags", Tags.of(Objects.requireNonNull(common, "tags")));
      return this;
    }

    /** The clock that ages the shared KV and transform readings; for tests. Default {@link System#nanoTime}. */
    Builder nanoTime(LongSupplier clock) {
      this.nanoTime = Objects.requireNonNull(clock, "nanoTime");
      return this;
    }

    public RenMetrics build() {
      return new RenMetrics(this);
    }
  }

  /** The names of every meter this binder can register, for documentation and tests. */
  public static List<String> meterNames() {
    return List.of("ren.streams.active", "ren.streams.opened", "ren.streams.closed", "ren.events.published",
        "ren.events.delivered", "ren.replay.events", "ren.replay.resets", "ren.log.append", "ren.kv.entries",
        "ren.kv.bytes", "ren.transform.jobs", "ren.presence.members");
  }
}
