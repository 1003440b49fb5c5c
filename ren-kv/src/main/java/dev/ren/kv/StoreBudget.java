package dev.ren.kv;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the Caffeine backend holds, as stored, against its two bounds: entries and bytes. The bytes of an entry are
 * its {@linkplain #weight weight}: the value's compact JSON text, its key, namespace and tenant (two bytes per char, the
 * most a Java string takes) and a fixed estimate of the per-entry objects around them (key record, strings, the
 * stored record, Caffeine's node and the hash-table slot; {@value #ENTRY_OVERHEAD} bytes. Measured with JOL on
 * JDK 17, 64-bit with compressed pointers, over 20,000 tiny entries: 257 to 295 bytes an entry beside the value and
 * key text, with and without TTL and {@code maximumSize}; rounded up so that the count is never below the heap).
 *
 * <p>Invariant: {@code entries() <= maxEntries} and {@code bytes() <= maxBytes} at all times, and each equals the
 * sum over the entries currently charged. A put reserves inside the key's atomic operation before its entry becomes
 * visible, so concurrent puts can never overshoot together; a removal releases after the entry is gone, so the
 * counts may briefly be higher than what is stored (a put may be refused a moment early), never lower.
 *
 * <p>Thread-safety: thread-safe (lock-free counters).
 */
final class StoreBudget {

  /** Estimated heap bytes of one entry beside its value and key text. */
  static final int ENTRY_OVERHEAD = 320;

  private final long maxEntries;
  private final long maxBytes;
  private final AtomicLong entries = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  StoreBudget(long maxEntries, long maxBytes) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** The bytes an entry is charged: value text + key text (tenant, namespace, key) + {@link #ENTRY_OVERHEAD}. */
  static long weight(KvKey key, int jsonLength) {
    String tenant = key.tenant();
    int tenantLength = tenant == null ? 0 : tenant.length();
    return jsonLength + 2L * (tenantLength + key.namespace().length() + key.key().length()) + ENTRY_OVERHEAD;
  }

  /**
   * Reserves {@code deltaBytes} more bytes (negative when a put shrinks a value) and, if {@code newEntry}, one more
   * entry; changes nothing if either bound would be passed.
   *
   * @throws KvStoreFullException if the store cannot take it
   */
  void reserve(long deltaBytes, boolean newEntry) {
    if (newEntry) {
      long e;
      do {
        e = entries.get();
        if (e >= maxEntries) {
          throw new KvStoreFullException(KvStoreFullException.Bound.ENTRIES, maxEntries,
              "the KV store is full: it holds " + e + " entries; the limit is " + maxEntries);
        }
      } while (!entries.compareAndSet(e, e + 1));
    }
    long b;
    do {
      b = bytes.get();
      if (deltaBytes > 0 && b + deltaBytes > maxBytes) {
        if (newEntry) {
          entries.decrementAndGet();
        }
        throw new KvStoreFullException(KvStoreFullException.Bound.BYTES, maxBytes,
            "the KV store is full: this put needs " + deltaBytes + " more bytes as stored, " + b + " of "
                + maxBytes + " are in use");
      }
    } while (!bytes.compareAndSet(b, b + deltaBytes));
  }

  /** Returns what one removed entry of {@code weight} bytes held. */
  void release(long weight) {
    bytes.addAndGet(-weight);
    entries.decrementAndGet();
  }

  long entries() {
    return entries.get();
  }

  long bytes() {
    return bytes.get();
  }

  long maxEntries() {
    return maxEntries;
  }

  long maxBytes() {
    return maxBytes;
  }

  @Override
  public String toString() {
    return entries() + "/" + maxEntries + " entries, " + bytes() + "/" + maxBytes + " bytes";
  }
}
