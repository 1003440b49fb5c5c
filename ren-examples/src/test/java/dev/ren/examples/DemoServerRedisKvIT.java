package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two demo servers ({@code java ... DemoServer --redis URI}, each a JVM of its own) on one redis-server of the
 * test's own: a KV write on either node is read, listed and deleted on the other.
 */
@Tag("redis")
class DemoServerRedisKvIT {

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  private HttpResponse<String> send(URI base, String method, String path, String body) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void twoDemoServersOnOneRedis_kvWritesOfEitherSeenByTheOther() throws Exception {
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
    try (PrivateRedis redis = PrivateRedis.start(dir.resolve("redis"), false);
         DemoChild a = DemoChild.start(dir.resolve("a"), "-Xmx192m", "--redis", redis.uri().toString());
         DemoChild b = DemoChild.start(dir.resolve("b"), "-Xmx192m", "--redis", redis.uri().toString())) {
      HttpResponse<String> put = send(a.uri(), "PUT", "/api/kv/shared/greeting", "{\"from\":\"a\"}");
      assertEquals(200, put.statusCode(), put.body());
      long va = TestJson.parse(put.body()).path("version").asLong();

      HttpResponse<String> get = send(b.uri(), "GET", "/api/kv/shared/greeting", null);
      assertEquals(200, get.statusCode(), get.body());
      assertEquals("{\"from\":\"a\"}", get.body());

      HttpResponse<String> putB = send(b.uri(), "PUT", "/api/kv/shared/greeting", "{\"from\":\"b\"}");
      assertTrue(TestJson.parse(putB.body()).path("version").asLong() > va, putB.body());
      send(b.uri(), "PUT", "/api/kv/shared/other", "2");
      assertEquals("{\"from\":\"b\"}", send(a.uri(), "GET", "/api/kv/shared/greeting", null).body());
      JsonNode listed = TestJson.parse(send(a.uri(), "POST", "/api/kv/shared", "{}").body());
      List<String> names = new ArrayList<>();
      listed.path("result").forEach(n -> names.add(n.path("name").asText()));
      assertEquals(List.of("greeting", "other"), names);

      assertEquals(200, send(a.uri(), "DELETE", "/api/kv/shared/other", null).statusCode());
      assertEquals(404, send(b.uri(), "GET", "/api/kv/shared/other", null).statusCode());
      assertTrue(a.problems().isEmpty() && b.problems().isEmpty(), a.problems() + " " + b.problems());
    }
  }
}
