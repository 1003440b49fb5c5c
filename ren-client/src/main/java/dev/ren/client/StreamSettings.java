package dev.ren.client;

import org.jspecify.annotations.Nullable;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What every connection of one client shares: where the stream is, who asks, and the time and transport to use.
 *
 * <p>Thread-safety: immutable (the HTTP client supplier and scheduler are thread-safe).
 *
 * @param endpoint         the stream URI as configured (may carry its own query)
 * @param subscriptions    the filters, sent as {@code s}; empty means everything
 * @param clientId         sent as {@code cid} and {@code X-Ren-Client}
 * @param readTimeoutNanos how long a connection may go without a byte before it is dropped
 * @param http             the HTTP client (the client's own one is built on first use)
 * @param scheduler        runs the read-timeout checks and reconnects
 * @param nanoTime         the time {@code scheduler} runs on, like {@link System#nanoTime()}
 */
record StreamSettings(
    URI endpoint,
    List<String> subscriptions,
    String clientId,
    long readTimeoutNanos,
    Supplier<HttpClient> http,
    ScheduledExecutorService scheduler,
    LongSupplier nanoTime) {

  StreamSettings {
    subscriptions = List.copyOf(subscriptions);
  }

  /** The stream URI with {@code s}, {@code cid} and (when resuming) {@code lastEventId} appended to the query. */
  URI streamUri(@Nullable String resumeFrom) {
    StringBuilder q = new StringBuilder();
    String raw = endpoint.toString();
    q.append(raw).append(raw.indexOf('?') >= 0 ? '&' : '?');
    if (!subscriptions.isEmpty()) {
      q.append("s=").append(enc(String.join(",", subscriptions))).append('&');
    }
    q.append("cid=").append(enc(clientId));
    if (resumeFrom != null) {
      q.append("&lastEventId=").append(enc(resumeFrom));
    }
    return URI.create(q.toString());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
