package dev.ren.realtime.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeUnavailableException;
import dev.ren.servlet.realtime.RealtimeServlet;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis goes away for real (SIGKILL of a redis-server of the test's own) and comes back on the same port: the
 * realtime binding answers {@code 503 realtime_unavailable} with {@code Retry-After}, nothing is published, and once
 * Redis answers again the same backend works without help.
 */
@Tag("redis")
class RedisRealtimeFaultTest {

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private PrivateRedis redis;
  private Realtime realtime;
  private RenHub clients;
  private JettyTestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (realtime != null) {
      realtime.close();
    }
    if (clients != null) {
      clients.close();
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
    assertEquals("realtime_unavailable", b.path("error").asText(), r.body());
  }

  @Test
  void redisKilledThenRestarted_503RealtimeUnavailableThenWorksAgain() throws Exception {
    redis = PrivateRedis.start(dir, false);
    RecordingPublisher rec = new RecordingPublisher();
    clients = RenHub.create();
    realtime = Realtime.builder(rec, clients).history("room-*", 100)
        .backend(RedisRealtimeBackend.builder(redis.uri()).commandTimeout(Duration.ofMillis(500)).build()).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .servlet(RealtimeServlet.PATH, new RealtimeServlet(realtime)).start();
    HttpResponse<String> ok = send("POST", "/api/realtime/publish", "{\"channel\":\"room-1\",\"data\":1}");
    assertEquals(200, ok.statusCode(), ok.body());
    int published = rec.events().size();

    redis.stop();

    assertUnavailable(send("POST", "/api/realtime/publish", "{\"channel\":\"room-1\",\"data\":2}"));
    assertUnavailable(send("POST", "/api/realtime/presence/room-1/join", "{\"userId\":\"alice\"}"));
    assertUnavailable(send("GET", "/api/realtime/history/room-1", null));
    assertUnavailable(send("GET", "/api/realtime/presence/room-1", null));
    assertUnavailable(send("GET", "/api/realtime/channels", null));
    assertEquals(published, rec.events().size(), "nothing was applied, so nothing is published");

    redis.restart(); // same port, empty (no persistence)

    Waits.atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(RealtimeUnavailableException.class)
        .until(() -> realtime.publish("room-1", TestJson.parse("3"), null).seq() == 1);
    HttpResponse<String> join = send("POST", "/api/realtime/presence/room-1/join", "{\"userId\":\"alice\"}");
    assertEquals(200, join.statusCode(), join.body());
    HttpResponse<String> members = send("GET", "/api/realtime/presence/room-1", null);
    assertEquals("alice", TestJson.parse(members.body()).path("members").path(0).path("userId").asText(),
        members.body());
  }
}
