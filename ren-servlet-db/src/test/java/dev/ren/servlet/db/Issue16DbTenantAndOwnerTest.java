package dev.ren.servlet.db;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.access.AccessRules;
import dev.ren.servlet.db.SecureDbFixture.Who;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;

import static dev.ren.servlet.db.SecureDbFixture.untilMarker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16: tenant isolation of documents and their events over HTTP, and owner-only documents. */
class Issue16DbTenantAndOwnerTest {

  static final String ACME = "acme";
  static final String GLOBEX = "globex";

  /** Everyone authenticated reads and writes, tenants apart. */
  static final AccessRules SHARED = AccessRules.builder()
      .readWrite("db", "*", AccessRules.AUTHENTICATED)
      .read("test", "*", AccessRules.AUTHENTICATED)
      .admin("admin")
      .build();

  /** Everyone authenticated reads and writes, but a note is its owner's alone. */
  static final AccessRules OWNED = AccessRules.builder()
      .readWrite("db", "*", AccessRules.AUTHENTICATED)
      .owned("db", "notes")
      .read("test", "*", AccessRules.AUTHENTICATED)
      .admin("admin")
      .build();

  static final Who ALICE = new Who("alice", "alice", Set.of(), ACME);
  static final Who BOB = new Who("bob", "bob", Set.of(), ACME);
  static final Who ADMIN = new Who("admin", "ada", Set.of("admin"), ACME);
  static final Who OLGA = new Who("olga", "olga", Set.of(), GLOBEX);

  SecureDbFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  private static List<String> summary(List<SseTestClient.Event> events) {
    return events.stream().map(e -> e.type() + " " + e.json().path("ns").asText() + "/" + e.json().path("k")
        .asText()).toList();
  }

  private String insert(Who who, String collection, String json) throws Exception {
    HttpResponse<String> r = f.send(who, "PUT", "/api/db/" + collection, json);
    assertEquals(200, r.statusCode(), r.body());
    return SecureDbFixture.json(r).path("id").asText();
  }

  @Test
  void tenantStream_otherTenantsWrites_neverReceivedLiveOrReplayed() throws Exception {
    f = new SecureDbFixture(SHARED);
    String start = f.marker(null, "start");
    SseTestClient acme = f.stream(ALICE, "db,test", null);
    SseTestClient globex = f.stream(OLGA, "db,test", null);

    insert(ALICE, "todos", "{\"_id\":\"same\",\"title\":\"acme\"}");
    insert(OLGA, "todos", "{\"_id\":\"same\",\"title\":\"globex\"}");
    assertEquals(200, f.send(ALICE, "POST", "/api/db/todos/update",
        "{\"filter\":{\"_id\":\"same\"},\"update\":{\"$set\":{\"done\":true}}}").statusCode());
    assertEquals(200, f.send(ALICE, "DELETE", "/api/db/todos/delete", "{\"_id\":\"same\"}").statusCode());
    f.marker(ACME, "end");
    f.marker(GLOBEX, "end");

    assertEquals(List.of("db.document.created todos/same", "db.document.updated todos/same",
        "db.document.deleted todos/same"), summary(untilMarker(acme, "end")));
    assertEquals(List.of("db.document.created todos/same"), summary(untilMarker(globex, "end")));

    SseTestClient globexReplay = f.stream(OLGA, "db,test", start);
    assertEquals(List.of("db.document.created todos/same"), summary(untilMarker(globexReplay, "end")));

    // one collection name and id in two tenants: two documents; acme deleted its own only
    JsonNode left = SecureDbFixture.json(f.send(OLGA, "POST", "/api/db/todos/findOne", "{\"_id\":\"same\"}"));
    assertEquals("globex", left.path("title").asText());
    assertEquals(404, f.send(ALICE, "POST", "/api/db/todos/findOne", "{\"_id\":\"same\"}").statusCode());
    assertEquals(List.of("todos"), f.store.tenant(GLOBEX).collectionNames());
    assertEquals(List.of(), f.store.tenant(ACME).collectionNames());
    assertEquals(List.of(), f.store.collectionNames());
  }

  @Test
  void ownedCollection_otherUser_cannotFindUpdateOrDeleteTheOwnersDocuments() throws Exception {
    f = new SecureDbFixture(OWNED);
    String id = insert(ALICE, "notes", "{\"text\":\"alice's secret\"}");
    assertEquals("alice", f.store.tenant(ACME).collection("notes").get(id).orElseThrow().json()
        .path("_owner").asText(), "the owner is recorded from the authenticated caller");

    assertEquals("[]", f.send(BOB, "POST", "/api/db/notes", "{}").body());
    assertEquals(404, f.send(BOB, "POST", "/api/db/notes/findOne", "{\"_id\":\"" + id + "\"}").statusCode());
    HttpResponse<String> upd = f.send(BOB, "POST", "/api/db/notes/update",
        "{\"filter\":{\"_id\":\"" + id + "\"},\"update\":{\"$set\":{\"text\":\"bob was here\"}},\"many\":true}");
    assertEquals(0, SecureDbFixture.json(upd).path("matched").asInt(), upd.body());
    HttpResponse<String> del = f.send(BOB, "DELETE", "/api/db/notes/delete?many=true", "{}");
    assertEquals(0, SecureDbFixture.json(del).path("deleted").asInt(), del.body());
    assertEquals("alice's secret", f.store.tenant(ACME).collection("notes").get(id).orElseThrow().json()
        .path("text").asText());

    assertTrue(f.send(ALICE, "POST", "/api/db/notes", "{}").body().contains(id));
    assertEquals(200, f.send(ALICE, "POST", "/api/db/notes/findOne", "{\"_id\":\"" + id + "\"}").statusCode());
  }

