package dev.ren;

import java.util.Set;

/**
 * The event types and domains of the REN schema, as constants, so code never spells a type by hand.
 *
 * <p>Thread-safety: constants only.
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

  public static final String STORAGE_PUT = "storage.put";
  public static final String STORAGE_DELETE = "storage.delete";

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

  private EventTypes() {}

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
