package dev.ren.storage;

import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The upload signatures already used, each remembered until it expires (after that the expiry check refuses it
 * anyway), at most {@link #capacity} at once. Expired ones are forgotten before a new one is counted, so the
 * bound is on signatures used and still valid.
 *
 * <p>Thread-safety: thread-safe (one monitor; each call is a few set operations).
 */
final class UsedSignatures {

  /** What {@link #claim} found. */
  enum Claim { FIRST_USE, ALREADY_USED, FULL }

  private record Entry(long expires, String signature) {}

  private final int capacity;
  private final Set<String> used = new HashSet<>();
  private final PriorityQueue<Entry> byExpiry = new PriorityQueue<>((a, b) -> Long.compare(a.expires, b.expires));

  UsedSignatures(int capacity) {
    this.capacity = capacity;
  }

  int capacity() {
    return capacity;
  }

  /** Marks {@code signature} (valid until {@code expires}, unix seconds) used, unless it was or there is no room. */
  synchronized Claim claim(String signature, long expires, long now) {
    Entry oldest;
    while ((oldest = byExpiry.peek()) != null && oldest.expires < now) {
      byExpiry.poll();
      used.remove(oldest.signature);
    }
    if (used.contains(signature)) {
      return Claim.ALREADY_USED;
    }
    if (used.size() >= capacity) {
      return Claim.FULL;
    }
    used.add(signature);
    byExpiry.add(new Entry(expires, signature));
    return Claim.FIRST_USE;
  }

  /** Forgets a claim. Linear in the claims held, and only called after an upload that stored nothing. */
  synchronized void release(String signature, long expires) {
    if (used.remove(signature)) {
      byExpiry.remove(new Entry(expires, signature));
    }
  }

  synchronized int size() {
    return used.size();
  }
}
