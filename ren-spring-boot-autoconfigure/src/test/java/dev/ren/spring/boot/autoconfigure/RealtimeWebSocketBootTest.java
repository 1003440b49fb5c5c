package dev.ren.spring.boot.autoconfigure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.testing.SseTestClient;
import dev.ren.websocket.realtime.RealtimeWebSocketServlet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Realtime over WebSocket in a Spring Boot application on Boot's embedded Tomcat (tomcat-embed-websocket), mounted
 * by the auto-configuration with {@code ren.bindings=realtime}: a JDK WebSocket client at {@code /_rt/ws} and the
 * HTTP + SSE transport see each other's messages and presence.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "ren.bindings=realtime", "ren.access=open", "ren.data-dir=target/realtime-websocket-boot-test"})
class RealtimeWebSocketBootTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @LocalServerPort
  int port;

  @Autowired
  RealtimeWebSocketServlet endpoint;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeClients() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing what a test left open
      }
    }
  }

  @Test
  void httpPublish_webSocketSubscriber_receivesMessage() throws Exception {
    TestWebSocket ws = connect("w1");
    ws.subscribe("room-1");

    HttpResponse<String> r = post("/api/realtime/publish",
        "{\"channel\":\"room-1\",\"data\":{\"text\":\"hi\"},\"userId\":\"bob\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

    JsonNode m = ws.next("message");
    assertThat(m.path("channel").asText()).isEqualTo("room-1");
    assertThat(m.path("data").path("text").asText()).isEqualTo("hi");
    assertThat(m.path("userId").asText()).isEqualTo("bob");
  }

  @Test
  void webSocketPresenceJoinAndPublish_sseStream_seesPresenceJoinAndMessage() throws Exception {
    SseTestClient presence = stream("presence:room-2", "s1");
    SseTestClient messages = stream("realtime:room-2", "s2");
    TestWebSocket ws = connect("w2");
    ws.send("{\"action\":\"presence:join\",\"channel\":\"room-2\",\"userId\":\"alice\",\"metadata\":{\"n\":1}}");
    JsonNode join = presence.next("presence.join", WAIT).json();
    assertThat(join.path("uid").asText()).isEqualTo("alice");
    assertThat(join.path("data").path("n").asInt()).isEqualTo(1);

    ws.send("{\"action\":\"publish\",\"channel\":\"room-2\",\"data\":[1,2,3]}");
    JsonNode m = messages.next("realtime.message", WAIT).json();
    assertThat(m.path("ch").asText()).isEqualTo("room-2");
    assertThat(m.path("data").toString()).isEqualTo("[1,2,3]");
    assertThat(m.path("src").asText()).isEqualTo("w2");

    ws.close();
    assertThat(presence.next("presence.leave", WAIT).json().path("uid").asText()).isEqualTo("alice");
    await().atMost(WAIT).until(() -> endpoint.connectionCount() == 0);
  }

  @Test
  void plainGet_webSocketPath_answersUpgradeRequired() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("http", "/_rt/ws")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(426);
    assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("upgrade_required");
  }

  private URI uri(String scheme, String pathAndQuery) {
    return URI.create(scheme + "://127.0.0.1:" + port + pathAndQuery);
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(uri("http", path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private SseTestClient stream(String filter, String cid) throws Exception {
    SseTestClient c = SseTestClient.open(uri("http", "/api/maravilla/ren?s=" + filter + "&cid=" + cid));
    open.add(c);
    assertThat(c.status()).isEqualTo(200);
    c.next("ren.meta", WAIT);
    return c;
  }

  private TestWebSocket connect(String cid) {
    TestWebSocket ws = new TestWebSocket(http, uri("ws", "/_rt/ws?cid=" + cid), WAIT);
    open.add(ws);
    return ws;
  }
}
