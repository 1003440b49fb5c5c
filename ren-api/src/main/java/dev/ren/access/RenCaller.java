package dev.ren.access;

import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who is calling: the authenticated user (null for an anonymous caller), the roles the host application gave them,
 * the tenant whose data they work in (null for the default tenant of a single-tenant application), and, when the
 * caller was authenticated by an expiring token, when that authority ends.
 *
 * <p>Identity always comes from here, never from a request body or a client id: a presence member's user is the
 * caller's user, an owned document's owner is the caller's user.
 *
 * <pre>{@code
 * RenCaller alice = RenCaller.user("alice", Set.of("write"), "acme");
 * boolean may = policy.allows(alice, RenOperation.KV_PUT, RenResource.kv("todos", "todo:1"));
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe to share.
 *
 * @param user      the principal's name, or null when anonymous
 * @param roles     the caller's roles (empty when anonymous)
 * @param tenant    the caller's tenant, or null for the default tenant
 * @param expiresAt when the caller's authority ends (an expiring token), or null
 */
public record RenCaller(@Nullable String user, Set<String> roles, @Nullable String tenant,
    @Nullable Instant expiresAt) {

  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");
  private static final RenCaller ANONYMOUS = new RenCaller(null, Set.of(), null, null);

  /** Validates the user and tenant and copies the roles. */
  public RenCaller {
    roles = Set.copyOf(Objects.requireNonNull(roles, "roles"));
    if (user != null && (user.isEmpty() || user.length() > 256 || hasControl(user))) {
      throw new IllegalArgumentException("user '" + Printable.of(user)
          + "' must be 1-256 characters without control characters");
    }
    if (tenant != null) {
      checkTenant(tenant);
    }
    if (user == null && !roles.isEmpty()) {
      throw new IllegalArgumentException("an anonymous caller has no roles");
    }
  }

  /** The anonymous caller in the default tenant. */
  public static RenCaller anonymous() {
    return ANONYMOUS;
  }

  /** An anonymous caller in {@code tenant} (null: the default tenant). */
  public static RenCaller anonymous(@Nullable String tenant) {
    return tenant == null ? ANONYMOUS : new RenCaller(null, Set.of(), tenant, null);
  }

  /** An authenticated user with {@code roles} in {@code tenant} (null: the default tenant). */
  public static RenCaller user(String name, Set<String> roles, @Nullable String tenant) {
    return new RenCaller(Objects.requireNonNull(name, "name"), roles, tenant, null);
  }

  /** Whether a principal was authenticated. */
  public boolean authenticated() {
    return user != null;
  }

  /** Whether the caller holds {@code role}. */
  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  /** Whether this caller's authority has ended at {@code now}. */
  public boolean expired(Instant now) {
    Instant e = expiresAt;
    return e != null && !now.isBefore(e);
  }

  /** This caller in another tenant. */
  public RenCaller withTenant(@Nullable String newTenant) {
    return Objects.equals(newTenant, tenant) ? this : new RenCaller(user, roles, newTenant, expiresAt);
  }

  /** This caller with an end to its authority. */
  public RenCaller withExpiresAt(@Nullable Instant newExpiry) {
    return Objects.equals(newExpiry, expiresAt) ? this : new RenCaller(user, roles, tenant, newExpiry);
  }

  /** Whether {@code tenant} is a valid tenant id: {@code [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}}. */
  public static boolean isValidTenant(@Nullable String tenant) {
    return tenant != null && tenant.length() <= 64 && TENANT.matcher(tenant).matches();
  }

  /** Throws unless {@code tenant} is a valid tenant id; returns it. */
  public static String checkTenant(String tenant) {
    if (!isValidTenant(tenant)) {
      throw new IllegalArgumentException("tenant '" + Printable.of(String.valueOf(tenant))
          + "' must match [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");
    }
    return tenant;
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "RenCaller[" + (user == null ? "anonymous" : Printable.of(user)) + ", roles=" + roles
        + (tenant == null ? "" : ", tenant=" + tenant) + (expiresAt == null ? "" : ", expiresAt=" + expiresAt) + "]";
  }
}
