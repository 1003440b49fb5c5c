package dev.ren.kv;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.ren.AppliedButNotPublishedException;
import dev.ren.RenPublisher;
import dev.ren.health.Health;
import dev.ren.internal.Settings;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A key-value store whose every change is announced on a {@link RenPublisher}: {@code kv.put}, {@code kv.delete},
 * {@code kv.expired} (system-caused, no {@code src}) and, when a size bound is set, {@code kv.evicted}. No removal
 * is silent. Values are JSON; keys live in namespaces ({@link #namespace}), and namespaces in tenants
 * ({@link #tenant(String)}; the store itself is the default tenant).
 *
 * <pre>{@code
 * RenHub hub = RenHub.create();
 * try (KvStore kv = KvStore.inMemory(hub)) {
 *   kv.namespace("demo").put("todo:1", "buy milk");
 * }
 * KvStore bounded = KvStore.builder(hub).maxTotalBytes(256L << 20).maxEntries(1_000_000).build();
 * }</pre>
 *
 * <p><b>Bounds.</b> Values are kept as their compact JSON text, so a value costs about its text, and every bound
 * is measured as stored, not as a request body:
 * <ul>
 *   <li>{@linkplain Builder#maxValueBytes value size}: a value longer than this as compact JSON is refused with
 *       {@link KvValueTooLargeException} (HTTP {@code 413}); default {@value Builder#DEFAULT_MAX_VALUE_BYTES}
 *       bytes;</li>
 *   <li>{@linkplain Builder#maxEntries entries} and {@linkplain Builder#maxTotalBytes total bytes} for the
 *       <em>whole store</em>, all namespaces together (namespaces are named by clients, so a bound per namespace
 *       would bound nothing): a put past either is refused with {@link KvStoreFullException} (HTTP {@code 507});
 *       defaults {@value Builder#DEFAULT_MAX_ENTRIES} entries and {@value Builder#DEFAULT_MAX_TOTAL_BYTES} bytes.
 *       An entry counts its value text, its key and namespace (2 bytes a character) and an estimated
 *       {@value StoreBudget#ENTRY_OVERHEAD} bytes of per-entry objects. A put that replaces a value is charged the
 *       difference; a delete, an expiry and an eviction give the entry's share back.</li>
 * </ul>
 * A refused put stores nothing and publishes nothing. {@link Builder#maximumSize} is different: it makes room by
 * evicting (announced as {@code kv.evicted}) instead of refusing.
 *
 * <p><b>Durability.</b> The default store is in memory only: nothing is written anywhere, and every entry is lost
 * when the store is closed or the process stops. Subscribers are not told of that loss.
 *
 * <p>The default backend is Caffeine with per-entry TTL and a real scheduler, so expiry fires (and
 * {@code kv.expired} is published) without cache traffic, within about a second of the deadline; reads after the
 * deadline return absent at once. Other backends plug in through {@link KvBackend}.
 *
 * <p><b>Applied but not published.</b> Every event is published after its change is applied, through
 * {@link RenPublisher#publishApplied}. When that fails (a remote event log is down):
 * <ul>
 *   <li>a put or delete throws {@link AppliedButNotPublishedException} to its caller; the value is stored (or the
 *       key removed) all the same, so the caller must not retry blindly. Over HTTP this is {@code 503}
 *       {@code {"error":"not_published",...,"applied":true}};</li>
 *   <li>an expiry or eviction is system-caused: no caller waits for it, so nothing can be thrown. The entry is gone
 *       and the failure is logged at {@code WARNING} on the {@code dev.ren.kv.KvStore} logger; subscribers miss
 *       that {@code kv.expired}/{@code kv.evicted} and learn of it only when they refetch.</li>
 * </ul>
 *
 * <p>Threads: the default store starts one daemon thread ({@code ren-kv-expiry-<n>}, with the first TTL) for
 * expiry; {@link #close()} stops it and waits for it to end. A {@linkplain Builder#scheduler scheduler} or
 * {@linkplain Builder#executor executor} supplied by the caller is never shut down by the store.
 *
 * <p>Thread-safety: thread-safe. {@link #close()} is idempotent; operations after close throw
 * {@link IllegalStateException}.
 */
public interface KvStore extends AutoCloseable {

  /**
   * The namespace {@code name}.
   *
   * @throws IllegalArgumentException unless the name matches {@code [A-Za-z0-9_.-]{1,64}}
   */
  KvNamespace namespace(String name);

  /** The tenant this store works in, or null for the default tenant (what {@link #inMemory} and builders give). */
  @Nullable String tenant();

  /**
   * This store in {@code tenant} (null: the default tenant): a view with its own keys, listings and events, sharing
   * this store's backend, bounds, publisher and expiry thread. Cheap; call it per request.
   * <ul>
   *   <li>one namespace and key in two tenants are two values ({@link KvKey#tenant()} is part of the key);</li>
   *   <li>{@link KvNamespace#list} shows only this tenant's keys;</li>
   *   <li>every event of a tenant's entry carries the tenant ({@link dev.ren.RenEvent#tenant()}), also the
   *       system-caused {@code kv.expired} and {@code kv.evicted}, so only that tenant's streams receive it; the
   *       default tenant's events carry none, as before tenants existed;</li>
   *   <li>the bounds stay store-wide: all tenants share one {@linkplain Builder#maxEntries entry} and
   *       {@linkplain Builder#maxTotalBytes byte} budget (and {@link Builder#maximumSize} evicts across tenants),
   *       so one tenant can fill the store for all; a host that needs a budget per tenant uses a store per
   *       tenant.</li>
   * </ul>
   * {@code tenant(..)} of a view is the same store in that tenant; {@link #close()} of a view closes the shared
   * store.
   *
   * @throws IllegalArgumentException if {@code tenant} is not a valid tenant id
   *                                  ({@link dev.ren.access.RenCaller#isValidTenant})
   */
  KvStore tenant(@Nullable String tenant);

  /**
   * Entries and bytes the whole store holds (all tenants; for a shared backend all nodes), as counted against its
   * bounds; empty when the backend keeps no counts. Cheap for the in-memory store (two counter reads); a Redis
   * backend makes one round trip.
   *
   * @throws KvUnavailableException if a remote backend cannot be reached
   * @throws IllegalStateException if the store is closed
   */
  Optional<KvUsage> usage();

  /**
   * Whether the store can serve now: open, and its backend reachable (a Redis {@code PING} for the Redis backend),
   * answered within about {@code timeout}. Never throws.
   */
  Health health(Duration timeout);

  /**
   * Stops expiry announcements, releases the backend and stops the thread the store started (waiting until it has
   * ended); idempotent.
   */
  @Override
  void close();

  /** An in-memory (Caffeine) store with the default bounds, publishing to {@code publisher}. */
  static KvStore inMemory(RenPublisher publisher) {
    return builder(publisher).build();
  }

  /** A builder for a store publishing to {@code publisher}. */
  static Builder builder(RenPublisher publisher) {
    return new Builder(publisher);
  }

  /**
   * Configures a {@link KvStore}. Each setting may be given once; a repeated setting fails at once naming the
   * earlier value, and a Caffeine setting combined with {@link #backend} fails in {@link #build()}.
   *
   * <p>Thread-safety: not thread-safe; the built store is.
   */
  final class Builder {
    /** Default {@link #maxValueBytes}: 1 MiB, the HTTP binding's default body limit. */
    public static final long DEFAULT_MAX_VALUE_BYTES = 1L << 20;
    /** Default {@link #maxTotalBytes}: 64 MiB. */
    public static final long DEFAULT_MAX_TOTAL_BYTES = 64L << 20;
    /** Default {@link #maxEntries}: 100,000. */
    public static final long DEFAULT_MAX_ENTRIES = 100_000;

    private static final List<String> CAFFEINE_SETTINGS =
        List.of("maximumSize", "maxTotalBytes", "maxEntries", "scheduler", "ticker", "executor", "clock");

    private final RenPublisher publisher;
    private final Settings settings = new Settings();
    private long maximumSize = -1;
    private long maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private long maxTotalBytes = DEFAULT_MAX_TOTAL_BYTES;
    private long maxEntries = DEFAULT_MAX_ENTRIES;
    private @Nullable Scheduler scheduler;
    private @Nullable Ticker ticker;
    private @Nullable Executor executor;
    private @Nullable Clock clock;
    private @Nullable KvBackend backend;

    private Builder(RenPublisher publisher) {
      this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * Bounds the number of entries (Caffeine backend); entries removed to respect it are announced as
     * {@code kv.evicted}. Unbounded by default.
     */
    public Builder maximumSize(long maximumSize) {
      if (maximumSize < 0) {
        throw new IllegalArgumentException("maximumSize must be >= 0, was " + maximumSize);
      }
      this.maximumSize = settings.once("maximumSize", maximumSize);
      return this;
    }

    /**
     * The longest value accepted, in bytes of compact JSON text (what the store keeps, not the request body that
     * carried it); default {@value #DEFAULT_MAX_VALUE_BYTES}. A longer value throws
     * {@link KvValueTooLargeException} and changes nothing. Applies to every backend.
     */
    public Builder maxValueBytes(long maxValueBytes) {
      this.maxValueBytes = settings.once("maxValueBytes", positive("maxValueBytes", maxValueBytes));
      return this;
    }

    /**
     * The most bytes the whole store holds, as stored (see {@link KvStore}, "Bounds"); default
     * {@value #DEFAULT_MAX_TOTAL_BYTES}. A put past it throws {@link KvStoreFullException} and changes nothing.
     * {@code Long.MAX_VALUE} for no bound (Caffeine backend).
     */
    public Builder maxTotalBytes(long maxTotalBytes) {
      this.maxTotalBytes = settings.once("maxTotalBytes", positive("maxTotalBytes", maxTotalBytes));
      return this;
    }

    /**
     * The most entries the whole store holds, all namespaces together; default {@value #DEFAULT_MAX_ENTRIES}. A put
     * of a new key past it throws {@link KvStoreFullException} and changes nothing (unlike {@link #maximumSize},
     * which evicts). {@code Long.MAX_VALUE} for no bound (Caffeine backend).
     */
    public Builder maxEntries(long maxEntries) {
      this.maxEntries = settings.once("maxEntries", positive("maxEntries", maxEntries));
      return this;
    }

    private static long positive(String name, long value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be positive, was " + value);
      }
      return value;
    }

    /**
     * The scheduler that fires expiry without cache traffic (Caffeine backend). By default the store starts one
     * daemon thread ({@code ren-kv-expiry-<n>}) with the first TTL and stops it on close.
     * {@code Scheduler.disabledScheduler()} leaves expiry to cache activity (reads still never return an expired
     * entry). A scheduler given here is the caller's: the store never shuts it down.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = settings.once("scheduler", Objects.requireNonNull(scheduler, "scheduler"));
      return this;
    }

    /** The time source for TTLs (Caffeine backend); {@link Ticker#systemTicker()} by default. For tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = settings.once("ticker", Objects.requireNonNull(ticker, "ticker"));
      return this;
    }

    /**
     * Runs cache maintenance and removal notifications (Caffeine backend). By default they run on the thread that
     * caused them (a put, a read, or the expiry scheduler's thread), which costs a put far less than handing each
     * notice to a pool; {@code kv.expired} and {@code kv.evicted} may then be published on a caller's thread. An
     * executor given here is the caller's: the store never shuts it down.
     */
    public Builder executor(Executor executor) {
      this.executor = settings.once("executor", Objects.requireNonNull(executor, "executor"));
      return this;
    }

    /** The wall clock behind {@link KvEntry#expiration()} (Caffeine backend); the UTC system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = settings.once("clock", Objects.requireNonNull(clock, "clock"));
      return this;
    }

    /** Uses another backend instead of Caffeine; the store closes it when the store is closed. */
    public Builder backend(KvBackend backend) {
      this.backend = settings.once("backend", Objects.requireNonNull(backend, "backend"));
      return this;
    }

    /**
     * Builds the store; the builder's settings are copied.
     *
     * @throws IllegalStateException if a Caffeine setting was combined with {@link #backend}
     */
    public KvStore build() {
      KvBackend b = backend;
      if (b != null) {
        for (String caffeineOnly : CAFFEINE_SETTINGS) {
          if (settings.isSet(caffeineOnly)) {
            throw new IllegalStateException(caffeineOnly + " applies to the Caffeine backend only, but a custom"
                + " backend (" + b + ") was set");
          }
        }
      } else {
        b = new CaffeineKvBackend(maximumSize, new StoreBudget(maxEntries, maxTotalBytes), scheduler, ticker,
            executor, clock);
      }
      return new EventingKvStore(publisher, b, maxValueBytes);
    }
  }
}
