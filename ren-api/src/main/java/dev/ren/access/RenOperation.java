package dev.ren.access;

import org.jspecify.annotations.Nullable;

/**
 * Every operation a client can cause, each with its domain and whether it reads or writes. The policy is asked for
 * one of these before a binding touches a store, and for {@link #EVENT} before the stream delivers an event (live
 * or replayed); {@link #EVENT} takes its domain from the event.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum RenOperation {
  /** Receive one event on a stream; the domain is the event's. */
  EVENT(null, false),

  KV_GET("kv", false),
  KV_LIST("kv", false),
  KV_PUT("kv", true),
  KV_DELETE("kv", true),

  DB_FIND("db", false),
  DB_INSERT("db", true),
  DB_UPDATE("db", true),
  DB_DELETE("db", true),
  /** Create, list or drop an index. */
  DB_INDEX("db", true),

  BLOB_GET("storage", false),
  BLOB_LIST("storage", false),
  BLOB_PUT("storage", true),
  BLOB_DELETE("storage", true),
  /** Mint a signed upload URL (write) for one key. */
  BLOB_PRESIGN_UPLOAD("storage", true),
  /** Mint a signed download URL (read) for one key. */
  BLOB_PRESIGN_DOWNLOAD("storage", false),
  /** Announce an object stored through an upload URL. */
  BLOB_CONFIRM("storage", true),

  /** Submit a media transform (the resource is the source object). */
  TRANSFORM_SUBMIT("transform", true),
  /** Read a transform job's state. */
  TRANSFORM_STATUS("transform", false),

  REALTIME_PUBLISH("realtime", true),
  REALTIME_HISTORY("realtime", false),
  /** List live channels (the resource has no channel). */
  REALTIME_CHANNELS("realtime", false),
  /** Subscribe to a channel (WebSocket). */
  REALTIME_SUBSCRIBE("realtime", false),

  PRESENCE_JOIN("presence", true),
  PRESENCE_UPDATE("presence", true),
  PRESENCE_LEAVE("presence", true),
  PRESENCE_MEMBERS("presence", false);

  private final @Nullable String domain;
  private final boolean write;

  RenOperation(@Nullable String domain, boolean write) {
    this.domain = domain;
    this.write = write;
  }

  /** The domain this operation belongs to, or null for {@link #EVENT} (whose domain is the event's). */
  public @Nullable String domain() {
    return domain;
  }

  /** Whether the operation changes data (or mints the right to); reads and event deliveries do not. */
  public boolean isWrite() {
    return write;
  }
}
