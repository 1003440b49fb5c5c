package dev.ren.hub;

import dev.ren.EventTypes;

import java.util.Locale;

/**
 * The domain of a published event as a closed set, for counting: the built-in domains of the REN schema and
 * {@link #OTHER} for every custom one. Metrics tag by this, never by a key, namespace or channel, so the number of
 * tag values stays bounded whatever clients do.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum EventDomain {
  KV, DB, STORAGE, TRANSFORM, REALTIME, PRESENCE,
  /** A domain outside the built-in six (an application's own events). */
  OTHER;

  /** The lowercase name, as used for a metric tag: {@code kv}, {@code db}, ..., {@code other}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The domain of an event's {@code r} field; {@link #OTHER} for a domain outside the built-in ones. */
  public static EventDomain of(String r) {
    return switch (r) {
      case EventTypes.KV -> KV;
      case EventTypes.DB -> DB;
      case EventTypes.STORAGE -> STORAGE;
      case EventTypes.TRANSFORM -> TRANSFORM;
      case EventTypes.REALTIME -> REALTIME;
      case EventTypes.PRESENCE -> PRESENCE;
      default -> OTHER;
    };
  }
}
