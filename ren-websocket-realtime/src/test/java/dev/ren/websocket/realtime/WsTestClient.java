package dev.ren.websocket.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test client on the JDK's {@link WebSocket}: every text message (reassembled) is parsed and queued; reading can
 * be paused ({@code autoRead false}: nothing is requested after the first message, so the socket fills up).
 */
final class WsTestClient implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final boolean autoRead;
  final WebSocket ws;

  private WsTestClient(URI uri, Map<String, String> headers, boolean autoRead) {
    this.autoRead = autoRead;
    WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    this.ws = b.buildAsync(uri, new WebSocket.Listener() {
      @Override
      public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
      }

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          try {
            messages.add(JSON.readTree(partial.toString()));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          partial.setLength(0);
        }
        if (WsTestClient.this.autoRead) {
          webSocket.request(1);
        }
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
      }

      @Override
      public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
      }
    }).join();
  }

  static WsTestClient open(URI uri, Map<String, String> headers) {
    return new WsTestClient(uri, headers, true);
  }

  static WsTestClient openNotReading(URI uri) {
    return new WsTestClient(uri, Map.of(), false);
  }

  void send(String json) {
    ws.sendText(json, true).join();
  }

  /** The next message matching {@code match}; others before it are dropped. */
  JsonNode next(Predicate<JsonNode> match, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      JsonNode m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
      if (m == null) {
        throw new AssertionError("no matching message within " + timeout);
      }
      if (match.test(m)) {
        return m;
      }
    }
  }

  JsonNode next(String event, Duration timeout) throws InterruptedException {
    return next(m -> event.equals(m.path("event").asText()), timeout);
  }

  /** No message matching {@code match} within {@code d}. */
  @Nullable JsonNode poll(Predicate<JsonNode> match, Duration d) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      JsonNode m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
      if (m == null || match.test(m)) {
        return m;
      }
    }
  }

  List<JsonNode> drain() {
    List<JsonNode> out = new ArrayList<>();
    messages.drainTo(out);
    return out;
  }

  /** Lets a paused client read again. */
  void readAll() {
    ws.request(Long.MAX_VALUE);
  }

  @Override
  public void close() {
    if (!ws.isOutputClosed()) {
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        ws.abort();
      }
    }
    ws.abort();
  }
}
