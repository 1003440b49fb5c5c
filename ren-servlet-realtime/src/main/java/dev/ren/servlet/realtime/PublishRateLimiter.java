package dev.ren.servlet.realtime;

import dev.ren.access.RenCaller;
import org.jspecify.annotations.Nullable;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Publish rate per caller: a token bucket per authenticated user in its tenant, else per remote address, refilled
 * at {@code perSecond} up to {@code burst}. The buckets are bounded: at most {@link #MAX_BUCKETS} are kept, the
 * least recently used one dropped beyond that (a caller pushed out starts again with a full bucket), and a bucket
 * idle long enough to be full again is the same as none, so such buckets are dropped as they come to the front.
 *
 * <p>Thread-safety: thread-safe; one short lock per publish.
 */
final class PublishRateLimiter {

  /** The most buckets kept at once. */
  static final int MAX_BUCKETS = 10_000;

  private final double perNano;
  private final double burst;
  private final long fullAfterNanos;
  private final LongSupplier nanos;
  private final int maxBuckets;
  /** Access order: the eldest is the least recently used. Guarded by this. */
  private final LinkedHashMap<Object, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true);

  PublishRateLimiter(RealtimeServlet.PublishRate rate, LongSupplier nanos, int maxBuckets) {
    this.perNano = rate.perSecond() / 1e9;
    this.burst = rate.burst();
    this.fullAfterNanos = (long) Math.ceil(rate.burst() / perNano);
    this.nanos = nanos;
    this.maxBuckets = maxBuckets;
  }

  /** Who a bucket is for: a user in its tenant. */
  private record UserKey(String user, @Nullable String tenant) {}

  /** Who a bucket is for: an anonymous caller's address. */
  private record AddressKey(String address) {}

  static Object key(RenCaller caller, String remoteAddress) {
    String user = caller.user();
    return user != null ? new UserKey(user, caller.tenant()) : new AddressKey(remoteAddress);
  }

  /**
   * Takes one token from {@code key}'s bucket.
   *
   * @return 0 if taken, else the whole seconds (at least 1) until one is there
   */
  synchronized long acquire(Object key) {
    long now = nanos.getAsLong();
    dropIdle(now);
    Bucket b = buckets.get(key);
    if (b == null) {
      b = new Bucket(burst, now);
      buckets.put(key, b);
      if (buckets.size() > maxBuckets) {
        Iterator<Object> eldest = buckets.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
    b.tokens = Math.min(burst, b.tokens + (now - b.at) * perNano);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - b.tokens) / perNano / 1e9));
  }

  /** Drops buckets at the front that have been idle long enough to be full (at most a few per call). */
  private void dropIdle(long now) {
    Iterator<Map.Entry<Object, Bucket>> it = buckets.entrySet().iterator();
    for (int i = 0; i < 8 && it.hasNext(); i++) {
      if (now - it.next().getValue().at >= fullAfterNanos) {
        it.remove();
      } else {
        return;
      }
    }
  }

  /** How many buckets are kept (for tests of the bound). */
  synchronized int size() {
    return buckets.size();
  }

  /** One caller's tokens at {@code at} (nanos); guarded by the limiter. */
  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }
}
