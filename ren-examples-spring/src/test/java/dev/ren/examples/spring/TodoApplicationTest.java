package dev.ren.examples.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ren.kv.KvStore;
import dev.ren.testing.SseTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example on a real port, under Boot's dependency management: alice's write reaches bob's stream over a real
 * socket, bob's write is refused with a 403 JSON error and changes nothing, the token endpoint is Spring Security's
 * to protect, and the page is served.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TodoApplicationTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALICE = basic("alice", "wonderland");
  private static final String BOB = basic("bob", "builder");

  @LocalServerPort
  int port;

  @Autowired
  KvStore kv;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aliceWrites_eventArrivesOnBobsStream() throws Exception {
    try (SseTestClient bobStream = SseTestClient.open(uri("/api/maravilla/ren?s=kv:demo"),
        Map.of("Authorization", BOB))) {
      assertThat(bobStream.status()).isEqualTo(200);
      bobStream.next("ren.meta", WAIT);
      HttpResponse<String> put = send("PUT", "/api/kv/demo/todo:a1", ALICE, "{\"title\":\"milk\",\"done\":false}");
      assertThat(put.statusCode()).isEqualTo(200);
      JsonNode event = bobStream.next("kv.put", WAIT).json();
      assertThat(event.get("k").asText()).isEqualTo("todo:a1");
      assertThat(event.get("ns").asText()).isEqualTo("demo");
    }
  }

  @Test
  void bobWrites_refused403JsonAndNothingChangesNorArrives() throws Exception {
    try (SseTestClient aliceStream = SseTestClient.open(uri("/api/maravilla/ren?s=kv:demo"),
        Map.of("Authorization", ALICE))) {
      aliceStream.next("ren.meta", WAIT);
      HttpResponse<String> put = send("PUT", "/api/kv/demo/todo:b1", BOB, "{\"title\":\"bob's\",\"done\":false}");
      assertThat(put.statusCode()).isEqualTo(403);
      assertThat(put.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
      assertThat(JSON.readTree(put.body()).get("error").asText()).isEqualTo("forbidden");
      HttpResponse<String> delete = send("DELETE", "/api/kv/demo/todo:b1", BOB, null);
      assertThat(delete.statusCode()).isEqualTo(403);
      assertThat(kv.namespace("demo").get("todo:b1")).isEmpty();

      // the next event alice's stream gets is alice's own marker: bob's refused writes published nothing
      assertThat(send("PUT", "/api/kv/demo/todo:marker", ALICE, "{\"title\":\"marker\"}").statusCode())
          .isEqualTo(200);
      assertThat(aliceStream.next("kv.put", WAIT).json().get("k").asText()).isEqualTo("todo:marker");
    }
  }

  @Test
  void bobReads_allowed() throws Exception {
    kv.namespace("demo").put("todo:r1", "read me");
    assertThat(send("GET", "/api/kv/demo/todo:r1", BOB, null).statusCode()).isEqualTo(200);
  }

  @Test
  void anonymous_writeAndTokenRefusedByspringSecurity() throws Exception {
    assertThat(send("PUT", "/api/kv/demo/todo:x", null, "{}").statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/maravilla/ren/token", null, null).statusCode()).isEqualTo(401);
    assertThat(kv.namespace("demo").get("todo:x")).isEmpty();
  }

  @Test
  void streamToken_mintedForSpringUser_opensStreamWithoutSession() throws Exception {
    HttpResponse<String> minted = send("POST", "/api/maravilla/ren/token", BOB, null);
    assertThat(minted.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(minted.body());
    assertThat(body.get("expiresIn").asLong()).isEqualTo(300);
    String token = URLEncoder.encode(body.get("token").asText(), StandardCharsets.UTF_8);
    try (SseTestClient stream = SseTestClient.open(uri("/api/maravilla/ren?s=kv:demo&token=" + token))) {
      stream.next("ren.meta", WAIT);
      assertThat(send("PUT", "/api/kv/demo/todo:t1", ALICE, "{\"title\":\"tea\"}").statusCode()).isEqualTo(200);
      assertThat(stream.next("kv.put", WAIT).json().get("k").asText()).isEqualTo("todo:t1");
    }
  }

  @Test
  void anonymousStream_receivesNoTodoEvents() throws Exception {
    try (SseTestClient anon = SseTestClient.open(uri("/api/maravilla/ren?s=kv:demo"));
         SseTestClient bob = SseTestClient.open(uri("/api/maravilla/ren?s=kv:demo"), Map.of("Authorization", BOB))) {
      anon.next("ren.meta", WAIT);
      bob.next("ren.meta", WAIT);
      assertThat(send("PUT", "/api/kv/demo/todo:n1", ALICE, "{\"title\":\"n\"}").statusCode()).isEqualTo(200);
      bob.next("kv.put", WAIT); // delivered by now to every stream allowed to see it
      assertThat(anon.poll(Duration.ofMillis(500))).isNull();
    }
  }

  @Test
  void actuator_renMetricsAndHealth() throws Exception {
    try (SseTestClient stream = SseTestClient.open(uri("/api/maravilla/ren?s=kv:demo"), Map.of("Authorization", BOB))) {
      stream.next("ren.meta", WAIT);
      assertThat(send("PUT", "/api/kv/demo/todo:m1", ALICE, "{\"title\":\"metered\"}").statusCode()).isEqualTo(200);
      stream.next("kv.put", WAIT);

      assertThat(metric("ren.streams.active", null)).isGreaterThanOrEqualTo(1.0);
      assertThat(metric("ren.streams.opened", null)).isGreaterThanOrEqualTo(1.0);
      assertThat(metric("ren.events.published", "domain:kv")).isGreaterThanOrEqualTo(1.0);
      assertThat(metric("ren.events.delivered", null)).isGreaterThanOrEqualTo(1.0);
      assertThat(metric("ren.kv.entries", null)).isGreaterThanOrEqualTo(1.0);
      assertThat(metric("ren.log.append", null)).isGreaterThanOrEqualTo(1.0); // COUNT of the timer
    }
    // a stream that ended is counted by its reason
    assertThat(metricAvailableTags("ren.streams.closed")).contains("client", "slow_consumer", "max_streams",
        "token_expired", "shutdown");

    HttpResponse<String> health = send("GET", "/actuator/health", ALICE, null);
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode ren = JSON.readTree(health.body()).path("components").path("ren");
    assertThat(ren.path("status").asText()).isEqualTo("UP");
    assertThat(ren.path("details").path("log").path("status").asText()).isEqualTo("UP");
    assertThat(ren.path("details").path("kv").path("status").asText()).isEqualTo("UP");
    // without credentials the status only, no details
    JsonNode anonymous = JSON.readTree(send("GET", "/actuator/health", null, null).body());
    assertThat(anonymous.path("status").asText()).isEqualTo("UP");
    assertThat(anonymous.has("components")).isFalse();
  }

  private double metric(String name, String tag) throws Exception {
    HttpResponse<String> r = send("GET", "/actuator/metrics/" + name + (tag == null ? "" : "?tag=" + tag), ALICE,
        null);
    assertThat(r.statusCode()).as(name).isEqualTo(200);
    return JSON.readTree(r.body()).path("measurements").get(0).path("value").asDouble();
  }

  private java.util.List<String> metricAvailableTags(String name) throws Exception {
    JsonNode body = JSON.readTree(send("GET", "/actuator/metrics/" + name, ALICE, null).body());
    java.util.List<String> values = new java.util.ArrayList<>();
    for (JsonNode t : body.path("availableTags")) {
      t.path("values").forEach(v -> values.add(v.asText()));
    }
    return values;
  }

  @Test
  void page_servedToLoggedInUser() throws Exception {
    HttpResponse<String> page = send("GET", "/", ALICE, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("/app.js");
    assertThat(send("GET", "/app.js", ALICE, null).body()).contains("/api/maravilla/ren/client.js");
    assertThat(send("GET", "/api/maravilla/ren/client.js", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void runsUnderBootsDependencyManagement_jackson221AndCaffeine32() {
    assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString()).startsWith("2.21.");
    assertThat(Caffeine.class.getProtectionDomain().getCodeSource().getLocation().toString())
        .contains("caffeine-3.2.");
  }

  private HttpResponse<String> send(String method, String path, String auth, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(WAIT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
