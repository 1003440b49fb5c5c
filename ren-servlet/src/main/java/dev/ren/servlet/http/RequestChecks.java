package dev.ren.servlet.http;

import dev.ren.internal.Printable;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.util.Locale;
import java.util.Set;

/**
 * What a request must be before {@link JsonServlet} reads its body or runs its handler: a JSON media type for a
 * JSON body, an allowed {@code Origin} for a mutation. Every check answers from the headers alone.
 *
 * <p>Thread-safety: stateless.
 */
final class RequestChecks {

  private static final Set<String> MUTATIONS = Set.of("POST", "PUT", "DELETE", "PATCH");

  private RequestChecks() {}

  /** {@code 415 unsupported_media_type} unless the request's Content-Type is JSON (see {@link #isJson}). */
  static void requireJson(HttpServletRequest req) {
    String type = req.getContentType();
    if (!isJson(type)) {
      throw new HttpError(415, "unsupported_media_type", "Content-Type "
          + (type == null ? "is missing" : "'" + Printable.of(type) + "' is not accepted")
          + "; this endpoint takes application/json (UTF-8)");
    }
  }

  /** {@code application/json} or {@code application/*+json}, case-insensitive, with no charset but UTF-8. */
  static boolean isJson(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";");
    String media = parts[0].trim().toLowerCase(Locale.ROOT);
    boolean json = media.equals("application/json")
        || (media.startsWith("application/") && media.endsWith("+json") && media.indexOf('/') == 11
            && media.length() > "application/+json".length());
    if (!json) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase("charset")) {
        String charset = p.substring(eq + 1).trim().replace("\"", "");
        if (!charset.equalsIgnoreCase("utf-8")) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether the request says it has a body (HTTP/1: a positive Content-Length or any Transfer-Encoding). */
  static boolean declaresBody(HttpServletRequest req) {
    return req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
  }

  /** 403 for a mutation from an origin that the configured CORS allowlist does not name. */
  static void checkOrigin(HttpServletRequest req) {
    if (!MUTATIONS.contains(req.getMethod())
        || !(req.getAttribute(JsonServlet.ALLOWED_ORIGINS_ATTRIBUTE) instanceof Set<?> allowed) || allowed.isEmpty()) {
      return;
    }
    String origin = req.getHeader("Origin");
    if (origin == null || allowed.contains(origin) || isSameOrigin(req, origin)) {
      return;
    }
    throw new HttpError(403, "origin_not_allowed", "origin '" + Printable.of(origin)
        + "' may not change data here: it is not in the CORS allowlist");
  }

  /**
   * Whether {@code origin} names this server as the client reached it ({@code Host}). The scheme is not compared:
   * behind a TLS-terminating proxy the request arrives as {@code http} from an {@code https} page.
   */
  private static boolean isSameOrigin(HttpServletRequest req, String origin) {
    int sep = origin.indexOf("://");
    String host = req.getHeader("Host");
    if (sep < 0 || host == null) {
      return false;
    }
    String authority = origin.substring(sep + 3);
    return !authority.isEmpty() && authority.indexOf('/') < 0 && authority.equalsIgnoreCase(host.trim());
  }
}
