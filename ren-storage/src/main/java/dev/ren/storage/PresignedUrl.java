package dev.ren.storage;

import java.time.Instant;
import java.util.Map;

/**
 * A signed, expiring request a client may make without further authorisation.
 *
 * <p>Thread-safety: immutable.
 *
 * @param url       path and query relative to the servlet context (e.g. {@code /api/storage/a.png?X-Ren-...});
 *                  the HTTP layer makes it absolute
 * @param method    {@code PUT} or {@code GET}
 * @param headers   headers the request must carry (the signed {@code Content-Type} for uploads)
 * @param expiresIn seconds from signing until expiry
 * @param expiresAt when the signature stops being accepted
 */
public record PresignedUrl(String url, String method, Map<String, String> headers, long expiresIn,
                           Instant expiresAt) {
  public PresignedUrl {
    headers = Map.copyOf(headers);
  }
}
