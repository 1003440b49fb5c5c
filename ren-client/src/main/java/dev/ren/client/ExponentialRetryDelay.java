package dev.ren.client;

import dev.ren.internal.Backoff;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * {@link RetryDelayStrategy#exponential}: REN's one {@link Backoff}, with the server's {@code retry:} as a floor.
 *
 * <p>Thread-safety: immutable, thread-safe.
 */
final class ExponentialRetryDelay implements RetryDelayStrategy {

  private final Backoff backoff;

  /** Uses {@code backoff} as given (tests pass one with a fixed random source). */
  ExponentialRetryDelay(Backoff backoff) {
    this.backoff = Objects.requireNonNull(backoff, "backoff");
  }

  @Override
  public Duration nextDelay(int attempt, @Nullable Duration serverRetry) {
    Duration d = backoff.delay(attempt);
    return serverRetry != null && serverRetry.compareTo(d) > 0 ? serverRetry : d;
  }

  @Override
  public String toString() {
    return "RetryDelayStrategy.exponential[" + backoff + ", server retry: floor]";
  }
}
