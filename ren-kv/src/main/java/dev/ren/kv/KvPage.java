package dev.ren.kv;

import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One page of {@link KvNamespace#list}: keys in ascending order with their expiration, and the cursor of the next
 * page (null on the last page). Pagination is stable: a key that exists throughout a listing is returned exactly
 * once, whatever is put or deleted between pages.
 *
 * <p>Thread-safety: immutable.
 *
 * @param keys   the keys of this page, ascending
 * @param cursor opaque cursor for the next page, or null when there is none
 */
public record KvPage(List<Item> keys, @Nullable String cursor) {

  public KvPage {
    keys = List.copyOf(Objects.requireNonNull(keys, "keys"));
  }

  /**
   * One listed key.
   *
   * @param name       the key
   * @param expiration when it expires, or null if it has no TTL
   */
  public record Item(String name, @Nullable Instant expiration) {
    public Item {
      Objects.requireNonNull(name, "name");
    }

    /** Expiration as unix seconds (rounded up), or null without TTL. */
    public @Nullable Long expirationEpochSeconds() {
      return epochSeconds(expiration);
    }
  }

  static @Nullable Long epochSeconds(@Nullable Instant t) {
    if (t == null) {
      return null;
    }
    return t.getNano() == 0 ? t.getEpochSecond() : t.getEpochSecond() + 1;
  }
}
