package dev.ren.servlet.db;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventLogUnavailableException;
import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The document store over HTTP: every route through {@link DbServlet} on embedded Jetty, events read back over a
 * real SSE socket from {@link RenServlet}.
 */
class DbServletTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final long MAX_BODY = 4096;

  final HttpClient http = HttpClient.newHttpClient();
  RenHub hub;
  DocumentStore store;
  JettyTestServer server;
  SseTestClient sse;

  @BeforeEach
  void start() throws Exception {
    hub = RenHub.create();
    store = DocumentStore.h2InMemory(hub);
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet(DbServlet.PATH, new DbServlet(store, MAX_BODY))
        .start();
    sse = SseTestClient.open(server.uri("/api/maravilla/ren?s=db"));
    assertEquals(200, sse.status());
    sse.next("ren.meta", WAIT);
  }

  @AfterEach
  void stop() {
    if (sse != null) {
      sse.close();
    }
    server.close();
    store.close();
    hub.close();
  }

  HttpResponse<String> send(String method, String path, @Nullable String body, @Nullable String clientId)
      throws Exception {
    return send(server, method, path, body, clientId);
  }

  HttpResponse<String> send(JettyTestServer to, String method, String path, @Nullable String body)
      throws Exception {
    return send(to, method, path, body, null);
  }

  HttpResponse<String> send(JettyTestServer to, String method, String path, @Nullable String body,
      @Nullable String clientId) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(to.uri("/api/db/" + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.replace('\'', '"')));
    if (clientId != null) {
      r.header("X-Ren-Client", clientId);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(String method, String path, @Nullable String body) throws Exception {
    return send(method, path, body, null);
  }

  static JsonNode ok(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return TestJson.parse(r.body());
  }

  static void error(HttpResponse<String> r, int status, String messagePart) {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode body = TestJson.parse(r.body());
    assertTrue(body.has("error"), r.body());
    assertTrue(body.get("message").asText().contains(messagePart), r.body());
  }

  /** The db events the stream delivered before a marker insert made now (the hub delivers in order). */
  List<JsonNode> eventsBeforeMarker() throws Exception {
    String marker = ok(send("PUT", "markers", "{'m':1}")).get("id").asText();
    List<JsonNode> seen = new ArrayList<>();
    while (true) {
      JsonNode e = sse.next(WAIT).json();
      if (marker.equals(e.path("k").asText())) {
        return seen;
      }
      seen.add(e);
    }
  }

  @Test
  void put_document_returnsIdAndStreamsCreatedWithSrc() throws Exception {
    String id = ok(send("PUT", "todos", "{'title':'milk','done':false}", "tab-1")).get("id").asText();
    SseTestClient.Event e = sse.next("db.document.created", WAIT);
    JsonNode j = e.json();
    assertEquals("db", j.get("r").asText());
    assertEquals("todos", j.get("ns").asText());
    assertEquals(id, j.get("k").asText());
    assertEquals("1", j.get("v").asText());
    assertEquals("tab-1", j.get("src").asText());
    assertEquals("custom", ok(send("PUT", "todos", "{'_id':'custom'}")).get("id").asText());
    error(send("PUT", "todos", "{'_id':'custom'}"), 409, "custom");
  }

  @Test
  void find_filterAndOptions_returnArrayOfDocuments() throws Exception {
    for (int i = 0; i < 6; i++) {
      ok(send("PUT", "items", "{'_id':'i" + i + "','n':" + i + ",'tag':{'c':'" + (i % 2 == 0 ? "even" : "odd") + "'}}"));
    }
    JsonNode docs = ok(send("POST", "items",
        "{'filter':{'tag.c':'even','n':{'$gt':0}},'options':{'sort':{'n':-1},'limit':1}}"));
    assertEquals(1, docs.size());
    assertEquals("i4", docs.get(0).get("_id").asText());
    assertEquals(6, ok(send("POST", "items", null)).size());
    assertEquals(2, ok(send("POST", "items", "{'options':{'skip':4}}")).size());
    HttpResponse<String> one = send("POST", "items/findOne", "{'n':{'$in':[3]}}");
    assertEquals("i3", ok(one).get("_id").asText());
    assertEquals("1", one.headers().firstValue("X-Ren-Revision").orElseThrow());
    assertEquals("i5", ok(send("POST", "items/findOne", "{'filter':{'n':5}}")).get("_id").asText());
    error(send("POST", "items/findOne", "{'n':99}"), 404, "items");
  }

  @Test
  void update_operatorsAndMany_returnCountsAndStreamUpdated() throws Exception {
    ok(send("PUT", "todos", "{'_id':'a','done':false,'n':1}"));
    ok(send("PUT", "todos", "{'_id':'b','done':false,'n':1}"));
    JsonNode r = ok(send("POST", "todos/update", "{'filter':{'_id':'a'},'update':{'$set':{'done':true},'$inc':{'n':1}}}"));
    assertEquals(1, r.get("matched").asInt());
    assertEquals(1, r.get("modified").asInt());
    assertEquals(1, r.get("matchedCount").asInt());
    assertEquals(1, r.get("modifiedCount").asInt());
    r = ok(send("POST", "todos/update", "{'filter':{},'update':{'$set':{'done':true}},'many':true}"));
    assertEquals(2, r.get("matchedCount").asInt());
    assertEquals(1, r.get("modifiedCount").asInt(), "a was already done: no-op");
    List<JsonNode> events = eventsBeforeMarker();
    List<String> seen = events.stream().map(e -> e.get("t").asText() + " " + e.get("k").asText() + " "
        + e.get("v").asText()).toList();
    assertEquals(List.of("db.document.created a 1", "db.document.created b 1", "db.document.updated a 2",
        "db.document.updated b 2"), seen);
    error(send("POST", "todos/update", "{'filter':{'_id':'a'},'update':{'$set':{'x':1}},'expectedRevision':1}"),
        409, "revision");
    JsonNode a = ok(send("POST", "todos/findOne", "{'_id':'a'}"));
    assertEquals(2, a.get("n").asInt());
    assertTrue(!a.has("x"));
  }

  @Test
  void delete_filter_returnsCountsAndStreamsDeletedWithoutContent() throws Exception {
    for (String id : List.of("x", "y", "z")) {
      ok(send("PUT", "notes", "{'_id':'" + id + "','secret':'s'}"));
    }
    JsonNode r = ok(send("DELETE", "notes/delete", "{'_id':'x'}"));
    assertEquals(1, r.get("deleted").asInt());
    assertEquals(1, r.get("deletedCount").asInt());
    assertEquals(2, ok(send("DELETE", "notes/delete?many=true", "{}")).get("deletedCount").asInt());
    assertEquals(0, ok(send("DELETE", "notes/delete", "{}")).get("deletedCount").asInt());
    List<JsonNode> deleted = eventsBeforeMarker().stream()
        .filter(e -> e.get("t").asText().equals("db.document.deleted")).toList();
    assertEquals(List.of("x", "y", "z"), deleted.stream().map(e -> e.get("k").asText()).toList());
    assertTrue(deleted.stream().noneMatch(e -> e.has("data")));
  }

  @Test
  void indexes_createListDrop() throws Exception {
    assertEquals(0, ok(send("GET", "todos/indexes", null)).size());
    assertEquals("done_1", ok(send("POST", "todos/indexes", "{'fields':['done']}")).get("name").asText());
    assertEquals("a.b_1", ok(send("POST", "todos/indexes", "{'keys':{'a.b':1}}")).get("name").asText());
    JsonNode list = ok(send("GET", "todos/indexes", null));
    assertEquals(2, list.size());
    assertEquals("a.b", list.get(0).get("fields").get(0).asText());
    assertTrue(ok(send("DELETE", "todos/indexes/done_1", null)).get("dropped").asBoolean());
    error(send("DELETE", "todos/indexes/done_1", null), 404, "done_1");
    error(send("POST", "todos/indexes", "{'fields':[1]}"), 400, "fields");
  }

  @Test
  void badInput_isA4xxJsonError_andWritesNothing() throws Exception {
    ok(send("PUT", "todos", "{'_id':'keep','n':1}"));
    error(send("PUT", "todos", "{not json"), 400, "JSON");
    error(send("PUT", "todos", "[1,2]"), 400, "object");
    error(send("PUT", "todos", "'text'"), 400, "object");
    error(send("PUT", "todos", "{'_id':7}"), 400, "_id");
    error(send("PUT", "bad%20name", "{}"), 400, "collection name");
    error(send("PUT", "x".repeat(65), "{}"), 400, "collection name");
    error(send("PUT", "todos", "{'pad':'" + "x".repeat((int) MAX_BODY) + "'}"), 413, "limit");
    error(send("POST", "todos", "{'filter':{'n':{'$regex':'.*'}}}"), 400, "$regex");
    error(send("POST", "todos", "{'filter':{},'bogus':1}"), 400, "bogus");
    error(send("POST", "todos", "{'options':{'limit':-1}}"), 400, "limit");
    error(send("POST", "todos/update", "{'filter':{},'update':{'$push':{'n':1}}}"), 400, "$push");
    error(send("POST", "todos/update", "{'filter':{},'update':{'$inc':{'n':'one'}}}"), 400, "$inc");
    error(send("POST", "todos/update", "{'filter':{'$where':'1'},'update':{'$set':{'n':2}}}"), 400, "$where");
    error(send("DELETE", "todos/delete", "{'n':{'$foo':1}}"), 400, "$foo");
    String deep = "{'$or':[".repeat(40) + "{'n':1}" + "]}".repeat(40);
    error(send("POST", "todos", "{'filter':" + deep + "}"), 400, "32");
    error(send("DELETE", "todos/delete", deep), 400, "32");
    error(send("POST", "todos/nowhere", "{}"), 404, "route");
    error(send("GET", "todos", null), 404, "route");
    // nothing changed, nothing announced
    JsonNode keep = ok(send("POST", "todos/findOne", "{'_id':'keep'}"));
    assertEquals(1, keep.get("n").asInt());
    assertEquals(1, ok(send("POST", "todos", null)).size());
    List<JsonNode> events = eventsBeforeMarker();
    assertEquals(1, events.size(), events.toString());
    assertEquals("keep", events.get(0).get("k").asText());
  }

  @Test
  void issue15_loneSurrogateOrIncOverflowOrHugeNumber_are400AndStoreNothing() throws Exception {
    ok(send("PUT", "todos", "{'_id':'keep','n':1.7e308}"));
    error(send("PUT", "todos", "{'a':'\\ud800'}"), 400, "surrogate");
    error(send("PUT", "todos", "{'a':1e400}"), 400, "finite");
    error(send("POST", "todos/update", "{'filter':{'_id':'keep'},'update':{'$set':{'a':'x\\udc00'}}}"), 400,
        "surrogate");
    error(send("POST", "todos/update", "{'filter':{'_id':'keep'},'update':{'$inc':{'n':1.7e308}}}"), 400,
        "$inc");
    JsonNode keep = ok(send("POST", "todos/findOne", "{'_id':'keep'}"));
    assertEquals(1.7e308, keep.get("n").doubleValue());
    assertEquals(1, ok(send("POST", "todos", null)).size());
  }

  @Test
  void writes_publisherFails_are503NotPublishedAndApplied() throws Exception {
    RecordingPublisher events = new RecordingPublisher();
    try (DocumentStore failing = DocumentStore.h2InMemory(events);
         JettyTestServer other = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
             .filter("/*", new RenClientFilter())
             .servlet(DbServlet.PATH, new DbServlet(failing, MAX_BODY)).start()) {
      events.failWith(new EventLogUnavailableException("log down"));
      notPublished(send(other, "PUT", "todos", "{'_id':'a','n':1}"));
      notPublished(send(other, "POST", "todos/update", "{'filter':{'_id':'a'},'update':{'$inc':{'n':1}}}"));
      notPublished(send(other, "PUT", "todos", "{'_id':'b'}"));
      notPublished(send(other, "DELETE", "todos/delete", "{'_id':'b'}"));
      events.failWith(null);
      // every change was applied: a exists, updated; b was inserted and deleted
      HttpResponse<String> a = send(other, "POST", "todos/findOne", "{'_id':'a'}");
      assertEquals(2, ok(a).get("n").asInt());
      assertEquals("2", a.headers().firstValue("X-Ren-Revision").orElseThrow());
      error(send(other, "POST", "todos/findOne", "{'_id':'b'}"), 404, "todos");
      assertTrue(events.events().isEmpty(), events.events().toString());
    }
  }

  @Test
  void putAndCreateIndex_beyondMaxCollections_are507NamingTheSettingAndStoreNothing() throws Exception {
    RecordingPublisher events = new RecordingPublisher();
    try (DocumentStore small = DocumentStore.builder(events).h2InMemory().maxCollections(2).build();
         JettyTestServer other = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
             .filter("/*", new RenClientFilter())
             .servlet(DbServlet.PATH, new DbServlet(small, MAX_BODY)).start()) {
      ok(send(other, "PUT", "a", "{'_id':'x'}"));
      ok(send(other, "POST", "b/indexes", "{'fields':['n']}"));
      for (HttpResponse<String> r : List.of(send(other, "PUT", "c", "{'_id':'x'}"),
          send(other, "POST", "c/indexes", "{'fields':['n']}"))) {
        error(r, 507, "maxCollections");
        JsonNode body = TestJson.parse(r.body());
        assertEquals("insufficient_storage", body.get("error").asText(), r.body());
        assertEquals("maxCollections", body.get("setting").asText(), r.body());
        assertEquals(2, body.get("limit").asInt(), r.body());
      }
      // existing collections still take writes; nothing of c was stored or announced
      ok(send(other, "PUT", "a", "{'_id':'y'}"));
      ok(send(other, "PUT", "b", "{'_id':'y'}"));
      assertEquals(List.of("a", "b"), small.collectionNames());
      assertEquals(3, events.events().size(), events.events().toString());
      // emptying a collection makes room
      assertEquals(1, ok(send(other, "DELETE", "b/indexes/n_1", null)).size());
      assertEquals(1, ok(send(other, "DELETE", "b/delete", "{}")).get("deletedCount").asInt());
      ok(send(other, "PUT", "c", "{'_id':'x'}"));
      assertEquals(List.of("a", "c"), small.collectionNames());
    }
  }

  @Test
  void readsUpdatesDeletesAndIndexCalls_unknownCollection_answerAsEmptyAndCreateNothing() throws Exception {
    RecordingPublisher events = new RecordingPublisher();
    try (DocumentStore small = DocumentStore.builder(events).h2InMemory().maxCollections(1).build();
         JettyTestServer other = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
             .filter("/*", new RenClientFilter())
             .servlet(DbServlet.PATH, new DbServlet(small, MAX_BODY)).start()) {
      for (int i = 0; i < 50; i++) {
        String c = "ghost" + i;
        assertEquals(0, ok(send(other, "POST", c, "{'filter':{'n':1}}")).size());
        error(send(other, "POST", c + "/findOne", "{}"), 404, c);
        JsonNode u = ok(send(other, "POST", c + "/update", "{'filter':{},'update':{'$set':{'n':2}},'many':true}"));
        assertEquals(0, u.get("matchedCount").asInt());
        assertEquals(0, u.get("modifiedCount").asInt());
        assertEquals(0, ok(send(other, "DELETE", c + "/delete?many=true", "{}")).get("deletedCount").asInt());
        assertEquals(0, ok(send(other, "GET", c + "/indexes", null)).size());
        error(send(other, "DELETE", c + "/indexes/n_1", null), 404, "n_1");
      }
      assertEquals(List.of(), small.collectionNames());
      assertTrue(events.events().isEmpty(), events.events().toString());
      // none of them took the one collection there is room for
      ok(send(other, "PUT", "real", "{'_id':'x'}"));
      error(send(other, "PUT", "ghost0", "{'_id':'x'}"), 507, "maxCollections");
    }
  }

  @Test
  void find_filterOverTheStoresBound_is400NamingTheSetting() throws Exception {
    try (DocumentStore strict = DocumentStore.builder(new RecordingPublisher()).h2InMemory().maxFilterBranches(2)
        .maxFilterInValues(2).build();
         JettyTestServer other = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
             .filter("/*", new RenClientFilter())
             .servlet(DbServlet.PATH, new DbServlet(strict, MAX_BODY)).start()) {
      ok(send(other, "PUT", "t", "{'_id':'x','n':1}"));
      assertEquals(1, ok(send(other, "POST", "t", "{'filter':{'$or':[{'n':1},{'n':2}]}}")).size());
      error(send(other, "POST", "t", "{'filter':{'$or':[{'n':1},{'n':2},{'n':3}]}}"), 400, "maxFilterBranches");
      error(send(other, "POST", "t/update", "{'filter':{'n':{'$in':[1,2,3]}},'update':{'$set':{'n':5}}}"), 400,
          "maxFilterInValues");
      assertEquals(1, ok(send(other, "POST", "t/findOne", "{'_id':'x'}")).get("n").asInt());
    }
  }

  static void notPublished(HttpResponse<String> r) {
    error(r, 503, "applied");
    JsonNode body = TestJson.parse(r.body());
    assertEquals("not_published", body.get("error").asText(), r.body());
    assertTrue(body.get("applied").asBoolean(), r.body());
  }
}
