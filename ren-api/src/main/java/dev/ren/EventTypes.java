package dev.ren;

import org.jspecify.annotations.Nullable;

import java.util.Set;

/**
 * The event types and domains of the REN schema, as constants, so code never spells a type by hand.
 *
 * <p>Thread-safety: constants and stateless checks; safe from any thread.
 */
public final class EventTypes {
  public static final String KV = "kv";
  public static final String DB = "db";
  public static final String STORAGE = "storage";
  public static final String TRANSFORM = "transform";
  public static final String REALTIME = "realtime";
  public static final String PRESENCE = "presence";
  /** Stream control frames ({@code ren.meta}); never stored in the log. */
  public static final String REN = "ren";

  public static final String KV_PUT = "kv.put";
  public static final String KV_DELETE = "kv.delete";
  public static final String KV_EXPIRED = "kv.expired";
  public static final String KV_EVICTED = "kv.evicted";

  public static final String DB_CREATED = "db.document.created";
  public static final String DB_UPDATED = "db.document.updated";
  public static final String DB_DELETED = "db.document.deleted";

  /**
   * Storage changes have two names each (see {@link #storageTableName}): the table names {@code storage.put} /
   * {@code storage.delete}, and the object names {@code storage.object.created} (a key that did not exist),
   * {@code storage.object.updated} (an overwrite) and {@code storage.object.deleted}. The store publishes one
   * event under its object name; the hub writes it under the names the stream's filter and the hub's
   * {@link dev.ren.hub.StorageEventNames} setting select, every frame with the same {@code id:}.
   */
  public static final String STORAGE_PUT = "storage.put";
  public static final String STORAGE_DELETE = "storage.delete";
  /** The object-name family: the filter clause {@code storage.object} selects all three. */
  public static final String STORAGE_OBJECT = "storage.object";
  public static final String STORAGE_OBJECT_CREATED = "storage.object.created";
  public static final String STORAGE_OBJECT_UPDATED = "storage.object.updated";
  public static final String STORAGE_OBJECT_DELETED = "storage.object.deleted";

  public static final String TRANSFORM_QUEUED = "transform.queued";
  public static final String TRANSFORM_STARTED = "transform.started";
  public static final String TRANSFORM_PROGRESS = "transform.progress";
  public static final String TRANSFORM_COMPLETE = "transform.complete";
  public static final String TRANSFORM_FAILED = "transform.failed";

  public static final String REALTIME_MESSAGE = "realtime.message";

  public static final String PRESENCE_JOIN = "presence.join";
  public static final String PRESENCE_UPDATE = "presence.update";
  public static final String PRESENCE_LEAVE = "presence.leave";

  public static final String REN_META = "ren.meta";

  /** The built-in domains; a filter naming another domain is still accepted (custom domains). */
  public static final Set<String> DOMAINS = Set.of(KV, DB, STORAGE, TRANSFORM, REALTIME, PRESENCE);

  private static final Set<String> TRANSFORM_TYPES = Set.of(
      TRANSFORM_QUEUED, TRANSFORM_STARTED, TRANSFORM_PROGRESS, TRANSFORM_COMPLETE, TRANSFORM_FAILED);
  private static final Set<String> PRESENCE_TYPES = Set.of(PRESENCE_JOIN, PRESENCE_UPDATE, PRESENCE_LEAVE);

  private static final int MAX_SEGMENT = 32;
  private static final int MAX_TYPE_SEGMENTS = 5;

  private EventTypes() {}

  // Every event passes the type check twice or more (factory, withTs, withSrc), so these are plain loops rather
  // than regular expressions: the regex matchers were about a fifth of a KV put's CPU.

  /** Whether {@code type} is a valid event type: {@code [a-z0-9_-]{1,32}(\.[a-z0-9_-]{1,32}){1,4}}. */
  public static boolean isType(String type) {
    int segments = 0;
    int start = 0;
    int n = type.length();
    for (int i = 0; i <= n; i++) {
      if (i == n || type.charAt(i) == '.') {
        if (!isSegment(type, start, i) || ++segments > MAX_TYPE_SEGMENTS) {
          return false;
        }
        start = i + 1;
      }
    }
    return segments >= 2;
  }

  /** Whether {@code domain} is a valid domain: {@code [a-z0-9_-]{1,32}}. */
  public static boolean isDomain(String domain) {
    return isSegment(domain, 0, domain.length());
  }

  /** {@code [a-z0-9_-]{1,32}} over {@code s[from, to)}. */
  private static boolean isSegment(String s, int from, int to) {
    int len = to - from;
    if (len < 1 || len > MAX_SEGMENT) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /**
   * The table name of a storage object type: {@code storage.put} for {@code storage.object.created} and
   * {@code storage.object.updated}, {@code storage.delete} for {@code storage.object.deleted}; null for any other
   * type (including the table names themselves: {@code storage.put} does not say whether the key existed).
   */
  public static @Nullable String storageTableName(String type) {
    if (type.length() < 20 || !type.startsWith(STORAGE_OBJECT) || type.charAt(14) != '.') {
      return null;
    }
    return switch (type) {
      case STORAGE_OBJECT_CREATED, STORAGE_OBJECT_UPDATED -> STORAGE_PUT;
      case STORAGE_OBJECT_DELETED -> STORAGE_DELETE;
      default -> null;
    };
  }

  static boolean isTransform(String type) {
    return TRANSFORM_TYPES.contains(type);
  }

  static boolean isPresence(String type) {
    return PRESENCE_TYPES.contains(type);
  }

  /** Whether the domain's narrowing ({@code domain:x}) applies to the channel rather than the namespace. */
  public static boolean narrowsByChannel(String domain) {
    return REALTIME.equals(domain) || PRESENCE.equals(domain);
  }
}
