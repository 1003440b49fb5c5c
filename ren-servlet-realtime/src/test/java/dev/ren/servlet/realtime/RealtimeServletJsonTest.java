package dev.ren.servlet.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.http.JsonServlet;
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
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hardening leftover (issue 15) over HTTP: a POST body is read by a streaming parser and its payload or metadata
 * measured as stored before any tree is built, so a megabyte of {@code [{},{},...]} is a {@code 413} naming its
 * exact size; the envelope is held to {@link JsonServlet}'s JSON rules; history and members are written from the
 * stored bytes.
 */
class RealtimeServletJsonTest {

  final HttpClient http = HttpClient.newHttpClient();
  RenHub hub;
  Realtime realtime;
  JettyTestServer server;

  @BeforeEach
  void start() {
    hub = RenHub.create();
    ManualClock clock = new ManualClock(1_700_000_000_000L);
    realtime = Realtime.builder(hub).clock(clock).scheduler(new ManualScheduler(clock)).history("room-*", 10)
        .build();
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
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri("/api/realtime/" + path)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  static JsonNode error(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.body());
    JsonNode err = TestJson.parse(r.body());
    assertEquals(code, err.path("error").asText(), r.body());
    assertFalse(err.path("message").asText().isEmpty(), r.body());
    return err;
  }

  /** {@code [{},{},...]} of about {@code bytes} bytes. */
  static String emptyObjects(int bytes) {
    StringBuilder sb = new StringBuilder(bytes + 3).append("[{}");
    while (sb.length() + 4 <= bytes) {
      sb.append(",{}");
    }
    return sb.append(']').toString();
  }

  @Test
  void publish_megabyteOfEmptyObjects_413WithItsSizeAsStoredNothingRecorded() throws Exception {
    String data = emptyObjects((1 << 20) - 100); // the body stays within the binding's 1 MiB

    JsonNode err = error(post("publish", "{\"channel\":\"room-1\",\"data\":" + data + "}"), 413, "payload_too_large");

    assertTrue(err.path("message").asText().contains(data.length() + " bytes"), err.toString());
    assertEquals(0, TestJson.parse(get("history/room-1").body()).path("lastSeq").asLong());
    assertEquals(TestJson.parse("[]"), TestJson.parse(get("channels").body()).get("channels"));
  }

  @Test
  void join_megabyteOfEmptyObjectsAsMetadata_413NobodyJoined() throws Exception {
    String metadata = emptyObjects((1 << 20) - 100);

    error(post("presence/room-1/join", "{\"userId\":\"u\",\"metadata\":" + metadata + "}"), 413, "payload_too_large");

    assertEquals(0, TestJson.parse(get("presence/room-1").body()).get("members").size());
  }

  @Test
  void publish_bulkyFieldTheRouteDoesNotUse_skippedAndThePublishServed() throws Exception {
    String junk = emptyObjects(512 << 10);

    HttpResponse<String> r = post("publish", "{\"junk\":" + junk + ",\"channel\":\"room-1\",\"data\":{\"n\":1}}");

    assertEquals(200, r.statusCode(), r.body());
    assertEquals(1, TestJson.parse(r.body()).path("seq").asLong());
  }

  @Test
  void history_payloadsWrittenAsStoredCompactJson() throws Exception {
    assertEquals(200, post("publish", "{\"channel\":\"room-1\",\"data\": { \"a\" : [ 1 , 1E2 , \"é\" ] },"
        + "\"userId\":\"alice\"}").statusCode());
    assertEquals(200, post("publish", "{\"channel\":\"room-1\"}").statusCode());

    HttpResponse<String> r = get("history/room-1");

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
    assertTrue(r.body().contains("\"data\":{\"a\":[1,100.0,\"é\"]},\"userId\":\"alice\""), r.body());
    JsonNode h = TestJson.parse(r.body());
    assertEquals(2, h.get("lastSeq").asLong());
    assertFalse(h.get("truncated").asBoolean());
    assertFalse(h.get("messages").get(1).has("data"), "a message without a payload has no data field");
    assertTrue(h.get("messages").get(0).hasNonNull("id"));
  }

