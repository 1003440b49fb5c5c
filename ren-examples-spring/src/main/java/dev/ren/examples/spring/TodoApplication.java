package dev.ren.examples.spring;

import dev.ren.access.AccessPolicy;
import dev.ren.access.AccessRules;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/**
 * The live todo list on Spring Boot: REN's KV binding at {@code /api/kv/*} (todos are keys {@code todo:<id>} in
 * namespace {@code demo}), the stream at {@code /api/maravilla/ren}, Spring Security with two users: alice may
 * write, bob may only read. Every tab sees every change as it happens.
 *
 * <pre>
 * mvn -q install -DskipTests &amp;&amp; mvn -pl ren-examples-spring spring-boot:run      # http://localhost:8080
 * </pre>
 */
@SpringBootApplication
public class TodoApplication {

  public static void main(String[] args) {
    SpringApplication.run(TodoApplication.class, args);
  }

  /** Who may do what: readers see the todos and their events, writers change them. */
  @Bean
  AccessPolicy renAccessPolicy() {
    return AccessRules.builder()
        .read("kv", "demo", "read", "write")
        .write("kv", "demo", "write")
        .build();
  }

  /**
   * Spring Security in front of everything. REN reads the {@code Authentication} it leaves (the starter's
   * {@code SpringSecurityAuthenticator}: authorities {@code ROLE_x} are REN roles {@code x}).
   *
   * <ul>
   *   <li>The stream and its client script may be opened without a session: REN authorizes every event it
   *       delivers, and a stream opened with {@code ?token=} (from {@code POST /api/maravilla/ren/token}) is
   *       authenticated by REN itself.</li>
   *   <li>Everything else, the token endpoint included, needs a logged-in user (form login for the page, HTTP
   *       Basic for scripts).</li>
   *   <li>CSRF is not needed on {@code /api/**}: REN's JSON endpoints accept only {@code application/json}, which
   *       a cross-site form cannot send without a CORS preflight, and REN refuses mutations from other
   *       origins.</li>
   * </ul>
   */
  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(a -> a
            .requestMatchers(HttpMethod.GET, "/api/maravilla/ren", "/api/maravilla/ren/client.js").permitAll()
            .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
            .anyRequest().authenticated())
        .formLogin(Customizer.withDefaults())
        .httpBasic(Customizer.withDefaults())
        .csrf(c -> c.ignoringRequestMatchers("/api/**"));
    return http.build();
  }

  /** alice: read and write; bob: read only. Passwords from {@code todo.alice-password}, {@code todo.bob-password}. */
  @Bean
  UserDetailsService users(@Value("${todo.alice-password}") String alice, @Value("${todo.bob-password}") String bob) {
    PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
    return new InMemoryUserDetailsManager(
        User.withUsername("alice").password(encoder.encode(alice)).roles("read", "write").build(),
        User.withUsername("bob").password(encoder.encode(bob)).roles("read").build());
  }

  /** Who the page is logged in as, so it can show whether it may write. */
  @RestController
  static class Me {
    @GetMapping("/api/me")
    Map<String, Object> me(Authentication auth) {
      List<String> roles = auth.getAuthorities().stream().map(GrantedAuthority::getAuthority)
          .map(r -> r != null && r.startsWith("ROLE_") ? r.substring(5) : String.valueOf(r)).toList();
      return Map.of("user", auth.getName(), "roles", roles, "canWrite", roles.contains("write"));
    }
  }
}
