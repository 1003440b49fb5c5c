package dev.ren.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A clock that moves only when the test says so: a wall {@link Clock} and a nano-time source
 * ({@link #nanoSource()}) over one fake instant, for code that takes either. Nothing waits on the real clock.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock(1_000_000);
 * Realtime rt = Realtime.builder(hub).clock(clock).build();
 * clock.advance(Duration.ofSeconds(11));
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ManualClock extends Clock {

  private final AtomicLong nanos;

  /** A clock at {@code startMillis} since the epoch. */
  public ManualClock(long startMillis) {
    this.nanos = new AtomicLong(Math.multiplyExact(startMillis, 1_000_000L));
  }

  /** Moves time forward by {@code d}. */
  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("time only moves forward, not by " + d);
    }
    nanos.addAndGet(d.toNanos());
  }

  /** The same time as a {@code System.nanoTime()}-like source. */
  public LongSupplier nanoSource() {
    return nanos::get;
  }

  @Override
  public long millis() {
    return Math.floorDiv(nanos.get(), 1_000_000L);
  }

  @Override
  public Instant instant() {
    long n = nanos.get();
    return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a ManualClock is always UTC");
  }
}
