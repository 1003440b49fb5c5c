package dev.ren.kv;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default {@link KvBackend}: a Caffeine cache with a per-entry {@link Expiry} and a real {@link Scheduler}, so
 * entries expire (and are announced) without cache traffic. Unless the caller supplies a scheduler, the backend
 * owns an {@link ExpiryScheduler} (one thread) and stops it in {@link #close()}.
 *
 * <p>Versions come from one counter per store, drawn inside the cache's atomic compute, so the versions of one
 * key increase in the order its puts are applied, also across deletes.
 *
 * <p>Removal causes: {@code EXPIRED} → {@link KvBackend.Listener#expired}, {@code SIZE} (and {@code COLLECTED},
 * which cannot happen with strong values) → {@link KvBackend.Listener#evicted}; {@code REPLACED} and
 * {@code EXPLICIT} → nothing (the store announces puts and deletes itself). Caffeine delivers removal
 * notifications asynchronously, so one can arrive after a newer put of the same key (RELIABILITY 28). The
 * notification is therefore re-checked inside {@code computeIfAbsent} on that key: it is reported only if no live
 * value is present, and because the check holds the key's lock, a concurrent put is applied (and published by the
 * store) only after the report.
 *
 * <p>Bounds: values are kept as their compact JSON text (in 64 KiB chunks, {@link KvText}, so that the heap holds
 * what is counted), and a {@link StoreBudget} counts entries and bytes as stored. A put reserves its share (the
 * difference, when it replaces a value) inside the key's {@code compute}, so a put the budget refuses
 * ({@link KvStoreFullException}) changes nothing; before refusing, the put runs due expiry once
 * ({@link Cache#cleanUp()}), so an entry past its deadline by more than Caffeine's timer granularity (about a
 * second) does not keep room even if the expiry thread has not run yet. An entry's share returns
 * when it is removed, replaced, expires or is evicted: Caffeine's eviction listener runs inside the removal, and
 * an explicit remove releases what it removed. Each {@link Stored} is released at most once (its
 * {@code charged} flag), whichever path sees it first.
 *
 * <p>Listing scans the map (O(entries) per page, keeping only the {@code limit + 1} smallest keys after the
 * cursor); the cursor is the last key returned, so pages are stable.
 *
 * <p>Thread-safety: thread-safe.
 */
final class CaffeineKvBackend implements KvBackend {

  private static final System.Logger LOG = System.getLogger(CaffeineKvBackend.class.getName());
  private static final String CURSOR_PREFIX = "k1.";

  private final Cache<KvKey, Stored> cache;
  private final ConcurrentMap<KvKey, Stored> map;
  private final Ticker ticker;
  private final Clock clock;
  private final long maximumSize;
  private final StoreBudget budget;
  /** The thread this backend started, or null when the caller supplied the scheduler. */
  private final @Nullable ExpiryScheduler ownedScheduler;
  private final AtomicLong versions = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable Listener listener;

  /** A backend with the default bounds ({@link KvStore.Builder}); for tests. */
  CaffeineKvBackend(long maximumSize, @Nullable Scheduler scheduler, @Nullable Ticker ticker,
      @Nullable Executor executor, @Nullable Clock clock) {
    this(maximumSize, new StoreBudget(KvStore.Builder.DEFAULT_MAX_ENTRIES, KvStore.Builder.DEFAULT_MAX_TOTAL_BYTES),
        scheduler, ticker, executor, clock);
  }

  CaffeineKvBackend(long maximumSize, StoreBudget budget, @Nullable Scheduler scheduler, @Nullable Ticker ticker,
      @Nullable Executor executor, @Nullable Clock clock) {
    this.budget = budget;
    this.ticker = ticker != null ? ticker : Ticker.systemTicker();
    this.clock = clock != null ? clock : Clock.systemUTC();
    this.maximumSize = maximumSize;
    Scheduler s = scheduler;
    if (s == null) {
      ownedScheduler = new ExpiryScheduler();
      s = ownedScheduler;
    } else {
      ownedScheduler = null;
    }
    // Maintenance and removal notices run on the calling thread by default: Caffeine's default (the common pool)
    // hands every put's REPLACED notice to another thread, one wake-up per put for a notice we ignore.
    Caffeine<Object, Object> b = Caffeine.newBuilder().ticker(this.ticker).scheduler(s)
        .executor(executor != null ? executor : Runnable::run);
    if (maximumSize >= 0) {
      b.maximumSize(maximumSize);
    }
    this.cache = b.expireAfter(new PerEntryExpiry())
        .<KvKey, Stored>removalListener(this::onRemoval)
        .evictionListener((@Nullable KvKey k, @Nullable Stored v, RemovalCause c) -> release(v))
        .build();
    this.map = cache.asMap();
  }

  @Override
  public void start(Listener l) {
    if (listener != null) {
      throw new IllegalStateException("backend was already started with " + listener);
    }
    this.listener = l;
  }

  @Override
  public KvEntry put(KvKey key, byte[] json, @Nullable Duration ttl) {
    checkOpen();
    long deadline = ttl == null ? 0 : ticker.read() + ttl.toNanos();
    Instant expiration = ttl == null ? null : clock.instant().plus(ttl);
    long weight = StoreBudget.weight(key, json.length);
    KvText text = KvText.of(json); // split before taking the key's lock
    Stored s;
    try {
      s = charged(key, text, weight, ttl != null, deadline, expiration);
    } catch (KvStoreFullException full) {
      cache.cleanUp(); // entries past their deadline give their room back first; then refuse for real
      s = charged(key, text, weight, ttl != null, deadline, expiration);
    }
    return s.entry(key);
  }

  private Stored charged(KvKey key, KvText json, long weight, boolean hasDeadline, long deadline,
      @Nullable Instant expiration) {
    return map.compute(key, (k, old) -> {
      // under the key's lock: nothing else can release old meanwhile
      boolean replaces = old != null && old.isCharged();
      budget.reserve(replaces ? weight - old.weight : weight, !replaces); // throws: the mapping stays as it was
      if (replaces) {
        old.uncharge(); // its share moved to the new value
      }
      return new Stored(json, weight, versions.incrementAndGet(), hasDeadline, deadline, expiration);
    });
  }

  private void release(@Nullable Stored s) {
    if (s != null && s.uncharge()) {
      budget.release(s.weight);
    }
  }

  /** What the store holds, as charged; for tests. */
  StoreBudget budget() {
    return budget;
  }

  @Override
  public KvUsage usage() {
    return new KvUsage(budget.entries(), budget.bytes());
  }

  /** The live stored record of {@code key}, or null; for tests. */
  @Nullable Stored stored(KvKey key) {
    return map.get(key);
  }

  @Override
  public @Nullable KvEntry get(KvKey key) {
    checkOpen();
    Stored s = cache.getIfPresent(key);
    return s == null || s.expired(ticker.read()) ? null : s.entry(key);
  }

  @Override
  public @Nullable KvEntry remove(KvKey key) {
    checkOpen();
    // Caffeine returns null for an entry past its deadline and reports it as EXPIRED instead
    Stored s = map.remove(key);
    if (s == null) {
      return null;
    }
    release(s);
    return s.entry(key);
  }

  @Override
  public KvPage list(@Nullable String tenant, String namespace, String prefix, int limit,
      @Nullable String cursor) {
    checkOpen();
    String after = cursor == null ? null : decodeCursor(cursor);
    long now = ticker.read();
    Comparator<Map.Entry<KvKey, Stored>> byKey = Comparator.comparing(e -> e.getKey().key());
    // max-heap of the limit + 1 smallest keys after the cursor
    PriorityQueue<Map.Entry<KvKey, Stored>> top = new PriorityQueue<>(limit + 2, byKey.reversed());
    for (Map.Entry<KvKey, Stored> e : map.entrySet()) {
      KvKey k = e.getKey();
      if (!Objects.equals(k.tenant(), tenant) || !k.namespace().equals(namespace) || !k.key().startsWith(prefix)
          || (after != null && k.key().compareTo(after) <= 0) || e.getValue().expired(now)) {
        continue;
      }
      top.add(Map.entry(k, e.getValue()));
      if (top.size() > limit + 1) {
        top.poll();
      }
    }
    List<Map.Entry<KvKey, Stored>> sorted = new ArrayList<>(top);
    sorted.sort(byKey);
    boolean more = sorted.size() > limit;
    List<KvPage.Item> items = new ArrayList<>(Math.min(limit, sorted.size()));
    for (int i = 0; i < sorted.size() && i < limit; i++) {
      Map.Entry<KvKey, Stored> e = sorted.get(i);
      items.add(new KvPage.Item(e.getKey().key(), e.getValue().expiration));
    }
    String next = more ? encodeCursor(items.get(items.size() - 1).name()) : null;
    return new KvPage(items, next);
  }

  static String encodeCursor(String lastKey) {
    return CURSOR_PREFIX + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
  }

  static String decodeCursor(String cursor) {
    if (!cursor.startsWith(CURSOR_PREFIX) || cursor.length() > 1024) {
      throw new IllegalArgumentException("cursor '" + Printable.of(cursor)
          + "' is not a cursor returned by a previous list call");
    }
    try {
      String key = new String(Base64.getUrlDecoder().decode(cursor.substring(CURSOR_PREFIX.length())),
          StandardCharsets.UTF_8);
      return KvKey.checkKey(key);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cursor '" + Printable.of(cursor)
          + "' is not a cursor returned by a previous list call", e);
    }
  }

  /** Runs Caffeine's pending maintenance now (tests with a fake ticker and a disabled scheduler). */
  void cleanUp() {
    cache.cleanUp();
  }

  private void onRemoval(@Nullable KvKey key, @Nullable Stored value, RemovalCause cause) {
    Listener l = listener;
    if (key == null || value == null || !cause.wasEvicted() || l == null || closed.get()) {
      return; // REPLACED and EXPLICIT are announced by the store's put and delete
    }
    boolean expired = cause == RemovalCause.EXPIRED;
    try {
      map.computeIfAbsent(key, k -> {
        // no live value: nothing newer can have been published; report while holding the key
        if (expired) {
          l.expired(k, value.version);
        } else {
          l.evicted(k, value.version);
        }
        return null;
      });
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "removal notification failed for " + (key.tenant() == null ? "" : key.tenant() + " ")
          + key.namespace() + "/" + Printable.of(key.key()) + " (" + cause + ")", e);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("KV backend is closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      listener = null;
      cache.invalidateAll();
      if (ownedScheduler != null) {
        ownedScheduler.close(); // last: invalidating may still schedule; a schedule after this is a no-op
      }
    }
  }

  @Override
  public String toString() {
    return "Caffeine[" + budget + (maximumSize >= 0 ? ", evicting past " + maximumSize : "") + "]";
  }

  /** A stored value; identity matters (Caffeine compares values by identity in conditional operations). */
  static final class Stored {
    private static final VarHandle CHARGED;

    static {
      try {
        CHARGED = MethodHandles.lookup().findVarHandle(Stored.class, "charged", boolean.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** Compact UTF-8 JSON in chunks (no array of half a G1 region or more), never changed. */
    final KvText json;
    /** What this entry is charged in the budget ({@link StoreBudget#weight}). */
    final long weight;
    final long version;
    final boolean hasDeadline;
    /** Ticker nanos at which the entry expires; meaningful only with {@link #hasDeadline}. */
    final long deadline;
    final @Nullable Instant expiration;
    /** Whether {@link #weight} is still counted in the budget; cleared exactly once (CAS). */
    @SuppressWarnings("unused") // accessed through CHARGED
    private volatile boolean charged = true;

    Stored(KvText json, long weight, long version, boolean hasDeadline, long deadline,
        @Nullable Instant expiration) {
      this.json = json;
      this.weight = weight;
      this.version = version;
      this.hasDeadline = hasDeadline;
      this.deadline = deadline;
      this.expiration = expiration;
    }

    boolean isCharged() {
      return (boolean) CHARGED.getVolatile(this);
    }

    /** Clears the charge; true only for the one caller that cleared it. */
    boolean uncharge() {
      return CHARGED.compareAndSet(this, true, false);
    }

    boolean expired(long now) {
      return hasDeadline && now - deadline >= 0;
    }

    long remaining(long now) {
      return hasDeadline ? Math.max(0, deadline - now) : Long.MAX_VALUE;
    }

    KvEntry entry(KvKey key) {
      return KvEntry.wrap(key, json, version, expiration);
    }
  }

  private static final class PerEntryExpiry implements Expiry<KvKey, Stored> {
    @Override
    public long expireAfterCreate(KvKey key, Stored value, long currentTime) {
      return value.remaining(currentTime);
    }

    @Override
    public long expireAfterUpdate(KvKey key, Stored value, long currentTime, long currentDuration) {
      return value.remaining(currentTime);
    }

    @Override
    public long expireAfterRead(KvKey key, Stored value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
