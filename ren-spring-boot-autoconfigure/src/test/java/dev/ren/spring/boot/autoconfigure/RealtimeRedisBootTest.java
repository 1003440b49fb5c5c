package dev.ren.spring.boot.autoconfigure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.realtime.RealtimeBackend;
import dev.ren.realtime.redis.RedisRealtimeBackend;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Spring Boot nodes on the real Redis at 127.0.0.1:6379 ({@code -Predis}), each with {@code ren.redis.uri}:
 * realtime is shared (presence, channel sequences and history), and a message published over HTTP on one node
 * reaches a WebSocket subscriber on the other. Each run uses keys of its own prefix and deletes them afterwards.
 */
@Tag("redis")
class RealtimeRedisBootTest {

  private static final String REDIS = "redis://127.0.0.1:6379";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @TempDir
  Path dir;

  private final String prefix = "ren-boot-test-" + UUID.randomUUID().toString().substring(0, 8);
  private final HttpClient http = HttpClient.newHttpClient();
  private ConfigurableApplicationContext a;
  private ConfigurableApplicationContext b;

  @BeforeEach
  void startTwoNodes() {
    a = node("a");
    b = node("b");
  }

  private ConfigurableApplicationContext node(String name) {
    return new SpringApplicationBuilder(App.class).properties(
        "server.port=0", "ren.bindings=realtime", "ren.access=open", "ren.redis.uri=" + REDIS,
        "ren.redis.stream-prefix=" + prefix, "ren.data-dir=" + dir.resolve(name),
        "spring.datasource.generate-unique-name=true").run();
  }

  @AfterEach
  void stopAndDeleteKeys() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
    RedisClient client = RedisClient.create(REDIS);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(prefix + ":*").limit(500));
        if (!page.getKeys().isEmpty()) {
          c.sync().del(page.getKeys().toArray(new String[0]));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void twoNodesOnOneRedis_presenceSequencesAndMessagesShared() throws Exception {
    assertThat(a.getBean(RealtimeBackend.class)).isInstanceOf(RedisRealtimeBackend.class);

    HttpResponse<String> join = post(a, "/api/realtime/presence/room-r/join",
        "{\"userId\":\"alice\",\"metadata\":{\"n\":1}}");
    assertThat(join.statusCode()).as(join.body()).isEqualTo(200);
    JsonNode members = JSON.readTree(get(b, "/api/realtime/presence/room-r").body()).path("members");
    assertThat(members).hasSize(1);
    assertThat(members.get(0).path("userId").asText()).isEqualTo("alice");

    try (TestWebSocket ws = new TestWebSocket(http, uri(b, "ws", "/_rt/ws?cid=wb"), WAIT)) {
      ws.subscribe("room-r");
      JsonNode first = JSON.readTree(post(a, "/api/realtime/publish", "{\"channel\":\"room-r\",\"data\":\"one\"}")
          .body());
      JsonNode second = JSON.readTree(post(b, "/api/realtime/publish", "{\"channel\":\"room-r\",\"data\":\"two\"}")
          .body());
      assertThat(first.path("seq").asLong()).isEqualTo(1);
      assertThat(second.path("seq").asLong()).isEqualTo(2); // one sequence per channel across the nodes

      JsonNode m1 = ws.next("message");
      JsonNode m2 = ws.next("message");
      assertThat(m1.path("data").asText()).isEqualTo("one"); // published on node a, received on node b
      assertThat(m2.path("data").asText()).isEqualTo("two");
    }
    JsonNode history = JSON.readTree(get(a, "/api/realtime/history/room-r?after=0").body()).path("messages");
    assertThat(history).hasSize(2);
    assertThat(history.get(1).path("data").asText()).isEqualTo("two");
  }

  private URI uri(ConfigurableApplicationContext node, String scheme, String pathAndQuery) {
    return URI.create(scheme + "://127.0.0.1:" + node.getEnvironment().getProperty("local.server.port")
        + pathAndQuery);
  }

  private HttpResponse<String> post(ConfigurableApplicationContext node, String path, String json)
      throws Exception {
    return http.send(HttpRequest.newBuilder(uri(node, "http", path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(ConfigurableApplicationContext node, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(node, "http", path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r;
  }
}
