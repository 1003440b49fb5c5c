package dev.ren.health;

import java.util.Objects;

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

  public boolean isUp() {
    return status == Status.UP;
  }

  /** A check's outcome. */
  public enum Status {
    UP, DOWN
  }
}
