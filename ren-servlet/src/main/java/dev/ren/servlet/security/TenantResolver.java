package dev.ren.servlet.security;

import dev.ren.access.RenCaller;
import dev.ren.servlet.http.HttpError;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * Which tenant a request works in. Every store partitions by it, and a stream receives only its tenant's events.
 *
 * <p>The default, {@link #fromCaller()}, keeps the tenant the authenticator put on the caller (a token's tenant,
 * say; none for container principals, which then share the default tenant). {@link #trustedHeader} reads a header
 * instead, which is only safe behind a gateway that sets it and strips any the client sent.
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
@FunctionalInterface
public interface TenantResolver {

  /** The request's tenant (null: the default tenant). */
  @Nullable String tenant(HttpServletRequest request, RenCaller caller);

  /** The caller's own tenant. */
  static TenantResolver fromCaller() {
    return (request, caller) -> caller.tenant();
  }

  /**
   * The value of {@code header}, else the caller's own tenant; an invalid value is a {@code 400 invalid_tenant}.
   * Trust it only where a gateway sets it. A caller whose credentials already name a tenant (a token minted in
   * tenant {@code a}) cannot be moved into another by the header: that is a {@code 403 tenant_mismatch}, or a
   * writer of one tenant would become a writer of every tenant the header can name.
   */
  static TenantResolver trustedHeader(String header) {
    Objects.requireNonNull(header, "header");
    return (request, caller) -> {
      String t = request.getHeader(header);
      if (t == null || t.isEmpty()) {
        return caller.tenant();
      }
      if (!RenCaller.isValidTenant(t)) {
        throw new HttpError(400, "invalid_tenant", header + " must match [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");
      }
      String own = caller.tenant();
      if (own != null && !own.equals(t)) {
        throw new HttpError(403, "tenant_mismatch", header + " names another tenant than the credentials do");
      }
      return t;
    };
  }
}
