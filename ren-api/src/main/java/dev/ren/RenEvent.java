package dev.ren;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.access.RenCaller;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * One change notification: the ten fields of the REN event schema ({@code t r k ns v ts src ch data uid}), and the
 * tenant whose data changed. The tenant is not one of the client-visible fields: a stream only ever receives its own
 * tenant's events, and the JSON clients see leaves it out unless the hub is configured to show it.
 *
 * <p>Events are immutable values. Backends create them through the typed factories
 * ({@link #kvPut}, {@link #dbCreated}, {@link #storagePut}, ...) so a type can never be misspelled; custom
 * domains use {@link #builder(String)}. The type ({@code t}) is {@code <domain>.<name>} in
 * {@code [a-z0-9._-]}; the domain ({@code r}) is the part before the first dot. Both are checked here because
 * {@code t} becomes the SSE {@code event:} field: nothing that reaches a header-like SSE field may carry CR, LF
 * or NUL. The other fields only ever travel inside the JSON {@code data:} line, where they are escaped.
 *
 * <pre>{@code
 * publisher.publish(RenEvent.kvPut("demo", "todo:1", "3"));
 * publisher.publish(RenEvent.builder("billing.invoice.paid").key("inv-7").data(json).build());
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe to share.
 *
 * @param t    type, e.g. {@code kv.put}
 * @param r    resource domain, e.g. {@code kv}
 * @param k    key / document id / object key, or null
 * @param ns   namespace / collection / bucket, or null
 * @param v    version, revision or etag, or null
 * @param ts   unix milliseconds; 0 means "not yet stamped" (the hub stamps it on publish)
 * @param src  client id of the request that caused the change, or null for system-caused events
 * @param ch   realtime or presence channel, or null
 * @param data arbitrary JSON payload, or null
 * @param uid  user id, or null
 * @param tenant the tenant whose data changed, or null for the default tenant
 */
public record RenEvent(
    String t,
    String r,
    @Nullable String k,
    @Nullable String ns,
    @Nullable String v,
    long ts,
    @Nullable String src,
    @Nullable String ch,
    @Nullable JsonNode data,
    @Nullable String uid,
    @Nullable String tenant) {

  /** Validates the type and domain; see the class comment for the rules. */
  public RenEvent {
    Objects.requireNonNull(t, "t (event type) is required");
    Objects.requireNonNull(r, "r (domain) is required");
    if (!EventTypes.isType(t)) {
      throw new IllegalArgumentException("event type '" + Printable.of(t)
          + "' must be <domain>.<name> made of [a-z0-9_-] segments separated by dots (at most 160 characters)");
    }
    if (!EventTypes.isDomain(r)) {
      throw new IllegalArgumentException("domain '" + Printable.of(r) + "' must match [a-z0-9_-]{1,32}");
    }
    if (!t.startsWith(r) || t.charAt(r.length()) != '.') {
      throw new IllegalArgumentException("event type '" + t + "' must start with its domain '" + r + ".'");
    }
    if (ts < 0) {
      throw new IllegalArgumentException("ts must be unix milliseconds >= 0, was " + ts);
    }
    if (tenant != null) {
      RenCaller.checkTenant(tenant);
    }
  }

  /** An event of the default tenant. */
  public RenEvent(String t, String r, @Nullable String k, @Nullable String ns, @Nullable String v, long ts,
      @Nullable String src, @Nullable String ch, @Nullable JsonNode data, @Nullable String uid) {
    this(t, r, k, ns, v, ts, src, ch, data, uid, null);
  }

  // ---------------------------------------------------------------- typed factories

  /** {@code kv.put}: a key was written; {@code version} increases on each put. */
  public static RenEvent kvPut(String namespace, String key, String version) {
    return new RenEvent(EventTypes.KV_PUT, EventTypes.KV, req(key, "key"), req(namespace, "namespace"),
        version, 0, null, null, null, null);
  }

  /** {@code kv.delete}: a key that existed was removed. Carries the key only, never the value. */
  public static RenEvent kvDelete(String namespace, String key) {
    return new RenEvent(EventTypes.KV_DELETE, EventTypes.KV, req(key, "key"), req(namespace, "namespace"),
        null, 0, null, null, null, null);
  }

  /** {@code kv.expired}: a key reached its TTL (system-caused: no {@code src}). */
  public static RenEvent kvExpired(String namespace, String key, @Nullable String version) {
    return new RenEvent(EventTypes.KV_EXPIRED, EventTypes.KV, req(key, "key"), req(namespace, "namespace"),
        version, 0, null, null, null, null);
  }

  /** {@code kv.evicted}: a key was removed because a configured size bound was reached (system-caused). */
  public static RenEvent kvEvicted(String namespace, String key, @Nullable String version) {
    return new RenEvent(EventTypes.KV_EVICTED, EventTypes.KV, req(key, "key"), req(namespace, "namespace"),
        version, 0, null, null, null, null);
  }

  /** {@code db.document.created}. */
  public static RenEvent dbCreated(String collection, String id, String revision) {
    return db(EventTypes.DB_CREATED, collection, id, revision);
  }

  /** {@code db.document.updated}. */
  public static RenEvent dbUpdated(String collection, String id, String revision) {
    return db(EventTypes.DB_UPDATED, collection, id, revision);
  }

  /** {@code db.document.deleted}: carries the id only, never the deleted document. */
  public static RenEvent dbDeleted(String collection, String id, @Nullable String revision) {
    return db(EventTypes.DB_DELETED, collection, id, revision);
  }

  private static RenEvent db(String type, String collection, String id, @Nullable String revision) {
    return new RenEvent(type, EventTypes.DB, req(id, "document id"), req(collection, "collection"),
        revision, 0, null, null, null, null);
  }

  /**
   * {@code storage.object.created}: an object whose key did not exist is complete and visible. Streams also see it
   * as {@code storage.put} (same id), as the hub's {@link dev.ren.hub.StorageEventNames} setting says.
   */
  public static RenEvent storageCreated(String bucket, String key, String etag) {
    return new RenEvent(EventTypes.STORAGE_OBJECT_CREATED, EventTypes.STORAGE, req(key, "key"),
        req(bucket, "bucket"), etag, 0, null, null, null, null);
  }

  /** {@code storage.object.updated}: an existing object was overwritten; streams also see it as {@code storage.put}. */
  public static RenEvent storageUpdated(String bucket, String key, String etag) {
    return new RenEvent(EventTypes.STORAGE_OBJECT_UPDATED, EventTypes.STORAGE, req(key, "key"),
        req(bucket, "bucket"), etag, 0, null, null, null, null);
  }

  /** {@code storage.object.deleted}: an object that existed was removed; streams also see it as {@code storage.delete}. */
  public static RenEvent storageDeleted(String bucket, String key) {
    return new RenEvent(EventTypes.STORAGE_OBJECT_DELETED, EventTypes.STORAGE, req(key, "key"),
        req(bucket, "bucket"), null, 0, null, null, null, null);
  }

  /**
   * {@code storage.put} under its table name only: for a publisher that cannot tell a new key from an overwrite.
   * Such an event has no object name; stores use {@link #storageCreated} / {@link #storageUpdated}.
   */
  public static RenEvent storagePut(String bucket, String key, String etag) {
    return new RenEvent(EventTypes.STORAGE_PUT, EventTypes.STORAGE, req(key, "key"), req(bucket, "bucket"),
        etag, 0, null, null, null, null);
  }

  /** {@code storage.delete} under its table name only; stores use {@link #storageDeleted}. */
  public static RenEvent storageDelete(String bucket, String key) {
    return new RenEvent(EventTypes.STORAGE_DELETE, EventTypes.STORAGE, req(key, "key"), req(bucket, "bucket"),
        null, 0, null, null, null, null);
  }

  /**
   * A media-transform step; {@code type} is one of the {@code transform.*} constants of {@link EventTypes}.
   * {@code data} carries {@code {jobId, srcKey, op, percent, stage, error}}.
   */
  public static RenEvent transform(String type, String outputKey, JsonNode data) {
    if (!EventTypes.isTransform(type)) {
      throw new IllegalArgumentException("'" + type + "' is not a transform event type");
    }
    return new RenEvent(type, EventTypes.TRANSFORM, req(outputKey, "output key"), null, null, 0, null, null,
        Objects.requireNonNull(data, "data"), null);
  }

  /** {@code realtime.message} on a channel. */
  public static RenEvent realtimeMessage(String channel, @Nullable JsonNode data, @Nullable String userId) {
    return new RenEvent(EventTypes.REALTIME_MESSAGE, EventTypes.REALTIME, null, null, null, 0, null,
        req(channel, "channel"), data, userId);
  }

  /** A presence change; {@code type} is one of {@code presence.join|update|leave}. */
  public static RenEvent presence(String type, String channel, String userId, @Nullable JsonNode metadata) {
    if (!EventTypes.isPresence(type)) {
      throw new IllegalArgumentException("'" + type + "' is not a presence event type");
    }
    return new RenEvent(type, EventTypes.PRESENCE, null, null, null, 0, null, req(channel, "channel"), metadata,
        req(userId, "userId"));
  }

  /** A builder for any event, including custom domains ({@code billing.invoice.paid}). */
  public static Builder builder(String type) {
    return new Builder(type);
  }

  // ---------------------------------------------------------------- copies

  /** This event under another type of the same domain (all other fields kept). */
  public RenEvent withType(String newType) {
    return newType.equals(t) ? this : new RenEvent(newType, r, k, ns, v, ts, src, ch, data, uid, tenant);
  }

  /** This event with {@code ts} set. */
  public RenEvent withTs(long newTs) {
    return newTs == ts ? this : new RenEvent(t, r, k, ns, v, newTs, src, ch, data, uid, tenant);
  }

  /** This event with {@code src} set (or cleared with null). */
  public RenEvent withSrc(@Nullable String newSrc) {
    return Objects.equals(newSrc, src) ? this : new RenEvent(t, r, k, ns, v, ts, newSrc, ch, data, uid, tenant);
  }

  /** This event in {@code newTenant} (null: the default tenant). */
  public RenEvent withTenant(@Nullable String newTenant) {
    return Objects.equals(newTenant, tenant) ? this : new RenEvent(t, r, k, ns, v, ts, src, ch, data, uid, newTenant);
  }

  /** This event with {@code uid} set (or cleared with null). */
  public RenEvent withUid(@Nullable String newUid) {
    return Objects.equals(newUid, uid) ? this : new RenEvent(t, r, k, ns, v, ts, src, ch, data, newUid, tenant);
  }

  /** This event as a builder, to change several fields. */
  public Builder toBuilder() {
    Builder b = new Builder(t);
    b.k = k; b.ns = ns; b.v = v; b.ts = ts; b.src = src; b.ch = ch; b.data = data; b.uid = uid; b.tenant = tenant;
    return b;
  }

  private static String req(@Nullable String value, String what) {
    if (value == null) {
      throw new IllegalArgumentException(what + " is required");
    }
    return value;
  }

  /**
   * Builds a {@link RenEvent}; the domain is the type's first segment.
   *
   * <p>Thread-safety: not thread-safe; the built event is immutable.
   */
  public static final class Builder {
    private final String t;
    private @Nullable String k;
    private @Nullable String ns;
    private @Nullable String v;
    private long ts;
    private @Nullable String src;
    private @Nullable String ch;
    private @Nullable JsonNode data;
    private @Nullable String uid;
    private @Nullable String tenant;

    private Builder(String type) {
      this.t = Objects.requireNonNull(type, "type");
    }

    public Builder key(@Nullable String key) { this.k = key; return this; }
    public Builder namespace(@Nullable String namespace) { this.ns = namespace; return this; }
    public Builder version(@Nullable String version) { this.v = version; return this; }
    public Builder ts(long unixMillis) { this.ts = unixMillis; return this; }
    public Builder src(@Nullable String clientId) { this.src = clientId; return this; }
    public Builder channel(@Nullable String channel) { this.ch = channel; return this; }
    public Builder data(@Nullable JsonNode payload) { this.data = payload; return this; }
    public Builder userId(@Nullable String userId) { this.uid = userId; return this; }
    public Builder tenant(@Nullable String tenantId) { this.tenant = tenantId; return this; }

    public RenEvent build() {
      int dot = t.indexOf('.');
      String domain = dot > 0 ? t.substring(0, dot) : t;
      return new RenEvent(t, domain, k, ns, v, ts, src, ch, data, uid, tenant);
    }
  }
}
