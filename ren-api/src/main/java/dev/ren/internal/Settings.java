package dev.ren.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The record a builder keeps of what it was told, so that every REN builder refuses a setting given twice (as
 * Caffeine's do): a repeated call is a mistake in the caller's wiring, and silently keeping the last value would
 * hide it.
 *
 * <pre>{@code
 * public Builder heartbeat(Duration interval) {
 *   check(interval);
 *   this.heartbeat = settings.once("heartbeat", interval);
 *   return this;
 * }
 * }</pre>
 *
 * <p>Internal: not part of REN's API. Thread-safety: not thread-safe, like the builders that own one.
 */
public final class Settings {

  private final Map<String, Object> given = new HashMap<>();

  /**
   * Records {@code value} for the setting {@code name} and returns it.
   *
   * @throws IllegalStateException if {@code name} was set before, naming the earlier value
   */
  public <T> T once(String name, T value) {
    Object old = given.putIfAbsent(name, value);
    if (old != null) {
      throw new IllegalStateException(name + " was already set to " + old);
    }
    return value;
  }

  /** Whether {@code name} was set. */
  public boolean isSet(String name) {
    return given.containsKey(name);
  }
}
