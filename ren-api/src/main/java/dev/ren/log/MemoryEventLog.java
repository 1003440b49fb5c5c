package dev.ren.log;

import org.jspecify.annotations.Nullable;

import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process event log: ids are {@code <epoch>.<sequence>} where the epoch is random per instance, so an id
 * issued before a restart is recognised as foreign rather than misread as a position in the new sequence.
 * History lives in the hub's ring; this log keeps none, so a resume older than the ring is a reset.
 *
 * <p>{@link #append} delivers to the sink on the caller's thread, under a lock that orders concurrent publishers.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class MemoryEventLog implements EventLog {

  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final int MAX_ID_LENGTH = 64;

  private final String epoch;
  private final String prefix;
  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock
  private long sequence;
  private @Nullable Sink sink;

  /** A log with a fresh random epoch. */
  public MemoryEventLog() {
    this(randomEpoch());
  }

  /** A log with the given epoch ({@code [a-z0-9]{1,16}}), for tests and tools. */
  public MemoryEventLog(String epoch) {
    if (!epoch.matches("[a-z0-9]{1,16}")) {
      throw new IllegalArgumentException("epoch '" + epoch + "' must match [a-z0-9]{1,16}");
    }
    this.epoch = epoch;
    this.prefix = epoch + ".";
  }

  /** The epoch that prefixes every id of this log. */
  public String epoch() {
    return epoch;
  }

  @Override
  public Position start(Sink sink) {
    lock.lock();
    try {
      if (this.sink != null) {
        throw new IllegalStateException("log already started");
      }
      this.sink = Objects.requireNonNull(sink, "sink");
      return new Position(sequence, 0);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String append(EncodedEvent event) {
    lock.lock();
    try {
      Sink s = sink;
      if (s == null) {
        throw new IllegalStateException("log not started");
      }
      long seq = ++sequence;
      String id = prefix + seq;
      s.accept(new LogEntry(new Position(seq, 0), id, event));
      return id;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public @Nullable Position parse(String eventId) {
    if (eventId.length() > MAX_ID_LENGTH || !eventId.startsWith(prefix)) {
      return null;
    }
    int from = prefix.length();
    int len = eventId.length() - from;
    if (len < 1 || len > 18) {
      return null;
    }
    long seq = 0;
    for (int i = from; i < eventId.length(); i++) {
      char c = eventId.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      seq = seq * 10 + (c - '0');
    }
    return new Position(seq, 0);
  }

  @Override
  public String format(Position position) {
    return prefix + position.hi();
  }

  @Override
  public @Nullable List<LogEntry> readAfter(Position after, @Nullable Position before, int max) {
    long last;
    lock.lock();
    try {
      last = sequence;
    } finally {
      lock.unlock();
    }
    if (after.lo() != 0 || after.hi() < 0 || after.hi() > last) {
      return null; // not a position of this log, or from its future
    }
    long end = before == null ? last + 1 : before.hi();
    // history is the ring's; there is nothing between `after` and the ring's oldest entry only when adjacent
    return after.hi() + 1 >= end ? List.of() : null;
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public void close() {
    // nothing held
  }

  private static String randomEpoch() {
    SecureRandom random = new SecureRandom();
    char[] c = new char[8];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    return new String(c);
  }
}
