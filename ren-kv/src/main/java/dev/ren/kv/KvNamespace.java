package dev.ren.kv;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.AppliedButNotPublishedException;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Optional;

/**
 * The keys of one namespace. Every mutation announces itself on the store's publisher after it is applied:
 * {@code kv.put} (with the new version) for every put, {@code kv.delete} only when a key was actually removed.
 * Expiry ({@code kv.expired}) and size eviction ({@code kv.evicted}) are announced by the store itself.
 *
 * <pre>{@code
 * KvNamespace todos = store.namespace("demo");
 * long v = todos.put("todo:1", json);                      // kv.put v=<v>
 * todos.put("session:9", "token", Duration.ofMinutes(5));  // kv.expired five minutes later
 * todos.get("todo:1").map(KvEntry::value);
 * KvPage page = todos.list("todo:", 100, null);
 * }</pre>
 *
 * <p>Bad input (invalid key, null value, TTL out of range, limit out of range, malformed cursor) throws
 * {@link IllegalArgumentException} or {@link NullPointerException} and changes nothing. A put or delete that was
 * applied but whose event could not be published throws {@link AppliedButNotPublishedException}: the change stands
 * (see {@link KvStore}).
 *
 * <p>Bounds (see {@link KvStore}, "Bounds"): a value longer than the store's value limit as compact JSON throws
 * {@link KvValueTooLargeException}; a put the full store cannot take throws {@link KvStoreFullException}. Either
 * changes nothing and publishes nothing. A value is kept as its JSON text, so {@link #get} returns a tree parsed
 * from that text: equal as JSON to what was put, with numbers read back as JSON numbers are read (an {@code int}
 * or {@code long} when integral and in range, else a {@code double} or big integer).
 *
 * <p>Thread-safety: thread-safe. Concurrent puts of one key are applied in version order; their events are
 * published after each put is applied and may reach subscribers in either order, so clients compare {@code v}.
 */
public interface KvNamespace {

  /** The longest TTL accepted: 10 years. */
  Duration MAX_TTL = Duration.ofDays(3650);

  /** The most keys one {@link #list} page returns. */
  int MAX_LIST_LIMIT = 1000;

  /** This namespace's name. */
  String name();

  /** The live entry under {@code key}; empty if absent or past its TTL (at once, not only after cleanup). */
  Optional<KvEntry> get(String key);

  /** {@link #get} as text: a JSON string's content, or the JSON text of any other value. */
  default Optional<String> getString(String key) {
    return get(key).map(KvEntry::stringValue);
  }

  /**
   * Stores {@code value} without TTL (removing any TTL the key had) and publishes {@code kv.put}.
   *
   * @return the new version
   * @throws KvValueTooLargeException if the value is over the store's value limit as stored
   * @throws KvStoreFullException if the store is full
   * @throws AppliedButNotPublishedException if the value was stored but {@code kv.put} could not be published
   */
  long put(String key, JsonNode value);

  /**
   * Stores {@code value} for {@code ttl} (positive, at most {@link #MAX_TTL}) and publishes {@code kv.put}.
   *
   * @return the new version
   * @throws KvValueTooLargeException if the value is over the store's value limit as stored
   * @throws KvStoreFullException if the store is full
   * @throws AppliedButNotPublishedException if the value was stored but {@code kv.put} could not be published
   */
  long put(String key, JsonNode value, Duration ttl);

  /**
   * Stores the JSON value written as {@code json} (UTF-8 text, any whitespace) without TTL, as {@link #put(String,
   * JsonNode)} stores the same value, and publishes {@code kv.put}. The text is checked and compacted as it is
   * read, without building a tree, so a value costs its text while it is stored: what an HTTP binding hands in a
   * request body. It must be exactly one JSON value nested at most 100 levels deep, with finite numbers; numbers
   * are kept as a tree would hold them ({@code 1E2} is stored as {@code 100.0}) and a name repeated in an object is
   * kept as sent (readers take its last value, as a tree would). The array is not kept and not changed.
   *
   * @return the new version
   * @throws KvInvalidJsonException if {@code json} is not one valid JSON value under those rules
   * @throws KvValueTooLargeException if the value is over the store's value limit as stored (compact); it is
   *     measured without being kept past the limit
   * @throws KvStoreFullException if the store is full
   * @throws AppliedButNotPublishedException if the value was stored but {@code kv.put} could not be published
   */
  long putJson(String key, byte[] json);

  /**
   * Stores the JSON value written as {@code json} for {@code ttl} (positive, at most {@link #MAX_TTL}); see
   * {@link #putJson(String, byte[])}.
   *
   * @return the new version
   * @throws KvInvalidJsonException if {@code json} is not one valid JSON value
   * @throws KvValueTooLargeException if the value is over the store's value limit as stored
   * @throws KvStoreFullException if the store is full
   * @throws AppliedButNotPublishedException if the value was stored but {@code kv.put} could not be published
   */
  long putJson(String key, byte[] json, Duration ttl);

  /** Stores a JSON string; see {@link #put(String, JsonNode)}. */
  long put(String key, String value);

  /** Stores a JSON string with TTL; see {@link #put(String, JsonNode, Duration)}. */
  long put(String key, String value, Duration ttl);

  /**
   * Removes the key and publishes {@code kv.delete} if it was present.
   *
   * @return whether a live entry was removed
   * @throws AppliedButNotPublishedException if the key was removed but {@code kv.delete} could not be published
   */
  boolean delete(String key);

  /**
   * Lists keys starting with {@code prefix} in ascending order.
   *
   * @param prefix keys must start with this ("" for all)
   * @param limit  1 to {@link #MAX_LIST_LIMIT}
   * @param cursor the cursor of the previous page, or null for the first page
   */
  KvPage list(String prefix, int limit, @Nullable String cursor);
}
