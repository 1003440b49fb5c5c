package dev.ren.access;

import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The common rules as a policy: grants of read or write on a domain and a namespace pattern to roles, namespaces
 * whose resources belong to their owner, and administrator roles. Anything no grant covers is refused.
 *
 * <ul>
 *   <li>A <em>read</em> grant covers the domain's read operations and the delivery of its events; a <em>write</em>
 *       grant its write operations. Presence events and transform events are their own domains
 *       ({@code presence}, {@code transform}).</li>
 *   <li>A namespace pattern is exact, or ends with {@code *} for a prefix; {@code *} alone is every namespace and
 *       also the domain-wide operations (a channel listing). The domain may be {@code *} too.</li>
 *   <li>Roles: the caller needs one of them; {@link #AUTHENTICATED} admits every authenticated caller,
 *       {@link #ANYONE} the anonymous too.</li>
 *   <li>{@link Builder#owned owned} namespaces: beyond a grant, a resource with an owner is reachable only by that
 *       owner, and its events reach only that owner. A resource without an owner yet (an insert) is allowed by the
 *       grant; the binding then records the caller as its owner.</li>
 *   <li>{@link Builder#admin admin} roles may do everything, owned resources included.</li>
 * </ul>
 *
 * <p>Thread-safety: the built rules are immutable and thread-safe; the builder is not thread-safe.
 */
public final class AccessRules implements AccessPolicy {

  /** Role placeholder: any authenticated caller. */
  public static final String AUTHENTICATED = "*authenticated";
  /** Role placeholder: anyone, the anonymous included. */
  public static final String ANYONE = "*anyone";

  private static final Pattern DOMAIN = Pattern.compile("\\*|[a-z0-9_-]{1,32}");

  private final List<Grant> grants;
  private final List<NamespacePattern> owned;
  private final Set<String> adminRoles;

  private AccessRules(Builder b) {
    this.grants = List.copyOf(b.grants);
    this.owned = List.copyOf(b.owned);
    this.adminRoles = Set.copyOf(b.adminRoles);
  }

  /** A builder with no grants: it refuses everything until told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean allows(RenCaller caller, RenOperation operation, RenResource resource) {
    for (String role : adminRoles) {
      if (caller.hasRole(role)) {
        return true;
      }
    }
    String domain = operation.domain() != null ? operation.domain() : resource.domain();
    boolean write = operation.isWrite();
    boolean granted = false;
    for (Grant g : grants) {
      if (g.write == write && g.where.matches(domain, resource.namespace()) && g.admits(caller)) {
        granted = true;
        break;
      }
    }
    if (!granted) {
      return false;
    }
    String owner = resource.owner();
    if (owner != null && isOwned(domain, resource.namespace())) {
      return owner.equals(caller.user());
    }
    return true;
  }

  /** Whether resources of {@code namespace} in {@code domain} belong to their owners. */
  public boolean isOwned(String domain, @Nullable String namespace) {
    for (NamespacePattern p : owned) {
      if (p.matches(domain, namespace)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "AccessRules[grants=" + grants + ", owned=" + owned + ", admin=" + adminRoles + "]";
  }

  private record NamespacePattern(String domain, String namespace) {
    boolean matches(String d, @Nullable String ns) {
      if (!domain.equals("*") && !domain.equals(d)) {
        return false;
      }
      if (namespace.equals("*")) {
        return true;
      }
      if (ns == null) {
        return false; // a domain-wide operation needs a "*" grant
      }
      return namespace.endsWith("*") ? ns.startsWith(namespace.substring(0, namespace.length() - 1))
          : namespace.equals(ns);
    }

    @Override
    public String toString() {
      return domain + ":" + namespace;
    }
  }

  private record Grant(NamespacePattern where, boolean write, Set<String> roles) {
    boolean admits(RenCaller caller) {
      if (roles.contains(ANYONE)) {
        return true;
      }
      if (!caller.authenticated()) {
        return false;
      }
      if (roles.contains(AUTHENTICATED)) {
        return true;
      }
      for (String r : roles) {
        if (caller.hasRole(r)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return (write ? "write " : "read ") + where + " " + roles;
    }
  }

  /**
   * Builds {@link AccessRules}. Thread-safety: not thread-safe.
   */
  public static final class Builder {
    private final List<Grant> grants = new ArrayList<>();
    private final List<NamespacePattern> owned = new ArrayList<>();
    private final List<String> adminRoles = new ArrayList<>();

    private Builder() {}

    /** Grants reading {@code namespacePattern} of {@code domain} (and receiving its events) to {@code roles}. */
    public Builder read(String domain, String namespacePattern, String... roles) {
      return grant(domain, namespacePattern, false, roles);
    }

    /** Grants writing {@code namespacePattern} of {@code domain} to {@code roles}. */
    public Builder write(String domain, String namespacePattern, String... roles) {
      return grant(domain, namespacePattern, true, roles);
    }

    /** {@link #read} and {@link #write} to the same roles. */
    public Builder readWrite(String domain, String namespacePattern, String... roles) {
      read(domain, namespacePattern, roles);
      return write(domain, namespacePattern, roles);
    }

    /** Resources of {@code namespacePattern} in {@code domain} are reachable only by their owner. */
    public Builder owned(String domain, String namespacePattern) {
      owned.add(pattern(domain, namespacePattern));
      return this;
    }

    /** Callers with one of {@code roles} may do everything. */
    public Builder admin(String... roles) {
      if (roles.length == 0) {
        throw new IllegalArgumentException("admin needs at least one role");
      }
      for (String r : roles) {
        adminRoles.add(checkRole(r));
      }
      return this;
    }

    private Builder grant(String domain, String namespacePattern, boolean write, String... roles) {
      if (roles.length == 0) {
        throw new IllegalArgumentException("a grant on " + domain + ":" + namespacePattern
            + " needs at least one role (or AccessRules.AUTHENTICATED / AccessRules.ANYONE)");
      }
      for (String r : roles) {
        checkRole(r);
      }
      grants.add(new Grant(pattern(domain, namespacePattern), write, Set.of(roles)));
      return this;
    }

    private static NamespacePattern pattern(String domain, String namespacePattern) {
      Objects.requireNonNull(domain, "domain");
      Objects.requireNonNull(namespacePattern, "namespacePattern");
      if (!DOMAIN.matcher(domain).matches()) {
        throw new IllegalArgumentException("domain '" + Printable.of(domain) + "' must be * or [a-z0-9_-]{1,32}");
      }
      if (namespacePattern.isEmpty() || namespacePattern.indexOf('*') >= 0
          && namespacePattern.indexOf('*') != namespacePattern.length() - 1) {
        throw new IllegalArgumentException("namespace pattern '" + Printable.of(namespacePattern)
            + "' must be a name, a prefix ending in *, or *");
      }
      return new NamespacePattern(domain, namespacePattern);
    }

    private static String checkRole(String role) {
      if (role == null || role.isEmpty()) {
        throw new IllegalArgumentException("a role must be a non-empty string");
      }
      return role;
    }

    public AccessRules build() {
      return new AccessRules(this);
    }
  }
}
