package dev.ren.spring.boot.autoconfigure;

import dev.ren.access.RenCaller;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring Security's Authentication as the REN caller. */
class SpringSecurityAuthenticatorTest {

  @AfterEach
  void clear() {
    SecurityContextHolder.clearContext();
  }

  @Test
  void authenticate_springUser_nameAndRolesWithoutPrefix() {
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated("alice",
        null, AuthorityUtils.createAuthorityList("ROLE_write", "ROLE_read", "SCOPE_todos")));
    RenCaller c = SpringSecurityAuthenticator.create().authenticate(new MockHttpServletRequest());
    assertThat(c).isNotNull();
    assertThat(c.user()).isEqualTo("alice");
    assertThat(c.roles()).containsExactlyInAnyOrder("write", "read", "SCOPE_todos");
    assertThat(c.tenant()).isNull();
  }

  @Test
  void authenticate_anonymousOrNone_noCaller() {
    assertThat(SpringSecurityAuthenticator.create().authenticate(new MockHttpServletRequest())).isNull();
    SecurityContextHolder.getContext().setAuthentication(new AnonymousAuthenticationToken("k", "anonymousUser",
        AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")));
    assertThat(SpringSecurityAuthenticator.create().authenticate(new MockHttpServletRequest())).isNull();
  }

  @Test
  void authenticate_unauthenticatedToken_noCaller() {
    SecurityContextHolder.getContext().setAuthentication(
        UsernamePasswordAuthenticationToken.unauthenticated("mallory", "guess"));
    assertThat(SpringSecurityAuthenticator.create().authenticate(new MockHttpServletRequest())).isNull();
  }
}
