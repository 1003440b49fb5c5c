package dev.ren.spring.boot.autoconfigure;

import dev.ren.access.RenCaller;
import dev.ren.servlet.security.InvalidCredentialsException;
import dev.ren.servlet.security.RenAuthenticator;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The REN caller from Spring Security: the current {@link Authentication}'s name is the user, its authorities are
 * the roles ({@code ROLE_write} becomes the role {@code write}; an authority without the prefix, such as
 * {@code SCOPE_todos}, is a role under its own name). An anonymous or unauthenticated {@code Authentication} is no
 * caller (the next authenticator of a chain is asked; at the end the caller is anonymous). The tenant is left to
 * the {@code TenantResolver}.
 *
 * <p>Spring Security authenticates the request in its filter chain, before REN's servlets run, so whatever the
 * application configured (form login, HTTP Basic, OAuth2 resource server, remember-me) is what REN sees.
 *
 * <pre>{@code
 * RenSecurity.builder(policy)
 *     .authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens), SpringSecurityAuthenticator.create()))
 * }</pre>
 *
 * <p>Thread-safety: stateless and thread-safe (the {@code Authentication} is read from the request thread's
 * {@link SecurityContextHolder}).
 */
public final class SpringSecurityAuthenticator implements RenAuthenticator {

  /** The prefix Spring Security puts on role authorities. */
  public static final String ROLE_PREFIX = "ROLE_";

  private static final SpringSecurityAuthenticator INSTANCE = new SpringSecurityAuthenticator();

  private SpringSecurityAuthenticator() {}

  /** The authenticator. */
  public static SpringSecurityAuthenticator create() {
    return INSTANCE;
  }

  @Override
  public @Nullable RenCaller authenticate(HttpServletRequest request) {
    Authentication a = SecurityContextHolder.getContext().getAuthentication();
    if (a == null || !a.isAuthenticated() || a instanceof AnonymousAuthenticationToken) {
      return null;
    }
    return caller(a);
  }

  /**
   * The caller for {@code authentication}: its name and roles.
   *
   * @throws InvalidCredentialsException if the name is no valid REN user (empty, over 256 characters, control
   *     characters)
   */
  public static RenCaller caller(Authentication authentication) {
    Set<String> roles = new LinkedHashSet<>();
    for (GrantedAuthority g : authentication.getAuthorities()) {
      String name = g.getAuthority();
      if (name == null || name.isEmpty()) {
        continue;
      }
      String role = name.startsWith(ROLE_PREFIX) ? name.substring(ROLE_PREFIX.length()) : name;
      if (!role.isEmpty()) {
        roles.add(role);
      }
    }
    try {
      return RenCaller.user(authentication.getName(), roles, null);
    } catch (IllegalArgumentException e) {
      throw new InvalidCredentialsException("the authenticated name is not usable as a REN user: "
          + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "SpringSecurityAuthenticator";
  }
}
