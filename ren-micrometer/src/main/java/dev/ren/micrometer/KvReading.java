package dev.ren.micrometer;

import dev.ren.kv.KvStore;
import dev.ren.kv.KvUsage;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One {@link KvStore#usage()} reading shared by the two KV gauges and reused for a short while, so a scrape costs a
 * Redis backend one round trip, not two. A failed reading is {@code NaN} (and logged at debug).
 *
 * <p>Thread-safety: thread-safe; two scrapes at once may both read the store (harmless).
 */
final class KvReading {

  private static final System.Logger LOG = System.getLogger(KvReading.class.getName());

  private final KvStore store;
  private final LongSupplier nanoTime;
  private final long ttlNanos;
  private volatile @Nullable Taken last;

  private record Taken(long at, double entries, double bytes) {}

  KvReading(KvStore store, LongSupplier nanoTime, long ttlNanos) {
    this.store = store;
    this.nanoTime = nanoTime;
    this.ttlNanos = ttlNanos;
  }

  double entries() {
    return read().entries();
  }

  double bytes() {
    return read().bytes();
  }

  private Taken read() {
    long now = nanoTime.getAsLong();
    Taken t = last;
    if (t != null && now - t.at() < ttlNanos) {
      return t;
    }
    double entries = Double.NaN;
    double bytes = Double.NaN;
    try {
      Optional<KvUsage> u = store.usage();
      if (u.isPresent()) {
        entries = u.get().entries();
        bytes = u.get().bytes();
      }
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "KV usage could not be read for ren.kv.* gauges", e);
    }
    Taken fresh = new Taken(now, entries, bytes);
    last = fresh;
    return fresh;
  }
}
