package dev.ren.log;

/**
 * A position in an {@link EventLog}: two longs compared in order ({@code hi}, then {@code lo}). The in-memory
 * log uses {@code (sequence, 0)}; a Redis Streams log uses {@code (milliseconds, sequence)} of the entry id.
 *
 * <p>Thread-safety: immutable.
 */
public record Position(long hi, long lo) implements Comparable<Position> {

  /** The position before any entry. */
  public static final Position ZERO = new Position(0, 0);

  @Override
  public int compareTo(Position o) {
    int c = Long.compare(hi, o.hi);
    return c != 0 ? c : Long.compare(lo, o.lo);
  }

  public boolean isAfter(Position o) {
    return compareTo(o) > 0;
  }

  @Override
  public String toString() {
    return hi + "-" + lo;
  }
}
