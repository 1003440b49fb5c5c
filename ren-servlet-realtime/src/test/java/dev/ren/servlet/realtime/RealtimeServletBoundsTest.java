package dev.ren.servlet.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 (findings 3 and 4) over HTTP: a change beyond one of realtime's bounds is a {@code 507} JSON error that
 * names the bound, with nothing applied; an idle channel frees its place; a 64 KiB payload is measured as stored.
 */
class RealtimeServletBoundsTest {

  final HttpClient http = HttpClient.newHttpClient();
  RenHub hub;
  ManualScheduler scheduler;
  Realtime realtime;
  JettyTestServer server;

  @BeforeEach
  void start() {
    hub = RenHub.create();
    ManualClock clock = new ManualClock(1_700_000_000_000L);
    scheduler = new ManualScheduler(clock);
    realtime = Realtime.builder(hub).clock(clock).scheduler(scheduler).history("room-*", 10).maxChannels(3)
        .maxMembers(4).maxMembersPerChannel(2).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open()).filter("/*", new RenClientFilter())
        .servlet(RealtimeServlet.PATH, new RealtimeServlet(realtime)).start();
  }

  @AfterEach
  void stop() {
    server.close();
    realtime.close();
    hub.close();
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri("/api/realtime/" + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri("/api/realtime/" + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode full(HttpResponse<String> r, String setting, long limit) {
    assertEquals(507, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.body());
    JsonNode err = TestJson.parse(r.body());
    assertEquals("insufficient_storage", err.path("error").asText(), r.body());
    assertEquals(setting, err.path("setting").asText(), r.body());
    assertEquals(limit, err.path("limit").asLong(), r.body());
    assertTrue(err.path("message").asText().contains(setting), r.body());
    return err;
  }

  @Test
  void join_membersBeyondTheLimits_507NamingTheBoundAndNobodyJoined() throws Exception {
    assertEquals(200, post("presence/a/join", "{\"userId\":\"u1\"}").statusCode());
    assertEquals(200, post("presence/a/join", "{\"userId\":\"u2\"}").statusCode());
    full(post("presence/a/join", "{\"userId\":\"u3\"}"), "maxMembersPerChannel", 2);
    assertEquals(200, post("presence/b/join", "{\"userId\":\"u3\"}").statusCode());
    assertEquals(200, post("presence/b/join", "{\"userId\":\"u4\"}").statusCode());
    full(post("presence/c/join", "{\"userId\":\"u5\"}"), "maxMembers", 4);
    assertEquals(2, TestJson.parse(get("presence/a").body()).get("members").size());
    assertEquals(0, TestJson.parse(get("presence/c").body()).get("members").size());
    assertEquals(TestJson.parse("[\"a\",\"b\"]"), TestJson.parse(get("channels").body()).get("channels"));
  }

  @Test
  void publish_newChannelBeyondMaxChannels_507UntilAnIdleChannelIsDropped() throws Exception {
    for (String ch : new String[] {"room-1", "room-2", "chat"}) {
      assertEquals(200, post("publish", "{\"channel\":\"" + ch + "\",\"data\":1}").statusCode());
    }
    full(post("publish", "{\"channel\":\"room-3\",\"data\":1}"), "maxChannels", 3);
    full(post("presence/lobby/join", "{\"userId\":\"u\"}"), "maxChannels", 3);
    assertEquals(200, post("publish", "{\"channel\":\"chat\",\"data\":2}").statusCode(), "a live channel works");
    scheduler.advance(Duration.ofMinutes(5)); // chat, without history, is idle: the expiry timer drops it
    assertEquals(200, post("publish", "{\"channel\":\"room-3\",\"data\":1}").statusCode());
  }

  @Test
  void publish_64KiBOfEmptyObjects_acceptedAtTheLimitAndOneObjectMoreIs413() throws Exception {
    String atLimit = "[{}" + ",{}".repeat(21_844) + "]"; // 65,536 bytes, as sent and as stored
    assertEquals(64 << 10, atLimit.length());
    HttpResponse<String> ok = post("publish", "{\"channel\":\"room-1\",\"data\":" + atLimit + "}");
    assertEquals(200, ok.statusCode(), ok.body());
    String over = "[{}" + ",{}".repeat(21_845) + "]";
    HttpResponse<String> tooLarge = post("publish", "{\"channel\":\"room-1\",\"data\":" + over + "}");
    assertEquals(413, tooLarge.statusCode(), tooLarge.body());
    assertEquals("payload_too_large", TestJson.parse(tooLarge.body()).path("error").asText());
    JsonNode history = TestJson.parse(get("history/room-1").body());
    assertEquals(1, history.get("messages").size());
  }
}