  @Test
  void ownedCollection_admin_reachesEveryOwnersDocuments() throws Exception {
    f = new SecureDbFixture(OWNED);
    String id = insert(ALICE, "notes", "{\"text\":\"a\"}");
    insert(BOB, "notes", "{\"text\":\"b\"}");
    assertEquals(2, SecureDbFixture.json(f.send(ADMIN, "POST", "/api/db/notes", "{}")).size());
    HttpResponse<String> upd = f.send(ADMIN, "POST", "/api/db/notes/update",
        "{\"filter\":{\"_id\":\"" + id + "\"},\"update\":{\"$set\":{\"text\":\"moderated\"}}}");
    assertEquals(1, SecureDbFixture.json(upd).path("modified").asInt(), upd.body());
    assertEquals("alice", f.store.tenant(ACME).collection("notes").get(id).orElseThrow().json()
        .path("_owner").asText(), "an update keeps the owner");
    HttpResponse<String> del = f.send(ADMIN, "DELETE", "/api/db/notes/delete", "{\"_id\":\"" + id + "\"}");
    assertEquals(1, SecureDbFixture.json(del).path("deleted").asInt(), del.body());
  }

  @Test
  void ownedCollection_otherUsersStream_receivesNoEventOfTheOwnersDocuments() throws Exception {
    f = new SecureDbFixture(OWNED);
    SseTestClient alice = f.stream(ALICE, "db,test", null);
    SseTestClient bob = f.stream(BOB, "db,test", null);
    String id = insert(ALICE, "notes", "{\"text\":\"a\"}");
    assertEquals(200, f.send(ALICE, "POST", "/api/db/notes/update",
        "{\"filter\":{\"_id\":\"" + id + "\"},\"update\":{\"text\":\"replaced\"}}").statusCode());
    assertEquals(200, f.send(ALICE, "DELETE", "/api/db/notes/delete", "{\"_id\":\"" + id + "\"}").statusCode());
    String bobs = insert(BOB, "notes", "{\"text\":\"b\"}");
    f.marker(ACME, "end");

    assertEquals(List.of("db.document.created notes/" + id, "db.document.updated notes/" + id,
        "db.document.deleted notes/" + id), summary(untilMarker(alice, "end")));
    assertEquals(List.of("db.document.created notes/" + bobs), summary(untilMarker(bob, "end")));
  }

  @Test
  void insertOrUpdate_clientGivenOwner_isRefusedWith400() throws Exception {
    f = new SecureDbFixture(OWNED);
    HttpResponse<String> r = f.send(BOB, "PUT", "/api/db/notes", "{\"_owner\":\"alice\",\"text\":\"forged\"}");
    assertEquals(400, r.statusCode(), r.body());
    r = f.send(BOB, "PUT", "/api/db/todos", "{\"_owner\":\"alice\"}");
    assertEquals(400, r.statusCode(), "reserved in every collection: " + r.body());
    String id = insert(BOB, "notes", "{\"text\":\"b\"}");
    for (String update : List.of("{\"$set\":{\"_owner\":\"alice\"}}", "{\"$unset\":{\"_owner\":true}}",
        "{\"_owner\":\"alice\",\"text\":\"x\"}", "{\"$set\":{\"_owner.x\":1}}")) {
      r = f.send(BOB, "POST", "/api/db/notes/update",
          "{\"filter\":{\"_id\":\"" + id + "\"},\"update\":" + update + "}");
      assertEquals(400, r.statusCode(), update + ": " + r.body());
    }
    assertEquals("bob", f.store.tenant(ACME).collection("notes").get(id).orElseThrow().json()
        .path("_owner").asText());
    assertEquals(List.of("notes"), f.store.tenant(ACME).collectionNames(), "nothing stored by a refused insert");
    assertFalse(f.recorder.events().stream().anyMatch(e -> "alice".equals(e.uid())));
  }

  @Test
  void ownedCollection_unownedDocuments_stayReadableByTheGrant() throws Exception {
    f = new SecureDbFixture(OWNED);
    f.store.tenant(ACME).collection("notes").insertOne(
        (com.fasterxml.jackson.databind.node.ObjectNode) TestJson.parse("{\"_id\":\"pub\",\"text\":\"all\"}"));
    assertTrue(f.send(BOB, "POST", "/api/db/notes", "{\"filter\":{\"text\":\"all\"}}").body().contains("pub"));
  }
}
