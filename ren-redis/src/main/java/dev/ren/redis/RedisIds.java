package dev.ren.redis;

import dev.ren.log.Position;
import org.jspecify.annotations.Nullable;

import java.security.SecureRandom;

/**
 * Event ids on the wire: {@code <epoch>:<ms>-<seq>}, where {@code <ms>-<seq>} is the Redis stream entry id and the
 * epoch names one life of the stream (a flushed or lost stream gets a new epoch, so its old ids read as foreign
 * instead of as positions in the new stream).
 *
 * <p>Thread-safety: stateless.
 */
final class RedisIds {

  static final int MAX_ID_LENGTH = 64;
  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private RedisIds() {}

  /** A fresh random epoch: 12 characters of [a-z0-9]. */
  static String newEpoch() {
    char[] c = new char[12];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(c);
  }

  /** Whether a value read from Redis looks like an epoch this class made. */
  static boolean isEpoch(String s) {
    if (s.isEmpty() || s.length() > 16) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  /** The wire id of a stream position in an epoch. */
  static String format(String epoch, Position p) {
    return epoch + ':' + streamId(p);
  }

  /** The Redis stream id of a position ({@code ms-seq}). */
  static String streamId(Position p) {
    return Long.toUnsignedString(p.hi()) + '-' + Long.toUnsignedString(p.lo());
  }

  /**
   * The position named by an untrusted wire id, or null when it is malformed, oversized or from an epoch other than
   * {@code epoch} (a null epoch — not yet known — accepts nothing).
   */
  static @Nullable Position parse(String id, @Nullable String epoch) {
    if (epoch == null || id.length() > MAX_ID_LENGTH || id.length() < epoch.length() + 4) {
      return null;
    }
    if (!id.startsWith(epoch) || id.charAt(epoch.length()) != ':') {
      return null;
    }
    return parseStreamId(id, epoch.length() + 1);
  }

  /** Parses a Redis stream id {@code ms-seq} (both parts decimal, each fitting a signed long), or null. */
  static @Nullable Position parseStreamId(String s, int from) {
    int dash = s.indexOf('-', from);
    if (dash < 0) {
      return null;
    }
    long ms = digits(s, from, dash);
    long seq = digits(s, dash + 1, s.length());
    return ms < 0 || seq < 0 ? null : new Position(ms, seq);
  }

  /** The decimal value of s[from, to), or -1 unless it is 1..18 ASCII digits. */
  private static long digits(String s, int from, int to) {
    int len = to - from;
    if (len < 1 || len > 18) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** The smallest stream id strictly after p. */
  static String next(Position p) {
    return p.lo() == Long.MAX_VALUE ? (p.hi() + 1) + "-0" : p.hi() + "-" + (p.lo() + 1);
  }

  /** The largest stream id strictly before p, or null when p is 0-0. */
  static @Nullable String previous(Position p) {
    if (p.lo() > 0) {
      return p.hi() + "-" + (p.lo() - 1);
    }
    return p.hi() > 0 ? (p.hi() - 1) + "-" + Long.MAX_VALUE : null;
  }
}
