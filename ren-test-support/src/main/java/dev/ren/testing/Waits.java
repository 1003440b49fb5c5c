package dev.ren.testing;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Waiting for a condition with a deadline, never a bare sleep: a thin layer over Awaitility with REN's defaults
 * (poll every 10 ms, give up after 10 s unless told otherwise).
 *
 * <pre>{@code
 * Waits.until(() -> !hub.isClientConnected("c1"));
 * Waits.atMost(Duration.ofSeconds(2)).until(() -> events.size() == 3);
 * }</pre>
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class Waits {

  /** How long {@link #until} waits. */
  public static final Duration DEFAULT = Duration.ofSeconds(10);

  private Waits() {}

  /** Waits until {@code condition} holds; an assertion error after {@link #DEFAULT}. */
  public static void until(Callable<Boolean> condition) {
    atMost(DEFAULT).until(condition);
  }

  /** An Awaitility condition with REN's polling and the given deadline. */
  public static ConditionFactory atMost(Duration timeout) {
    return Awaitility.await()
        .atMost(timeout)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10));
  }
}
