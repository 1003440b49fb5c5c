package dev.ren.kv;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored value with its version and expiration, as returned by {@link KvNamespace#get}.
 *
 * <p>Thread-safety: immutable as long as nobody mutates {@link #value()}; the store hands out its own copy, so
 * changing it never changes the stored value.
 *
 * @param key        namespace and key
 * @param value      the JSON value
 * @param version    increases on every put of the key (never reused, also not after a delete)
 * @param expiration when the entry expires, or null if it has no TTL
 */
public record KvEntry(KvKey key, JsonNode value, long version, @Nullable Instant expiration) {

  public KvEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  /** The value as text: a JSON string's content, or the JSON text of any other value. */
  public String stringValue() {
    return value.isTextual() ? value.textValue() : value.toString();
  }

  /** {@link #expiration()} as unix seconds (rounded up), or null without TTL. */
  public @Nullable Long expirationEpochSeconds() {
    return KvPage.epochSeconds(expiration);
  }
}
