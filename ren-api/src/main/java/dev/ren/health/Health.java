package dev.ren.health;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The answer of a health check: whether a part of REN (the hub, its event log, a store) can do its work now, and a
 * short description for an operator (never a secret: a host and port at most).
 *
 * <p>Checks are bounded in time: each component's {@code health(Duration timeout)} answers within about its
 * timeout (a Redis that does not answer is {@link Status#DOWN}, not a hung probe), so a health endpoint can call it
 * on a request thread. A check never throws; a failure is a {@code DOWN} answer saying why.
 *
 * <pre>{@code
 * Health h = hub.health(Duration.ofSeconds(1));
 * if (!h.isUp()) log.warning("REN: " + h.description());
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param status      up or down
 * @param description what was checked and what was found, e.g. {@code "redis 127.0.0.1:6379/0: PONG in 1 ms"}
 */
public record Health(Status status, String description) {

  public Health {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(description, "description");
  }

  /** Up, with what was checked. */
  public static Health up(String description) {
    return new Health(Status.UP, description);
  }

  /** Down, with why. */
  public static Health down(String description) {
    return new Health(Status.DOWN, description);
  }

  /**
   * Runs a round trip ({@code PING} and the like) bounded by {@code timeout} and says how it went: up with its
   * answer and how long it took, or down saying why ({@code no answer within <timeout>} for a
   * {@link TimeoutException}, the cause's message for an {@link ExecutionException}, a runtime failure's message,
   * or an interrupt, which is kept). Never throws.
   *
   * @param what what is checked, the start of every description (a host and port at most)
   */
  public static Health probe(String what, Duration timeout, Probe probe) {
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(timeout, "timeout");
    long t0 = System.nanoTime();
    try {
      String answer = probe.roundTrip();
      return up(what + ": " + answer + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
    } catch (TimeoutException e) {
      return down(what + ": no answer within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return down(what + ": " + cause.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return down(what + ": check interrupted");
    } catch (RuntimeException e) {
      return down(what + ": " + e.getMessage());
    }
  }

  /** One bounded round trip of a {@link #probe}: its answer (such as {@code PONG}), or the failure. */
  @FunctionalInterface
  public interface Probe {
    String roundTrip() throws InterruptedException, ExecutionException, TimeoutException;
  }

  public boolean isUp() {
    return status == Status.UP;
  }

  /** A check's outcome. */
  public enum Status {
    UP, DOWN
  }
}
