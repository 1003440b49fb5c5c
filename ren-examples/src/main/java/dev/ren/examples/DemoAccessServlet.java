package dev.ren.examples;

import dev.ren.access.RenCaller;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the demo page asks about access, at {@value #PATH}{@code /*}:
 *
 * <ul>
 *   <li>{@code GET /demo/config} → {@code {"mode":"open"}} or {@code {"mode":"users","tokenTtl":300}}: whether the
 *       page must log in (with {@code --users}), and how long a stream token lives. Anyone may ask.</li>
 *   <li>{@code GET /demo/me} → {@code {"user","tenant","roles"}} of the caller; {@code 401} JSON for wrong
 *       credentials, and for none in users mode. The page's login form checks the name and password here.</li>
 *   <li>{@code POST /demo/logout} with the page's stream token ({@code Authorization: Bearer}) → the token is refused
 *       from now on ({@link RenSecurity#revokeToken}), so a copied stream URL stops working with the logout;
 *       {@code {"revoked":true|false}}. The Basic credentials have no session to end: the page forgets them.</li>
 * </ul>
 *
 * <p>No answer carries {@code WWW-Authenticate}, so a browser never shows its own login dialog over the page's form.
 *
 * <p>Thread-safety: stateless apart from its configuration; safe for concurrent requests.
 */
final class DemoAccessServlet extends JsonServlet {

  private static final long serialVersionUID = 1L;

  /** Where it is mapped. */
  static final String PATH = "/demo";

  private final transient RenSecurity security;
  private final boolean users;

  /**
   * @param security the demo's security
   * @param users    whether the demo runs with {@code --users} (else open)
   */
  DemoAccessServlet(RenSecurity security, boolean users) {
    super(null, security);
    this.security = security;
    this.users = users;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = String.valueOf(req.getPathInfo());
    switch (path) {
      case "/config" -> writeJson(resp, 200, config());
      case "/me" -> writeJson(resp, 200, me(req));
      default -> throw HttpError.notFound("no such resource: " + PATH + path);
    }
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    if (!"/logout".equals(req.getPathInfo())) {
      throw HttpError.methodNotAllowed("POST");
    }
    RenCaller caller = security.caller(req); // a wrong or expired token: 401 like everywhere else
    String token = RenAuthenticator.presentedToken(req);
    Instant expiresAt = caller.expiresAt();
    boolean revoked = false;
    if (token != null && expiresAt != null) {
      security.revokeToken(token, expiresAt);
      revoked = true;
    }
    writeJson(resp, 200, Map.of("revoked", revoked));
  }

  private Map<String, Object> config() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("mode", users ? "users" : "open");
    if (users) {
      body.put("tokenTtl", security.streamTokenTtl().getSeconds());
    }
    return body;
  }

  private Map<String, @Nullable Object> me(HttpServletRequest req) {
    RenCaller c = security.caller(req);
    if (users && !c.authenticated()) {
      throw new HttpError(401, "unauthorized", "log in: this demo runs with --users");
    }
    Map<String, @Nullable Object> body = new LinkedHashMap<>();
    body.put("user", c.user());
    body.put("tenant", c.tenant());
    body.put("roles", List.copyOf(new TreeSet<>(c.roles())));
    Instant e = c.expiresAt();
    if (e != null) {
      body.put("expiresIn", Math.max(0, Duration.between(security.clock().instant(), e).getSeconds()));
    }
    return body;
  }
}
