package dev.ren.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BackoffTest {

  private final Backoff oneToFifteen = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(15));

  @Test
  void delay_attempts_doubleFromInitialUpToMax() {
    assertEquals(Duration.ofSeconds(1), oneToFifteen.delay(1));
    assertEquals(Duration.ofSeconds(2), oneToFifteen.delay(2));
    assertEquals(Duration.ofSeconds(4), oneToFifteen.delay(3));
    assertEquals(Duration.ofSeconds(8), oneToFifteen.delay(4));
    assertEquals(Duration.ofSeconds(15), oneToFifteen.delay(5));
    assertEquals(Duration.ofSeconds(15), oneToFifteen.delay(Integer.MAX_VALUE));
  }

  @Test
  void delay_attemptBelowOne_countsAsFirst() {
    assertEquals(Duration.ofSeconds(1), oneToFifteen.delay(0));
    assertEquals(Duration.ofSeconds(1), oneToFifteen.delay(-5));
  }

  @Test
  void delay_withJitter_staysWithinTheJitteredRange() {
    Backoff none = oneToFifteen.withJitter(0.5).withRandom(() -> 0.0);
    Backoff most = oneToFifteen.withJitter(0.5).withRandom(() -> 0.999_999);
    assertEquals(Duration.ofSeconds(4), none.delay(3));
    assertEquals(2_000_002_000L, most.delay(3).toNanos(), 1_000); // 4 s less 0.5 x 0.999999 of it
  }

  @Test
  void exponential_badBounds_refused() {
    assertThrows(IllegalArgumentException.class, () -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class,
        () -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> oneToFifteen.withJitter(1.5));
    assertThrows(IllegalArgumentException.class, () -> oneToFifteen.withJitter(Double.NaN));
  }
}
