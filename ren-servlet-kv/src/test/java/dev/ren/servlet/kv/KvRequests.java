package dev.ren.servlet.kv;

import java.net.URI;
import java.net.http.HttpRequest;

/** Requests to the KV binding as a browser's {@code fetch} sends them: a body is JSON unless a test says otherwise. */
final class KvRequests {

  private KvRequests() {}

  /** {@code method uri} with {@code body} (null: none) and header name/value pairs. */
  static HttpRequest of(URI uri, String method, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (body != null && !typed) {
      b.header("Content-Type", "application/json");
    }
    return b.build();
  }
}
