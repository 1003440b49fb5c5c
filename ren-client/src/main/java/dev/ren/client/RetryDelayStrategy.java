package dev.ren.client;

import dev.ren.internal.Backoff;
import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * How long a {@link RenClient} waits before it reconnects; the counterpart of okhttp-eventsource's
 * {@code RetryDelayStrategy}. The client asks once each time a connection ends, or fails to open, and it will try
 * again.
 *
 * <p>{@code attempt} counts the attempts since the last connection that worked (one that delivered at least one
 * message, normally the {@code ren.meta} frame): 1 for the first reconnect after a working connection dropped (or
 * after the very first attempt failed), 2 when that reconnect failed too, and so on. The client restarts the count
 * after each working connection, so a strategy keeps no state of its own.
 *
 * <p>{@code serverRetry} is the reconnection time the server last sent in a {@code retry:} field (on any connection
 * of this client), or null if it has sent none. The SSE standard makes it the time a client waits before
 * reconnecting and lets a client wait longer, for instance to back off; the {@link #exponential default} therefore
 * never waits less than it.
 *
 * <pre>{@code
 * RenClient ren = RenClient.builder(uri)
 *     .retryDelayStrategy((attempt, serverRetry) -> Duration.ofSeconds(Math.min(attempt, 30)))
 *     .build();
 * }</pre>
 *
 * <p>A strategy that throws, or returns null or a negative duration, is a bug: the client reports the failure to
 * its {@linkplain RenClient#onError error listeners} and closes instead of guessing a delay.
 *
 * <p>Thread-safety: implementations must be thread-safe; a client calls its strategy from its connection threads,
 * one call at a time.
 */
@FunctionalInterface
public interface RetryDelayStrategy {

  /**
   * The wait before reconnect attempt {@code attempt}.
   *
   * @param attempt     1, 2, 3, ... since the last working connection
   * @param serverRetry the server's last {@code retry:} value, or null
   * @return the wait, zero or positive
   */
  Duration nextDelay(int attempt, @Nullable Duration serverRetry);

  /**
   * REN's reconnect backoff, the client's default: {@code initial} (1 s by default), doubling, capped at
   * {@code max} (15 s by default); each wait {@code d} is drawn uniformly from {@code (d/2, d]}, so the clients of a
   * restarted server do not all return in the same millisecond. A server's {@code retry:} is a floor: the wait is
   * the larger of the backoff and the server's value, which may exceed {@code max} (an overloaded server knows
   * better than the client when to come back).
   *
   * @throws IllegalArgumentException if {@code initial} is not positive or {@code max} is below it
   */
  static RetryDelayStrategy exponential(Duration initial, Duration max) {
    return new ExponentialRetryDelay(Backoff.exponential(initial, max).withJitter(0.5));
  }
}
