package dev.ren.kv.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvStore;
import dev.ren.kv.KvUnavailableException;
import dev.ren.servlet.kv.KvServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis goes away for real (SIGKILL of a redis-server of the test's own) and comes back on the same port: the
 * store throws {@link KvUnavailableException}, the HTTP binding answers {@code 503 kv_unavailable} with
 * {@code Retry-After}, nothing is published, and once Redis answers again the same backend works without help.
 */
@Tag("redis")
class RedisKvFaultTest {

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private PrivateRedis redis;
  private KvStore store;
  private JettyTestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (store != null) {
      store.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static void assertUnavailable(HttpResponse<String> r) {
    assertEquals(503, r.statusCode(), r.body());
    assertEquals("1", r.headers().firstValue("Retry-After").orElse(null), r.headers().toString());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    JsonNode b = TestJson.parse(r.body());
    assertEquals("kv_unavailable", b.path("error").asText(), r.body());
  }

  @Test
  void redisKilledThenRestarted_unavailableAnd503ThenWorksAgain() throws Exception {
    redis = PrivateRedis.start(dir, false);
    RecordingPublisher rec = new RecordingPublisher();
    store = KvStore.builder(rec).backend(RedisKvBackend.builder(redis.uri()).prefix("fault:")
        .commandTimeout(Duration.ofMillis(500)).sweepInterval(Duration.ofMillis(100)).build()).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .servlet("/api/kv/*", new KvServlet(store, 1 << 20)).start();
    KvNamespace ns = store.namespace("f");
    assertEquals(200, send("PUT", "/api/kv/f/a", "1").statusCode());
    int published = rec.events().size();

    redis.stop();

    assertThrows(KvUnavailableException.class, () -> ns.put("b", "1"));
    assertThrows(KvUnavailableException.class, () -> ns.get("a"));
    assertThrows(KvUnavailableException.class, () -> ns.list("", 10, null));
    assertUnavailable(send("PUT", "/api/kv/f/b", "2"));
    assertUnavailable(send("GET", "/api/kv/f/a", null));
    assertUnavailable(send("DELETE", "/api/kv/f/a", null));
    assertUnavailable(send("POST", "/api/kv/f", "{}"));
    assertEquals(published, rec.events().size(), "nothing was applied, so nothing is published");

    redis.restart(); // same port, empty (no persistence)

    Waits.atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KvUnavailableException.class)
        .until(() -> ns.put("b", "1") > 0);
    HttpResponse<String> put = send("PUT", "/api/kv/f/c", "{\"back\":true}");
    assertEquals(200, put.statusCode(), put.body());
    HttpResponse<String> get = send("GET", "/api/kv/f/c", null);
    assertEquals(200, get.statusCode(), get.body());
    assertEquals("{\"back\":true}", get.body());
  }

  @Test
  void redisNotUpAtBuild_unavailableUntilItStarts() throws Exception {
    redis = PrivateRedis.start(dir, false);
    redis.stop(); // a port where nothing listens yet
    store = KvStore.builder(new RecordingPublisher()).backend(RedisKvBackend.builder(redis.uri())
        .prefix("late:").commandTimeout(Duration.ofMillis(500)).build()).build();
    KvNamespace ns = store.namespace("f");

    assertThrows(KvUnavailableException.class, () -> ns.put("a", "1"));

    redis.restart();
    assertTrue(ns.put("a", "1") > 0);
    assertEquals("1", ns.getString("a").orElseThrow());
  }
}
