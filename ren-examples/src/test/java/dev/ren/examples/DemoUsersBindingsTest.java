package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static dev.ren.examples.DemoUsersServer.basic;
import static dev.ren.examples.DemoUsersServer.json;
import static dev.ren.examples.DemoUsersServer.send;
import static dev.ren.examples.DemoUsersServer.status;
import static dev.ren.examples.DemoUsersServer.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's other panels with {@code --users}: files (storage), documents and chat with presence (realtime), each
 * refused to the anonymous (401) and to a reader (403) with nothing changed, allowed to a writer, and kept inside
 * the writer's tenant, on reads and on streams.
 */
class DemoUsersBindingsTest {

  @TempDir
  static Path dir;

  private static DemoUsersServer s;

  @BeforeAll
  static void start() throws Exception {
    s = DemoUsersServer.start(dir, 300);
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
  }

  // ------------------------------------------------------------------------------------------ files

  @Test
  void storagePut_byRole_401_403_200AndOnlyTheWritersTenantSeesIt() throws Exception {
    String key = "uploads/" + UUID.randomUUID() + ".txt";
    try (SseTestClient alice = s.stream("alice", "storage");
         SseTestClient bob = s.stream("bob", "storage")) {
      assertEquals(401, send(putBlob(key, "anon")).statusCode());
      assertEquals(403, status(putBlob(key, "carol"), "carol"));
      assertEquals(404, status(s.get("/api/storage/" + key), "alice"), "the refused writes stored nothing");
      assertEquals(200, status(putBlob(key, "alice"), "alice"));
      assertEquals(key, alice.next("storage.put", DemoUsersServer.WAIT).json().get("k").asText());

      HttpResponse<String> read = send(s.get("/api/storage/" + key).header("Authorization", basic("carol")));
      assertEquals(200, read.statusCode(), "a reader of tenant a reads it");
      assertEquals("alice", read.body());
      assertEquals(404, status(s.get("/api/storage/" + key), "bob"), "tenant b has no such object");
      HttpResponse<String> list = send(s.get("/api/storage?prefix=uploads/").header("Authorization", basic("bob")));
      assertEquals(200, list.statusCode(), list.body());
      assertFalse(list.body().contains(key), "tenant b's listing shows tenant a's object: " + list.body());

      String bobMarker = "uploads/" + UUID.randomUUID() + ".txt";
      assertEquals(200, status(putBlob(bobMarker, "bob"), "bob"));
      List<String> bobSaw = until(bob, e -> bobMarker.equals(e.path("k").asText())).stream()
          .map(e -> e.path("k").asText()).toList();
      assertFalse(bobSaw.contains(key), "tenant b's stream received tenant a's upload: " + bobSaw);
    }
  }

  // ------------------------------------------------------------------------------------------ documents

  @Test
  void dbInsert_byRole_401_403_200AndOnlyTheWritersTenantFindsIt() throws Exception {
    String title = "note-" + UUID.randomUUID();
    String doc = "{\"title\":\"" + title + "\"}";
    try (SseTestClient bob = s.stream("bob", "db")) {
      assertEquals(401, send(s.json("PUT", "/api/db/notes", doc)).statusCode());
      assertEquals(403, status(s.json("PUT", "/api/db/notes", doc), "carol"));
      assertFalse(find("alice", title).contains(title), "the refused inserts stored nothing");
      JsonNode created = json(send(s.json("PUT", "/api/db/notes", doc).header("Authorization", basic("alice"))), 200);
      String id = created.get("id").asText();

      assertTrue(find("carol", title).contains(title), "a reader of tenant a finds it");
      assertFalse(find("bob", title).contains(title), "tenant b finds tenant a's document");
      assertEquals(404, status(s.json("POST", "/api/db/notes/findOne", "{\"_id\":\"" + id + "\"}"), "bob"));

      String bobMarker = json(send(s.json("PUT", "/api/db/notes", "{\"title\":\"bob\"}")
          .header("Authorization", basic("bob"))), 200).get("id").asText();
      List<String> bobSaw = until(bob, e -> bobMarker.equals(e.path("k").asText())).stream()
          .map(e -> e.path("k").asText()).toList();
      assertFalse(bobSaw.contains(id), "tenant b's stream received tenant a's document: " + bobSaw);
    }
  }

