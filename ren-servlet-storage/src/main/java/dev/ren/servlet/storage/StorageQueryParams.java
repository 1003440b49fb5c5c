package dev.ren.servlet.storage;

import dev.ren.servlet.http.HttpError;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The request's query string, decoded here rather than through {@code getParameter}, which may read a form body
 * (an upload's bytes) on some containers. The first value of a repeated name wins.
 *
 * <p>Thread-safety: immutable.
 */
final class StorageQueryParams {
  private final Map<String, String> values;

  private StorageQueryParams(Map<String, String> values) {
    this.values = values;
  }

  static StorageQueryParams of(HttpServletRequest req) {
    Map<String, String> m = new HashMap<>();
    String q = req.getQueryString();
    if (q != null && !q.isEmpty()) {
      for (String part : q.split("&")) {
        if (part.isEmpty()) {
          continue;
        }
        int eq = part.indexOf('=');
        try {
          String name = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
          String value = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
          m.putIfAbsent(name, value);
        } catch (IllegalArgumentException e) {
          throw HttpError.badRequest("malformed percent-encoding in query parameter '" + part + "'");
        }
      }
    }
    return new StorageQueryParams(m);
  }

  @Nullable String get(String name) {
    return values.get(name);
  }
}
