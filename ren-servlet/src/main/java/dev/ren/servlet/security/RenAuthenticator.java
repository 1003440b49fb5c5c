package dev.ren.servlet.security;

import dev.ren.access.RenCaller;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a request into the {@link RenCaller} making it. Returns null when the request carries no credentials this
 * authenticator understands (the next one in a {@link #chain} is asked; at the end the caller is anonymous), and
 * throws {@link InvalidCredentialsException} when it carries credentials that are wrong or expired: those are a
 * {@code 401}, never silently anonymous.
 *
 * <p>The default, {@link #container(String...)}, is the servlet request's own principal and roles
 * ({@code getUserPrincipal}, {@code isUserInRole}), so container authentication, Jakarta Security and Spring
 * Security work unchanged. The tenant is set afterwards by the {@link TenantResolver}.
 *
 * <pre>{@code
 * RenAuthenticator auth = RenAuthenticator.chain(
 *     RenAuthenticator.tokens(tokens),                     // Authorization: Bearer ..., or ?token= on the stream
 *     RenAuthenticator.container("read", "write", "admin"));
 * }</pre>
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
@FunctionalInterface
public interface RenAuthenticator {

  /** The roles {@link #container()} asks the container about. */
  List<String> DEFAULT_ROLES = List.of("read", "write", "admin");

  /**
   * The caller, or null when the request carries no credentials for this authenticator.
   *
   * @throws InvalidCredentialsException if it carries credentials that do not hold
   */
  @Nullable RenCaller authenticate(HttpServletRequest request);

  /** {@link #container(String...)} with the roles {@code read}, {@code write} and {@code admin}. */
  static RenAuthenticator container() {
    return container(DEFAULT_ROLES.toArray(String[]::new));
  }

  /**
   * The container's principal, with those of {@code roles} for which {@code isUserInRole} is true (the servlet API
   * cannot list a user's roles, so the ones the policy uses are named here).
   */
  static RenAuthenticator container(String... roles) {
    List<String> candidates = List.of(roles);
    return request -> {
      Principal p = request.getUserPrincipal();
      if (p == null || p.getName() == null || p.getName().isEmpty()) {
        return null;
      }
      Set<String> held = new LinkedHashSet<>();
      for (String r : candidates) {
        if (request.isUserInRole(r)) {
          held.add(r);
        }
      }
      return RenCaller.user(p.getName(), held, null);
    };
  }

  /**
   * Tokens minted by {@code tokens}: {@code Authorization: Bearer <token>}, or, because a browser
   * {@code EventSource} cannot set headers, the {@code token} query parameter. A token whose kind is
   * {@link TokenClaims#KIND_CHANNEL} is not a credential.
   */
  static RenAuthenticator tokens(RenTokens tokens) {
    Objects.requireNonNull(tokens, "tokens");
    return request -> {
      String token = presentedToken(request);
      if (token == null) {
        return null;
      }
      return accessCaller(tokens, token);
    };
  }

  /**
   * The caller an access token stands for.
   *
   * @throws InvalidCredentialsException if it does not verify or is not an access token
   */
  static RenCaller accessCaller(RenTokens tokens, String token) {
    TokenClaims claims = tokens.verify(token);
    if (!TokenClaims.KIND_ACCESS.equals(claims.kind())) {
      throw new InvalidCredentialsException("a " + claims.kind() + " token is not a credential");
    }
    return claims.caller();
  }

  /**
   * The token {@code request} presents, where {@link #tokens} looks: {@code Authorization: Bearer <token>}, else
   * the first {@code token} parameter of the query string; null when neither is there. Only the query is read,
   * never a form body: {@code getParameter} would make the container read and parse a form-encoded body before the
   * binding's own body limits and timeouts apply.
   */
  static @Nullable String presentedToken(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    String query = request.getQueryString();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&", -1)) {
      if (pair.startsWith("token=") && pair.length() > 6) {
        try {
          return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw new InvalidCredentialsException("the token parameter is not URL-encoded");
        }
      }
    }
    return null;
  }

  /** Asks each in turn; the first non-null caller wins; an {@link InvalidCredentialsException} ends the chain. */
  static RenAuthenticator chain(RenAuthenticator... authenticators) {
    List<RenAuthenticator> all = List.of(authenticators);
    return request -> {
      for (RenAuthenticator a : all) {
        RenCaller c = a.authenticate(request);
        if (c != null) {
          return c;
        }
      }
      return null;
    };
  }
}