  // ------------------------------------------------------------------------------------------ chat and presence

  @Test
  void publish_byRole_401_403_200AndOnlyTheWritersTenantHearsIt() throws Exception {
    String channel = "chat-" + UUID.randomUUID().toString().substring(0, 8);
    try (SseTestClient carol = s.stream("carol", "realtime:" + channel);
         SseTestClient bob = s.stream("bob", "realtime:" + channel)) {
      assertEquals(401, send(publish(channel, "anon")).statusCode());
      assertEquals(403, status(publish(channel, "carol"), "carol"));
      assertEquals(200, status(publish(channel, "alice"), "alice"));
      JsonNode heard = carol.next("realtime.message", DemoUsersServer.WAIT).json();
      assertEquals("alice", heard.path("data").path("text").asText(), "a reader hears the first message that "
          + "was allowed, not the refused ones: " + heard);

      assertEquals(200, status(publish(channel, "bob"), "bob"));
      List<JsonNode> bobHeard = until(bob, e -> "bob".equals(e.path("data").path("text").asText()));
      assertEquals(1, bobHeard.size(), "tenant b's stream heard tenant a's message: " + bobHeard);
    }
  }

  @Test
  void presenceJoin_readerOrAnotherUsersId_refusedAndTenantsApart() throws Exception {
    String channel = "room-" + UUID.randomUUID().toString().substring(0, 8);
    String carolClient = "carol-" + UUID.randomUUID().toString().substring(0, 8);
    String aliceClient = "alice-" + UUID.randomUUID().toString().substring(0, 8);
    try (SseTestClient carolStream = stream("carol", carolClient);
         SseTestClient aliceStream = stream("alice", aliceClient)) {
      assertEquals(403, status(join(channel, "carol", carolClient), "carol"), "a reader cannot join");
      int asBob = status(join(channel, "bob", aliceClient), "alice");
      assertTrue(asBob == 400 || asBob == 403, "alice joined as bob: " + asBob);
      assertEquals(200, status(join(channel, "alice", aliceClient), "alice"));
      assertTrue(members("carol", channel).contains("alice"), "tenant a lists alice");
      assertFalse(members("bob", channel).contains("alice"), "tenant b lists tenant a's member");
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static HttpRequest.Builder putBlob(String key, String body) {
    return HttpRequest.newBuilder(s.demo.uri().resolve("/api/storage/" + key)).header("Content-Type", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).timeout(DemoUsersServer.WAIT);
  }

  private static HttpRequest.Builder publish(String channel, String text) {
    return s.json("POST", "/api/realtime/publish",
        "{\"channel\":\"" + channel + "\",\"data\":{\"text\":\"" + text + "\"}}");
  }

  private static HttpRequest.Builder join(String channel, String userId, String clientId) {
    return s.json("POST", "/api/realtime/presence/" + channel + "/join",
        "{\"userId\":\"" + userId + "\",\"metadata\":{}}").header("X-Ren-Client", clientId);
  }

  /** A stream with the client id presence ties a member to. */
  private static SseTestClient stream(String user, String clientId) throws Exception {
    SseTestClient c = SseTestClient.open(s.demo.uri().resolve("/api/maravilla/ren?s=presence&cid=" + clientId
        + "&token=" + DemoUsersServer.enc(s.token(user))));
    assertEquals(200, c.status());
    c.next("ren.meta", DemoUsersServer.WAIT);
    return c;
  }

  private static String members(String user, String channel) throws Exception {
    HttpResponse<String> r = send(s.get("/api/realtime/presence/" + channel).header("Authorization", basic(user)));
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private static String find(String user, String title) throws Exception {
    HttpResponse<String> r = send(s.json("POST", "/api/db/notes", "{\"filter\":{\"title\":\"" + title + "\"}}")
        .header("Authorization", basic(user)));
    assertEquals(200, r.statusCode(), r.body());
    return TestJson.parse(r.body()).toString();
  }
}
