package dev.ren.db;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generated {@code _id}s: 24 lowercase hex digits, 12 of milliseconds + 4 of a per-millisecond sequence, then 8
 * random per-process digits. They sort by creation time (strictly increasing within one process), like MongoDB
 * ObjectIds.
 *
 * <p>Thread-safety: thread-safe, lock-free.
 */
final class IdGenerator {

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private final AtomicLong last = new AtomicLong();
  private final String suffix;

  IdGenerator() {
    int r = new SecureRandom().nextInt();
    StringBuilder sb = new StringBuilder(8);
    for (int i = 7; i >= 0; i--) {
      sb.append(HEX[(r >>> (i * 4)) & 0xf]);
    }
    suffix = sb.toString();
  }

  String next() {
    long stamp = last.updateAndGet(prev -> Math.max(prev + 1, System.currentTimeMillis() << 16));
    char[] out = new char[16];
    for (int i = 15; i >= 0; i--) {
      out[i] = HEX[(int) (stamp & 0xf)];
      stamp >>>= 4;
    }
    return new String(out) + suffix;
  }
}
