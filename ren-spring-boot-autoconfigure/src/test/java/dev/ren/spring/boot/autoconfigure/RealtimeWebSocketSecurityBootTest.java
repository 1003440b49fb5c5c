package dev.ren.spring.boot.autoconfigure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.access.AccessPolicy;
import dev.ren.access.AccessRules;
import dev.ren.access.RenCaller;
import dev.ren.servlet.security.RenAuthenticator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebSocket endpoint the starter mounts is authenticated and authorized by the application's access policy,
 * like the HTTP binding: readers may subscribe and not publish, on either transport; writers publish.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "ren.bindings=realtime", "ren.data-dir=target/realtime-websocket-security-boot-test"})
class RealtimeWebSocketSecurityBootTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @Bean
    AccessPolicy accessPolicy() {
      return AccessRules.builder().read("realtime", "*", "reader", "writer").write("realtime", "*", "writer")
          .build();
    }

    /** The caller from test headers (in an application: Spring Security or the container's principal). */
    @Bean
    RenAuthenticator renAuthenticator() {
      return req -> {
        String user = req.getHeader("X-Test-User");
        String role = req.getHeader("X-Test-Role");
        return user == null ? null : RenCaller.user(user, role == null ? Set.of() : Set.of(role), null);
      };
    }
  }

  @LocalServerPort
  int port;

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
  void reader_subscribesButMayNotPublish_onEitherTransport() throws Exception {
    TestWebSocket reader = connect("r1", "rita", "reader");
    reader.subscribe("room-s");
    reader.send("{\"action\":\"publish\",\"channel\":\"room-s\",\"data\":\"no\"}");
    JsonNode err = reader.nextError();
    assertThat(err.path("code").asText()).isEqualTo("unauthorized");
    assertThat(err.path("action").asText()).isEqualTo("publish");

    assertThat(publish("rita", "reader", "no").statusCode()).isEqualTo(403);

    HttpResponse<String> ok = publish("walt", "writer", "yes");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    JsonNode m = reader.next("message");
    assertThat(m.path("data").asText()).isEqualTo("yes");
    assertThat(m.path("userId").asText()).isEqualTo("walt"); // the caller's user, as on HTTP
  }

  @Test
  void anonymous_subscribeRefusedUnauthorized() throws Exception {
    TestWebSocket anonymous = connect("a1", null, null);
    anonymous.send("{\"action\":\"subscribe\",\"channel\":\"room-s\"}");
    JsonNode err = anonymous.nextError();
    assertThat(err.path("code").asText()).isEqualTo("unauthorized");
    assertThat(err.path("action").asText()).isEqualTo("subscribe");
  }

  private HttpResponse<String> publish(String user, String role, String data) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/realtime/publish"))
        .header("Content-Type", "application/json").header("X-Test-User", user).header("X-Test-Role", role)
        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"room-s\",\"data\":\"" + data + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private TestWebSocket connect(String cid, @Nullable String user, @Nullable String role) {
    Map<String, String> headers = user == null ? Map.of() : Map.of("X-Test-User", user, "X-Test-Role", role);
    TestWebSocket ws = new TestWebSocket(http, URI.create("ws://127.0.0.1:" + port + "/_rt/ws?cid=" + cid),
        headers, WAIT);
    open.add(ws);
    return ws;
  }
}
