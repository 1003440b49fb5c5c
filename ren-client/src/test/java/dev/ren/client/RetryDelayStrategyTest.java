package dev.ren.client;

import dev.ren.internal.Backoff;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default strategy: REN's backoff, jittered, with the server's retry as a floor. */
class RetryDelayStrategyTest {

  private static RetryDelayStrategy fixed(double random) {
    return new ExponentialRetryDelay(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(15))
        .withJitter(0.5).withRandom(() -> random));
  }

  @Test
  void exponential_consecutiveAttempts_doubleFromInitialCappedAtMax() {
    RetryDelayStrategy s = fixed(0.0);
    List<Long> got = List.of(1, 2, 3, 4, 5, 6, 41, Integer.MAX_VALUE).stream()
        .map(a -> s.nextDelay(a, null).toMillis()).toList();
    assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 15_000L, 15_000L, 15_000L, 15_000L), got);
  }

  @Test
  void exponential_anyRandom_withinHalfToFull() {
    assertEquals(1000, fixed(0.0).nextDelay(1, null).toMillis());
    Duration nearHalf = fixed(0.999999).nextDelay(1, null);
    assertTrue(nearHalf.compareTo(Duration.ofMillis(500)) > 0 && nearHalf.compareTo(Duration.ofSeconds(1)) <= 0,
        nearHalf.toString());
    assertEquals(750, fixed(0.5).nextDelay(1, null).toMillis());
  }

  @Test
  void exponential_serverRetryLongerThanBackoff_serverRetryIsTheFloor() {
    assertEquals(Duration.ofMillis(3000), fixed(0.0).nextDelay(1, Duration.ofMillis(3000)));
    assertEquals(Duration.ofSeconds(60), fixed(0.0).nextDelay(9, Duration.ofSeconds(60)), "may exceed max");
  }

  @Test
  void exponential_serverRetryShorterThanBackoff_backoffKept() {
    assertEquals(Duration.ofSeconds(4), fixed(0.0).nextDelay(3, Duration.ofMillis(100)));
  }

  @Test
  void exponential_invalidBounds_failNamingTheValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RetryDelayStrategy.exponential(Duration.ZERO, Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("PT0S"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> RetryDelayStrategy.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("PT1S"), e.getMessage());
  }
}
