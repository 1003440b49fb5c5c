package dev.ren.kv;

import dev.ren.health.Health;
import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * Where a {@link KvStore} keeps its entries: the SPI for plugging in another store. The store validates input,
 * publishes {@code kv.put}/{@code kv.delete} after the backend returns, and turns the removals the backend decides
 * on its own (expiry, size eviction) into {@code kv.expired}/{@code kv.evicted} through the {@link Listener}.
 * Plug one in with {@link KvStore.Builder#backend(KvBackend)}; the default keeps entries in Caffeine.
 *
 * <p>Contract:
 * <ul>
 *   <li>Keys are {@link KvKey}s whose tenant is part of the key: one namespace and key in two tenants are two
 *       entries, and a listing is of one tenant only.</li>
 *   <li>Arguments were validated by the store ({@link KvKey} validates itself; TTLs are positive and at most
 *       {@link KvNamespace#MAX_TTL}; limits are 1 to {@link KvNamespace#MAX_LIST_LIMIT}).</li>
 *   <li>Versions of one key strictly increase across puts, also across a delete and a later put.</li>
 *   <li>A read after an entry's deadline returns null at once.</li>
 *   <li>The listener is told at most once per removed version, only when no newer version of that key is
 *       present (a stale notification is dropped), and never while a newer put of that key could be applied and
 *       published before it (so a subscriber never sees {@code kv.expired} after the {@code kv.put} that
 *       replaced the expired value). Replacing a value and explicit removal are never reported.</li>
 *   <li>Listing is stable: a key present throughout a paginated listing is returned exactly once.</li>
 *   <li>Bounds on entries or total bytes are the backend's own (the Caffeine backend's are set on
 *       {@link KvStore.Builder}); a put they refuse throws {@link KvStoreFullException} and changes nothing.</li>
 * </ul>
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
public interface KvBackend extends AutoCloseable {

  /** Called once by the store, before any other method, with the sink for system-caused removals. */
  void start(Listener listener);

  /**
   * Stores the value. {@code json} is one JSON value as compact UTF-8 text, written by the store and at most the
   * store's {@linkplain KvStore.Builder#maxValueBytes value limit}; the backend may keep the array (the store never
   * changes it). Entries returned for this version carry the same text ({@link KvEntry#of}).
   *
   * @throws KvStoreFullException if the backend's own bounds do not admit the value; it must then change nothing
   */
  KvEntry put(KvKey key, byte[] json, @Nullable Duration ttl);

  /** The live entry, or null if absent or expired. */
  @Nullable KvEntry get(KvKey key);

  /** Removes the key; returns the removed live entry, or null if there was none. */
  @Nullable KvEntry remove(KvKey key);

  /**
   * One page of live keys of {@code namespace} in {@code tenant} (null: the default tenant) starting with
   * {@code prefix}, ascending. Keys of any other tenant ({@link KvKey#tenant()} not equal to {@code tenant}) must
   * never appear, also not for the default tenant.
   */
  KvPage list(@Nullable String tenant, String namespace, String prefix, int limit, @Nullable String cursor);

  /**
   * Entries and bytes the backend holds as counted against its bounds, or null when it keeps no such counts (the
   * default). A remote backend may make a round trip and then throws {@link KvUnavailableException} when it cannot.
   */
  default @Nullable KvUsage usage() {
    return null;
  }

  /**
   * Whether the backend can serve now, answered within about {@code timeout} and never by throwing (a remote backend
   * that does not answer in time is down). The default, for a backend in this process, is up.
   */
  default Health health(Duration timeout) {
    return Health.up(toString());
  }

  /** Releases what the backend created; idempotent. */
  @Override
  void close();

  /**
   * Receives removals the backend decided on its own. Called on a backend thread; implementations must not
   * block for long and must not call back into the backend for the same key.
   */
  interface Listener {
    /** The entry reached its TTL. */
    void expired(KvKey key, long version);

    /** The entry was removed to respect a configured size bound. */
    void evicted(KvKey key, long version);
  }
}
