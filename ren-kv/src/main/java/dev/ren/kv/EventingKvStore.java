package dev.ren.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.AppliedButNotPublishedException;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;
import dev.ren.access.RenCaller;
import dev.ren.health.Health;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link KvStore} every backend sits under: validates, delegates, publishes. User-caused events
 * ({@code kv.put}, {@code kv.delete}) are published on the caller's thread after the backend applied the change, so
 * the publisher stamps the caller's origin as {@code src}; system-caused ones ({@code kv.expired},
 * {@code kv.evicted}) are published with the origin cleared, whatever thread the backend reports them on.
 *
 * <p>Every event goes through {@link RenPublisher#publishApplied}: a put or delete whose event cannot be published
 * throws {@link AppliedButNotPublishedException} to its caller (the change stays applied); an expiry or eviction
 * has no caller, so the same exception is logged at {@code WARNING} (see {@link KvStore}).
 *
 * <p>Values reach the backend as compact JSON text ({@link KvJson}), checked against the value limit before the
 * backend sees them: a tree is written out, a value given as text is compacted by a streaming copy, so no tree is
 * built for it. Entries come back holding that text, which is immutable, so a get hands the entry out as is.
 *
 * <p>Tenants: this object is the default tenant; {@link #tenant(String)} returns a {@link View} sharing the backend,
 * the publisher and the closed flag. Every key a tenant's namespace builds carries the tenant
 * ({@link KvKey#tenant()}), every event it publishes carries it ({@link RenEvent#withTenant}), and expiry and
 * eviction are announced in the tenant of the key that was removed.
 *
 * <p>Thread-safety: thread-safe.
 */
final class EventingKvStore implements KvStore {

  private static final System.Logger LOG = System.getLogger(KvStore.class.getName());

  private final RenPublisher publisher;
  private final KvBackend backend;
  private final long maxValueBytes;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A store with the default value limit; for tests. */
  EventingKvStore(RenPublisher publisher, KvBackend backend) {
    this(publisher, backend, KvStore.Builder.DEFAULT_MAX_VALUE_BYTES);
  }

  EventingKvStore(RenPublisher publisher, KvBackend backend, long maxValueBytes) {
    this.publisher = publisher;
    this.backend = backend;
    this.maxValueBytes = maxValueBytes;
    backend.start(new KvBackend.Listener() {
      @Override
      public void expired(KvKey key, long version) {
        publishSystem(RenEvent.kvExpired(key.namespace(), key.key(), Long.toString(version))
            .withTenant(key.tenant()));
      }

      @Override
      public void evicted(KvKey key, long version) {
        publishSystem(RenEvent.kvEvicted(key.namespace(), key.key(), Long.toString(version))
            .withTenant(key.tenant()));
      }
    });
  }

  @SuppressWarnings("try") // the scope is used for its side effect on the thread
  private void publishSystem(RenEvent event) {
    if (closed.get()) {
      return;
    }
    // a backend may report on a user's thread (a put that found an expired entry, a direct executor): the
    // event is still system-caused and must not carry that user's src
    try (RenOrigin.Scope ignored = RenOrigin.open(null)) {
      publisher.publishApplied(event);
    } catch (AppliedButNotPublishedException e) {
      // the entry is gone either way and nobody called us: there is no one to throw to, so say it loudly
      LOG.log(Level.WARNING, event.t() + " of " + (event.tenant() == null ? "" : "tenant " + event.tenant() + " ")
          + event.ns() + "/" + Printable.of(event.k()) + " v" + event.v()
          + " was applied but not published; subscribers will not see it until they refetch", e.getCause());
    }
  }

  @Override
  public KvNamespace namespace(String name) {
    return new Namespace(null, KvKey.checkNamespace(name));
  }

  @Override
  public @Nullable String tenant() {
    return null;
  }

  @Override
  public KvStore tenant(@Nullable String tenant) {
    return tenant == null ? this : new View(RenCaller.checkTenant(tenant));
  }

  @Override
  public Optional<KvUsage> usage() {
    checkOpen();
    return Optional.ofNullable(backend.usage());
  }

  @Override
  public Health health(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (closed.get()) {
      return Health.down("KV store is closed");
    }
    try {
      return backend.health(timeout);
    } catch (RuntimeException e) {
      return Health.down(backend + ": " + e);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      backend.close();
    }
  }

  /** For tests. */
  KvBackend backend() {
    return backend;
  }

  /** For tests. */
  long maxValueBytes() {
    return maxValueBytes;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("KV store is closed");
    }
  }

  @Override
  public String toString() {
    return "KvStore[" + backend + (closed.get() ? ", closed]" : "]");
  }

  static Duration checkTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    if (ttl.compareTo(KvNamespace.MAX_TTL) > 0) {
      throw new IllegalArgumentException("ttl " + ttl + " exceeds the maximum of " + KvNamespace.MAX_TTL);
    }
    return ttl;
  }

  /** The store in one tenant other than the default; see {@link KvStore#tenant(String)}. */
  private final class View implements KvStore {
    private final String tenant;

    View(String tenant) {
      this.tenant = tenant;
    }

    @Override
    public KvNamespace namespace(String name) {
      return new Namespace(tenant, KvKey.checkNamespace(name));
    }

    @Override
    public String tenant() {
      return tenant;
    }

    @Override
    public KvStore tenant(@Nullable String other) {
      return EventingKvStore.this.tenant(other);
    }

    @Override
    public Optional<KvUsage> usage() {
      return EventingKvStore.this.usage();
    }

    @Override
    public Health health(Duration timeout) {
      return EventingKvStore.this.health(timeout);
    }

    @Override
    public void close() {
      EventingKvStore.this.close();
    }

    @Override
    public String toString() {
      return "KvStore[" + backend + ", tenant " + tenant + (closed.get() ? ", closed]" : "]");
    }
  }

  private final class Namespace implements KvNamespace {
    private final @Nullable String tenant;
    private final String name;

    Namespace(@Nullable String tenant, String name) {
      this.tenant = tenant;
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Optional<KvEntry> get(String key) {
      KvKey k = new KvKey(tenant, name, key);
      checkOpen();
      return Optional.ofNullable(backend.get(k));
    }

    @Override
    public long put(String key, JsonNode value) {
      return doPut(key, value, null);
    }

    @Override
    public long put(String key, JsonNode value, Duration ttl) {
      return doPut(key, value, checkTtl(ttl));
    }

    @Override
    public long put(String key, String value) {
      return doPut(key, TextNode.valueOf(Objects.requireNonNull(value, "value")), null);
    }

    @Override
    public long put(String key, String value, Duration ttl) {
      return doPut(key, TextNode.valueOf(Objects.requireNonNull(value, "value")), checkTtl(ttl));
    }

    @Override
    public long putJson(String key, byte[] json) {
      return doPutJson(key, json, null);
    }

    @Override
    public long putJson(String key, byte[] json, Duration ttl) {
      return doPutJson(key, json, checkTtl(ttl));
    }

    private long doPut(String key, JsonNode value, @Nullable Duration ttl) {
      KvKey k = new KvKey(tenant, name, key);
      Objects.requireNonNull(value, "value");
      if (value.isMissingNode()) {
        throw new IllegalArgumentException("value must be a JSON value (use NullNode for JSON null), was missing");
      }
      checkOpen();
      byte[] json = KvJson.encode(value);
      if (json.length > maxValueBytes) {
        throw new KvValueTooLargeException(json.length, maxValueBytes);
      }
      return store(k, json, ttl);
    }

    private long doPutJson(String key, byte[] text, @Nullable Duration ttl) {
      KvKey k = new KvKey(tenant, name, key);
      Objects.requireNonNull(text, "json");
      checkOpen();
      return store(k, KvJson.compact(text, maxValueBytes), ttl); // checked and measured as stored, no tree
    }

    private long store(KvKey k, byte[] json, @Nullable Duration ttl) {
      KvEntry stored = backend.put(k, json, ttl);
      publisher.publishApplied(RenEvent.kvPut(name, k.key(), Long.toString(stored.version())).withTenant(tenant));
      return stored.version();
    }

    @Override
    public boolean delete(String key) {
      KvKey k = new KvKey(tenant, name, key);
      checkOpen();
      KvEntry removed = backend.remove(k);
      if (removed == null) {
        return false;
      }
      publisher.publishApplied(RenEvent.kvDelete(name, key).withTenant(tenant));
      return true;
    }

    @Override
    public KvPage list(String prefix, int limit, @Nullable String cursor) {
      Objects.requireNonNull(prefix, "prefix");
      if (limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new IllegalArgumentException("limit must be 1 to " + MAX_LIST_LIMIT + ", was " + limit);
      }
      if (prefix.length() > KvKey.MAX_KEY_LENGTH) {
        throw new IllegalArgumentException("prefix is " + prefix.length() + " characters; the limit is "
            + KvKey.MAX_KEY_LENGTH);
      }
      checkOpen();
      return backend.list(tenant, name, prefix, limit, cursor);
    }

    @Override
    public String toString() {
      return tenant == null ? "KvNamespace[" + name + "]" : "KvNamespace[" + name + ", tenant " + tenant + "]";
    }
  }
}
