package dev.ren.db;

import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;

/**
 * How a tenant's collection is named in the tables: the default tenant's collection {@code todos} is stored as
 * {@code todos} (today's layout, so existing data opens unchanged); tenant {@code t}'s as
 * {@code enc(t) + "/" + todos}, where {@code enc} percent-encodes every UTF-8 byte outside {@code [A-Za-z0-9_.-]}
 * (so {@code '/'} and {@code '%'} never appear unencoded). The encoding is injective: a collection name can never
 * contain {@code '/'}, so a tenant key never equals a default-tenant name, and the first {@code '/'} of a key ends
 * its tenant's encoding, which decodes to exactly one tenant. No two (tenant, collection) pairs share a key.
 *
 * <p>Thread-safety: stateless.
 */
final class TenantKeys {

  /** The width of the {@code collection} column of every table. */
  static final int MAX_KEY = 512;
  /** The longest encoded tenant that fits beside the longest collection name. */
  static final int MAX_ENCODED_TENANT = MAX_KEY - 1 - 64;
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private TenantKeys() {}

  /** The stored key of collection {@code name} (already checked) of {@code tenant} (null = default tenant). */
  static String key(@Nullable String tenant, String name) {
    return tenant == null ? name : prefix(tenant) + name;
  }

  /** {@code enc(tenant) + "/"}: what every key of {@code tenant} starts with. */
  static String prefix(String tenant) {
    StringBuilder out = new StringBuilder(tenant.length() + 1);
    for (byte b : tenant.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.'
          || c == '-') {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
      if (out.length() > MAX_ENCODED_TENANT) {
        throw new IllegalArgumentException("tenant id is too long: at most " + MAX_ENCODED_TENANT
            + " characters once percent-encoded");
      }
    }
    return out.append('/').toString();
  }

  /** The collection name of {@code key} if it belongs to {@code tenant}, else null. */
  static @Nullable String nameIn(@Nullable String tenant, String key) {
    if (tenant == null) {
      return key.indexOf('/') < 0 ? key : null;
    }
    String prefix = prefix(tenant);
    return key.startsWith(prefix) && key.indexOf('/', prefix.length()) < 0 ? key.substring(prefix.length()) : null;
  }
}
