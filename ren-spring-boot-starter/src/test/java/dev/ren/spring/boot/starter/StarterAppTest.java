package dev.ren.spring.boot.starter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.kv.KvStore;
import dev.ren.testing.SseTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fresh application of issue 17's "Must show": starter + ren-kv + webmvc + actuator with {@code ren.access=open},
 * on a real port: the stream is served, the controller's injected {@code KvStore} write arrives on it, and
 * Actuator shows {@code ren} in {@code /actuator/health} and REN's meters in {@code /actuator/metrics}.
 */
@SpringBootTest(classes = StarterApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StarterAppTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @LocalServerPort
  int port;

  @Autowired
  KvStore kv;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void controllerWritesKv_eventArrivesOnStream() throws Exception {
    try (SseTestClient sse = SseTestClient.open(URI.create("http://127.0.0.1:" + port + "/api/maravilla/ren?s=kv"))) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
      assertThat(sse.next("ren.meta", WAIT).json().get("clientId").asText()).isNotEmpty();

      HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri("/api/todos/1"))
          .header("Content-Type", "text/plain").header("X-Ren-Client", "tab-1")
          .PUT(HttpRequest.BodyPublishers.ofString("milk")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(200);

      var event = sse.next("kv.put", WAIT).json();
      assertThat(event.get("k").asText()).isEqualTo("todo:1");
      assertThat(event.get("ns").asText()).isEqualTo("demo");
      assertThat(event.get("src").asText()).isEqualTo("tab-1"); // the client-id filter runs on controllers too
      assertThat(kv.namespace("demo").getString("todo:1")).contains("milk");
    }
  }

  @Test
  void actuator_showsRenHealthAndStreamMetrics() throws Exception {
    try (SseTestClient sse = SseTestClient.open(URI.create("http://127.0.0.1:" + port + "/api/maravilla/ren"))) {
      sse.next("ren.meta", WAIT);
      HttpResponse<String> health = get("/actuator/health");
      assertThat(health.statusCode()).isEqualTo(200);
      JsonNode ren = JSON.readTree(health.body()).path("components").path("ren");
      assertThat(ren.path("status").asText()).isEqualTo("UP");
      assertThat(ren.path("details").path("hub").path("status").asText()).isEqualTo("UP");
      assertThat(ren.path("details").path("log").path("status").asText()).isEqualTo("UP");
      assertThat(ren.path("details").path("kv").path("status").asText()).isEqualTo("UP");

      HttpResponse<String> names = get("/actuator/metrics");
      assertThat(names.body()).contains("\"ren.streams.active\"", "\"ren.events.published\"",
          "\"ren.kv.entries\"");
      JsonNode active = JSON.readTree(get("/actuator/metrics/ren.streams.active").body());
      assertThat(active.path("measurements").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(1.0);
    }
  }

  @Test
  void clientScript_servedUnderStreamPath() throws Exception {
    HttpResponse<String> js = http.send(HttpRequest.newBuilder(uri("/api/maravilla/ren/client.js")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
