package dev.ren.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * REN's one retry-delay rule, used by the Java client's reconnects, the Redis log's reconnects and tail retries,
 * document-store retries and transform retries: the first delay is {@code initial}, each later one doubles, none
 * exceeds {@code max}; with jitter {@code j}, a delay {@code d} is drawn uniformly from {@code [d·(1−j), d]}, so
 * many clients that lost one server do not all come back in the same millisecond.
 *
 * <pre>{@code
 * Backoff b = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(15)).withJitter(0.5);
 * Duration wait = b.delay(attempt); // attempt 1, 2, 3, ...
 * }</pre>
 *
 * <p>Internal: not part of REN's API. Thread-safety: immutable, thread-safe.
 */
public final class Backoff {

  private final long initialNanos;
  private final long maxNanos;
  private final double jitter;
  private final DoubleSupplier random;

  private Backoff(long initialNanos, long maxNanos, double jitter, DoubleSupplier random) {
    this.initialNanos = initialNanos;
    this.maxNanos = maxNanos;
    this.jitter = jitter;
    this.random = random;
  }

  /**
   * Delays of {@code initial}, doubling, capped at {@code max}, without jitter.
   *
   * @throws IllegalArgumentException if {@code initial} is not positive or {@code max} is below it
   */
  public static Backoff exponential(Duration initial, Duration max) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial delay must be positive, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max delay " + max + " must not be below the initial delay " + initial);
    }
    return new Backoff(initial.toNanos(), max.toNanos(), 0, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * The same delays, each reduced by a random share of at most {@code fraction}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= fraction <= 1}
   */
  public Backoff withJitter(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1], was " + fraction);
    }
    return new Backoff(initialNanos, maxNanos, fraction, random);
  }

  /** The same policy drawing jitter from {@code random} (values in {@code [0, 1)}); for deterministic tests. */
  public Backoff withRandom(DoubleSupplier random) {
    return new Backoff(initialNanos, maxNanos, jitter, Objects.requireNonNull(random, "random"));
  }

  /**
   * The delay before retry number {@code attempt}.
   *
   * @param attempt 1 for the first retry; values below 1 count as 1
   */
  public Duration delay(int attempt) {
    int doublings = Math.max(0, Math.min(attempt - 1, 62));
    long d = initialNanos;
    for (int i = 0; i < doublings && d < maxNanos; i++) {
      d = d > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : d * 2;
    }
    d = Math.min(d, maxNanos);
    if (jitter > 0) {
      d -= (long) (d * jitter * random.getAsDouble());
    }
    return Duration.ofNanos(d);
  }

  /** The longest delay this policy gives. */
  public Duration max() {
    return Duration.ofNanos(maxNanos);
  }

  @Override
  public String toString() {
    return "Backoff[initial=" + Duration.ofNanos(initialNanos) + ", max=" + Duration.ofNanos(maxNanos)
        + ", jitter=" + jitter + "]";
  }
}
