package dev.ren.checks.jetty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.kv.KvStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter in a Boot application on Boot's embedded Jetty, over real sockets: the stream carries a KV write,
 * realtime works over WebSocket (Jetty's Jakarta WebSocket container) and HTTP, and Actuator shows REN's health
 * and meters. Deliberately without REN's test-support module, whose Jetty is the EE 10 one.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "ren.access=open", "ren.bindings=kv,realtime", "ren.data-dir=target/boot-on-jetty",
    "management.endpoints.web.exposure.include=health,metrics", "management.endpoint.health.show-components=always"})
class BootOnJettyTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @LocalServerPort
  int port;

  @Autowired
  WebServerApplicationContext context;

  @Autowired
  KvStore kv;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void webServer_isBootsJetty() {
    assertThat(context.getWebServer().getClass().getName()).contains("Jetty");
  }

  @Test
  void kvWrite_openStream_receivesKvPut() throws Exception {
    BlockingQueue<String> lines = stream("/api/maravilla/ren?s=kv&cid=j1");
    assertThat(nextData(lines, "ren.meta").path("filter").asText()).isEqualTo("kv");

    kv.namespace("demo").put("todo:1", JSON.getNodeFactory().textNode("milk"));

    JsonNode put = nextData(lines, "kv.put");
    assertThat(put.path("k").asText()).isEqualTo("todo:1");
    assertThat(put.path("ns").asText()).isEqualTo("demo");
  }

  @Test
  void httpPublish_webSocketSubscriber_receivesMessage() throws Exception {
    BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    WebSocket ws = http.newWebSocketBuilder().connectTimeout(WAIT)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/_rt/ws?cid=w1"), new WebSocket.Listener() {
          private final StringBuilder partial = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              try {
                frames.add(JSON.readTree(partial.toString()));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              partial.setLength(0);
            }
            socket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    open.add(() -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS));
    ws.sendText("{\"action\":\"subscribe\",\"channel\":\"room-1\"}", true).join();
    assertThat(next(frames, "subscribed").path("channel").asText()).isEqualTo("room-1");

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/api/realtime/publish"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"room-1\",\"data\":{\"text\":\"hi\"}}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

    assertThat(next(frames, "message").path("data").path("text").asText()).isEqualTo("hi");
  }

  @Test
  void actuator_showsRenHealthAndStreamMeter() throws Exception {
    BlockingQueue<String> lines = stream("/api/maravilla/ren?cid=j2");
    nextData(lines, "ren.meta");

    JsonNode health = getJson("/actuator/health");
    assertThat(health.path("components").path("ren").path("status").asText()).as(health.toString())
        .isEqualTo("UP");
    JsonNode active = getJson("/actuator/metrics/ren.streams.active");
    assertThat(active.path("measurements").get(0).path("value").asDouble()).as(active.toString())
        .isGreaterThanOrEqualTo(1.0);
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Opens an SSE stream; its lines are read on a thread of their own into the queue. */
  private BlockingQueue<String> stream(String pathAndQuery) throws Exception {
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri(pathAndQuery))
        .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    InputStream body = r.body();
    open.add(body);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (Exception closed) {
        // the test closed the stream
      }
    }, "sse-reader");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /** The data of the next SSE event named {@code event}, skipping others. */
  private static JsonNode nextData(BlockingQueue<String> lines, String event) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    boolean inEvent = false;
    while (true) {
      String line = lines.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(line).as("an SSE '" + event + "' within " + WAIT).isNotNull();
      if (line.equals("event: " + event)) {
        inEvent = true;
      } else if (inEvent && line.startsWith("data: ")) {
        return JSON.readTree(line.substring(6));
      } else if (line.isEmpty()) {
        inEvent = false;
      }
    }
  }

  /** The next WebSocket frame with this {@code event}, skipping others; fails on an {@code error}. */
  private static JsonNode next(BlockingQueue<JsonNode> frames, String event) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonNode f = frames.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(f).as("a '" + event + "' within " + WAIT).isNotNull();
      assertThat(f.path("event").asText()).as(f.toString()).isNotEqualTo("error");
      if (f.path("event").asText().equals(event)) {
        return f;
      }
    }
  }
}
