package dev.ren.spring.boot.autoconfigure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A JDK {@link WebSocket} whose text messages (reassembled) are parsed and queued, for the realtime endpoint. */
final class TestWebSocket implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();
  private final Duration wait;
  private final WebSocket socket;

  TestWebSocket(HttpClient http, URI uri, Duration wait) {
    this(http, uri, Map.of(), wait);
  }

  /** Opens the socket with these headers on the upgrade request. */
  TestWebSocket(HttpClient http, URI uri, Map<String, String> headers, Duration wait) {
    this.wait = wait;
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(wait);
    headers.forEach(b::header);
    socket = b.buildAsync(uri, new WebSocket.Listener() {
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
        webSocket.request(1);
        return null;
      }
    }).join();
  }

  void send(String json) {
    socket.sendText(json, true).join();
  }

  /** Subscribes and waits for {@code subscribed}. */
  void subscribe(String channel) throws InterruptedException {
    send("{\"action\":\"subscribe\",\"channel\":\"" + channel + "\"}");
    assertThat(next("subscribed").path("channel").asText()).isEqualTo(channel);
  }

  /** The next message with this {@code event}, skipping others; fails on an {@code error} or after the wait. */
  JsonNode next(String event) throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (true) {
      JsonNode m = messages.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(m).as("a '" + event + "' within " + wait).isNotNull();
      assertThat(m.path("event").asText()).as(m.toString()).isNotEqualTo("error");
      if (m.path("event").asText().equals(event)) {
        return m;
      }
    }
  }

  /** The next {@code error}, skipping other messages; fails after the wait. */
  JsonNode nextError() throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (true) {
      JsonNode m = messages.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(m).as("an error within " + wait).isNotNull();
      if (m.path("event").asText().equals("error")) {
        return m;
      }
    }
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
    }
  }
}