  @Test
  void members_metadataWrittenAsStoredCompactJson() throws Exception {
    assertEquals(200, post("presence/room-1/join", "{\"userId\":\"alice\",\"metadata\": { \"s\" : 1.0 } }")
        .statusCode());
    assertEquals(200, post("presence/room-1/join", "{\"userId\":\"b\\u00f6b\"}").statusCode());

    HttpResponse<String> r = get("presence/room-1");

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("{\"userId\":\"alice\",\"metadata\":{\"s\":1.0},\"lastSeen\":"), r.body());
    JsonNode members = TestJson.parse(r.body()).get("members");
    assertEquals("böb", members.get(1).get("userId").asText());
    assertEquals(TestJson.parse("{}"), members.get(1).get("metadata"));
  }

  @Test
  void post_bodyNotOneJsonObject_400InvalidJsonAsJsonServletAnswers() throws Exception {
    int depth = JsonServlet.MAX_JSON_DEPTH;
    List<String> bad = List.of("{\"channel\":\"room-1\",\"data\":1} xyz", "{\"channel\":\"room-1\"} {}",
        "{\"channel\":\"room-1\",\"data\":" + "[".repeat(depth) + "]".repeat(depth) + "}", "[]", "",
        "{\"channel\":", "{\"channel\":\"room-1\",}", "\"room-1\"");

    for (String body : bad) {
      error(post("publish", body), 400, "invalid_json");
      error(post("presence/room-1/join", body.replace("channel", "userId")), 400, "invalid_json");
    }

    assertEquals(0, TestJson.parse(get("history/room-1").body()).path("lastSeq").asLong());
    assertEquals(0, TestJson.parse(get("presence/room-1").body()).get("members").size());
  }

  @Test
  void publish_dataNestedAsDeepAsAllowedInTheBody_accepted() throws Exception {
    int inData = JsonServlet.MAX_JSON_DEPTH - 1; // the envelope is one level

    HttpResponse<String> r = post("publish", "{\"channel\":\"room-1\",\"data\":" + "[".repeat(inData)
        + "]".repeat(inData) + "}");

    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void publish_numberNotFinite_400NothingRecorded() throws Exception {
    JsonNode err = error(post("publish", "{\"channel\":\"room-1\",\"data\":[1e400]}"), 400, "bad_request");

    assertTrue(err.path("message").asText().contains("not finite"), err.toString());
    assertEquals(0, TestJson.parse(get("history/room-1").body()).path("lastSeq").asLong());
  }

  @Test
  void publish_fieldGivenTwice_lastCountsAsInATree() throws Exception {
    HttpResponse<String> r = post("publish", "{\"channel\":\"bad channel\",\"data\":[{}],\"channel\":\"room-1\","
        + "\"data\":2,\"userId\":null}");

    assertEquals(200, r.statusCode(), r.body());
    JsonNode m = TestJson.parse(get("history/room-1").body()).get("messages").get(0);
    assertEquals(2, m.get("data").asInt());
    assertFalse(m.has("userId"), m.toString());
  }

  @Test
  void publishAndJoin_bodiesBrowsersSendCrossSite_415NothingPublishedNobodyJoined() throws Exception {
    for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}) {
      HttpResponse<String> publish = http.send(HttpRequest.newBuilder(server.uri("/api/realtime/publish"))
          .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(
              "{\"channel\":\"room-1\",\"data\":{\"a\":1}}")).build(), HttpResponse.BodyHandlers.ofString());
      error(publish, 415, "unsupported_media_type");
      HttpResponse<String> join = http.send(HttpRequest.newBuilder(server.uri("/api/realtime/presence/room-1/join"))
          .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"u\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      error(join, 415, "unsupported_media_type");
    }
    assertEquals(0, TestJson.parse(get("history/room-1").body()).path("lastSeq").asLong());
    assertEquals(0, TestJson.parse(get("presence/room-1").body()).get("members").size());
  }
}
