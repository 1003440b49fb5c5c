package dev.ren.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * CORS with an exact-origin allowlist: an allowed origin is echoed back (never {@code *}), with
 * {@code Vary: Origin} on every response so caches keep answers per origin. Empty by default (same-origin only).
 *
 * <pre>{@code
 * Cors cors = Cors.allow("http://localhost:5173", "https://app.example.com");
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class Cors {

  static final String ALLOWED_HEADERS =
      "Authorization, X-Ren-Client, X-Tenant-Id, X-TTL, X-Metadata, Content-Type, Last-Event-ID, If-Match, If-None-Match,"
      + " Range";
  static final String ALLOWED_METHODS = "GET, PUT, POST, DELETE, OPTIONS";
  static final String EXPOSED_HEADERS = "ETag, Last-Modified, Content-Length, Content-Range";

  private final Set<String> origins;

  private Cors(Set<String> origins) {
    this.origins = origins;
  }

  public static Cors disabled() {
    return new Cors(Set.of());
  }

  /** Allows exactly these origins ({@code scheme://host[:port]}, no path, no wildcard). */
  public static Cors allow(String... origins) {
    Set<String> set = new LinkedHashSet<>();
    for (String o : origins) {
      String t = o.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!t.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
        throw new IllegalArgumentException("CORS origin '" + t
            + "' must be scheme://host[:port] with no path and no wildcard");
      }
      set.add(t);
    }
    return new Cors(Set.copyOf(set));
  }

  /** Parses a comma-separated allowlist (as given in an init parameter); blank means disabled. */
  public static Cors parse(String commaSeparated) {
    return commaSeparated == null || commaSeparated.isBlank() ? disabled() : allow(commaSeparated.split(","));
  }

  public Set<String> origins() {
    return origins;
  }

  /**
   * Adds CORS headers for an allowed origin.
   *
   * @return true when the request was a preflight and has been answered
   */
  boolean apply(HttpServletRequest req, HttpServletResponse resp) {
    if (origins.isEmpty()) {
      return false;
    }
    resp.addHeader("Vary", "Origin");
    String origin = req.getHeader("Origin");
    if (origin == null || !origins.contains(origin)) {
      return false;
    }
    resp.setHeader("Access-Control-Allow-Origin", origin);
    resp.setHeader("Access-Control-Allow-Credentials", "true");
    resp.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    if ("OPTIONS".equals(req.getMethod()) && req.getHeader("Access-Control-Request-Method") != null) {
      resp.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS);
      resp.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      resp.setHeader("Access-Control-Max-Age", "600");
      resp.setStatus(204);
      return true;
    }
    return false;
  }
}
