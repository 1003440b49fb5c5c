package dev.ren.spring.boot.starter;

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
 * on a real port: the stream is served, the controller's injected {@code KvStore} write arrives on it.
 */
@SpringBootTest(classes = StarterApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StarterAppTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @LocalServerPort
  int port;

  @Autowired
  KvStore kv;

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
  void clientScript_servedUnderStreamPath() throws Exception {
    HttpResponse<String> js = http.send(HttpRequest.newBuilder(uri("/api/maravilla/ren/client.js")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
