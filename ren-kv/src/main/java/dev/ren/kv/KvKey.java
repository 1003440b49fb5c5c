package dev.ren.kv;

import dev.ren.access.RenCaller;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * A tenant, a namespace and a key, kept apart: two keys are equal only when all three parts are, so
 * {@code ("a:b", "c")} never collides with {@code ("a", "b:c")} (RELIABILITY 15), and one namespace and key in two
 * tenants are two keys. Constructing one validates every part.
 *
 * <ul>
 *   <li>tenant: null for the default tenant, else a valid tenant id ({@link RenCaller#isValidTenant})</li>
 *   <li>namespace: {@code [A-Za-z0-9_.-]{1,64}}</li>
 *   <li>key: 1 to {@value #MAX_KEY_LENGTH} characters, no NUL, no unpaired surrogate; {@code /}, {@code :} and non-ASCII are fine</li>
 * </ul>
 *
 * <pre>{@code
 * KvKey k = new KvKey("demo", "todo:1");                 // the default tenant
 * KvKey a = new KvKey("acme", "demo", "todo:1");         // the same name in tenant acme: another key
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param tenant    the tenant, or null for the default tenant
 * @param namespace the namespace
 * @param key       the key inside the namespace
 */
public record KvKey(@Nullable String tenant, String namespace, String key) implements Comparable<KvKey> {

  /** Longest accepted key, in UTF-16 characters. */
  public static final int MAX_KEY_LENGTH = 512;


  /** Validates every part; see the class comment for the rules. */
  public KvKey {
    if (tenant != null) {
      RenCaller.checkTenant(tenant);
    }
    checkNamespace(namespace);
    checkKey(key);
  }

  /** A key of the default tenant; validates both parts. */
  public KvKey(String namespace, String key) {
    this(null, namespace, key);
  }

  /**
   * Throws unless {@code namespace} matches {@code [A-Za-z0-9_.-]{1,64}}.
   *
   * @return the namespace
   */
  public static String checkNamespace(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (!isValidNamespace(namespace)) {
      throw new IllegalArgumentException("namespace '" + Printable.of(namespace)
          + "' must match [A-Za-z0-9_.-]{1,64}");
    }
    return namespace;
  }

  /**
   * Throws unless {@code key} is 1 to {@value #MAX_KEY_LENGTH} characters without NUL.
   *
   * @return the key
   */
  public static String checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("key '" + Printable.of(key) + "' is " + key.length()
          + " characters; the limit is " + MAX_KEY_LENGTH);
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\0') {
        throw new IllegalArgumentException("key '" + Printable.of(key) + "' must not contain NUL");
      }
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < key.length()
            && Character.isLowSurrogate(key.charAt(i + 1));
        if (!paired) {
          throw new IllegalArgumentException("key '" + Printable.of(key)
              + "' must be valid Unicode (unpaired surrogate at index " + i + ")");
        }
        i++;
      }
    }
    return key;
  }

  // a loop, not a regex: this runs on every get and put
  private static boolean isValidNamespace(String ns) {
    int n = ns.length();
    if (n < 1 || n > 64) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = ns.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int compareTo(KvKey o) {
    int c = compareTenants(tenant, o.tenant);
    if (c != 0) {
      return c;
    }
    c = namespace.compareTo(o.namespace);
    return c != 0 ? c : key.compareTo(o.key);
  }

  /** The default tenant (null) first, then tenants by name. */
  private static int compareTenants(@Nullable String a, @Nullable String b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    return a.compareTo(b);
  }
}
