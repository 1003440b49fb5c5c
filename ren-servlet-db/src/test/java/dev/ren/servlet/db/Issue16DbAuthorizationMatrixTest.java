package dev.ren.servlet.db;

import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.db.DocumentStore;
import dev.ren.servlet.db.SecureDbFixture.Who;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, the authorization matrix of the document binding: every endpoint × {anonymous, reader, writer, a writer
 * of another tenant, admin} → the expected status; a refused request changes no tenant's documents or indexes and
 * publishes no event; another tenant's caller works in its own tenant only (acme never changes, its events carry
 * its own tenant).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Issue16DbAuthorizationMatrixTest {

  static final String ACME = "acme";
  static final String GLOBEX = "globex";
  static final Who ANON = Who.ANONYMOUS;
  static final Who READER = new Who("reader", "rita", Set.of("reader"), ACME);
  static final Who WRITER = new Who("writer", "walt", Set.of("writer"), ACME);
  static final Who OTHER = new Who("other tenant", "olga", Set.of("writer"), GLOBEX);
  static final Who ADMIN = new Who("admin", "ada", Set.of("admin"), ACME);

  static final AccessRules POLICY = AccessRules.builder()
      .read("db", "*", "reader", "writer")
      .write("db", "*", "writer")
      .admin("admin")
      .build();

  SecureDbFixture f;

  /** One endpoint: how to call it, and the status each caller gets. */
  record Endpoint(String name, String method, String path, String body, int anon, int reader, int writer,
                  int other, int admin) {
    int expected(Who who) {
      return who == ANON ? anon : who == READER ? reader : who == WRITER ? writer : who == OTHER ? other : admin;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static List<Endpoint> endpoints() {
    return List.of(
        new Endpoint("PUT insert", "PUT", "/api/db/todos", "{\"title\":\"new\"}", 401, 403, 200, 200, 200),
        new Endpoint("POST find", "POST", "/api/db/todos", "{}", 401, 200, 200, 200, 200),
        new Endpoint("POST findOne", "POST", "/api/db/todos/findOne", "{\"_id\":\"t1\"}", 401, 200, 200, 404, 200),
        new Endpoint("POST update", "POST", "/api/db/todos/update",
            "{\"filter\":{\"_id\":\"t1\"},\"update\":{\"$set\":{\"done\":true}}}", 401, 403, 200, 200, 200),
        new Endpoint("DELETE delete", "DELETE", "/api/db/todos/delete", "{\"_id\":\"t1\"}", 401, 403, 200, 200, 200),
        new Endpoint("GET indexes", "GET", "/api/db/todos/indexes", null, 401, 403, 200, 200, 200),
        new Endpoint("POST indexes", "POST", "/api/db/todos/indexes", "{\"fields\":[\"done\"]}",
            401, 403, 200, 200, 200),
        new Endpoint("DELETE index", "DELETE", "/api/db/todos/indexes/title_1", null, 401, 403, 200, 404, 200));
  }

  static Stream<Arguments> matrix() {
    List<Arguments> cells = new ArrayList<>();
    for (Endpoint e : endpoints()) {
      for (Who w : List.of(ANON, READER, WRITER, OTHER, ADMIN)) {
        cells.add(Arguments.of(e, w));
      }
    }
    return cells.stream();
  }

  @BeforeAll
  void start() {
    f = new SecureDbFixture(POLICY);
  }

  @AfterAll
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  /** Every cell starts from the same state: acme's todos hold t1 and an index on title; nothing else anywhere. */
  @BeforeEach
  void reset() {
    for (String t : new String[] {null, ACME, GLOBEX}) {
      DocumentStore s = f.store.tenant(t);
      for (String c : s.collectionNames()) {
        s.collection(c).deleteMany(TestJson.parse("{}"));
        s.collection(c).listIndexes().forEach(ix -> s.collection(c).dropIndex(ix.name()));
      }
    }
    f.store.tenant(ACME).collection("todos").insertOne(
        (com.fasterxml.jackson.databind.node.ObjectNode) TestJson.parse("{\"_id\":\"t1\",\"title\":\"milk\"}"));
    f.store.tenant(ACME).collection("todos").createIndex(List.of("title"));
    f.recorder.clear();
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("matrix")
  void endpoint_caller_expectedStatusAndNothingChangedWhenRefused(Endpoint endpoint, Who who) throws Exception {
    Map<String, String> defaultBefore = f.snapshot(null);
    Map<String, String> acmeBefore = f.snapshot(ACME);
    Map<String, String> globexBefore = f.snapshot(GLOBEX);

    HttpResponse<String> r = f.send(who, endpoint.method(), endpoint.path(), endpoint.body());
    int expected = endpoint.expected(who);
    assertEquals(expected, r.statusCode(), endpoint + " as " + who + ": " + r.body());

    List<RenEvent> events = f.recorder.events();
    if (expected == 401 || expected == 403) {
      assertEquals(expected == 401 ? "unauthorized" : "forbidden", SecureDbFixture.json(r).path("error").asText(),
          r.body());
      assertEquals(defaultBefore, f.snapshot(null), "refused: the default tenant is unchanged");
      assertEquals(acmeBefore, f.snapshot(ACME), "refused: acme is unchanged");
      assertEquals(globexBefore, f.snapshot(GLOBEX), "refused: globex is unchanged");
      assertEquals(List.of(), events, "refused: no event");
      return;
    }
    assertEquals(defaultBefore, f.snapshot(null), "nobody here works in the default tenant");
    String tenant = who == OTHER ? GLOBEX : ACME;
    for (RenEvent e : events) {
      assertEquals(tenant, e.tenant(), "every event is the caller's tenant's: " + e);
    }
    if (who == OTHER) {
      assertEquals(acmeBefore, f.snapshot(ACME), "another tenant's caller never changes acme");
      if (endpoint.name().equals("POST find")) {
        assertEquals("[]", r.body(), "another tenant's find sees nothing of acme");
      }
      if (endpoint.name().equals("GET indexes")) {
        assertEquals("[]", r.body(), "another tenant's index listing sees nothing of acme");
      }
      if (endpoint.name().equals("POST update")) {
        assertEquals(0, SecureDbFixture.json(r).path("matched").asInt(), r.body());
      }
      if (endpoint.name().equals("DELETE delete")) {
        assertEquals(0, SecureDbFixture.json(r).path("deleted").asInt(), r.body());
      }
      if (endpoint.name().equals("PUT insert")) {
        assertEquals(1, f.store.tenant(GLOBEX).collection("todos").find(TestJson.parse("{}")).size(),
            "stored in globex");
      }
    } else {
      assertEquals(globexBefore, f.snapshot(GLOBEX), "an acme caller never changes globex");
      if (endpoint.name().equals("POST find")) {
        assertTrue(r.body().contains("\"t1\""), r.body());
      }
      if (endpoint.name().equals("POST update") || endpoint.name().equals("DELETE delete")) {
        assertFalse(events.isEmpty(), "a write in acme is published");
      }
    }
  }
}
