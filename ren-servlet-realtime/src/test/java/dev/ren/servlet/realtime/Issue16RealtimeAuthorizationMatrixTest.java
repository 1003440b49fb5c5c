package dev.ren.servlet.realtime;

import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.servlet.realtime.SecureRealtimeFixture.Who;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, the authorization matrix: every realtime endpoint × {anonymous, reader, writer, a writer of another
 * tenant, admin} → the expected status; a refused request changes no tenant's channels, history or members and
 * publishes no event; another tenant's caller works in its own tenant only (acme never changes, its events carry
 * its own tenant).
 */
class Issue16RealtimeAuthorizationMatrixTest {

  static final String ACME = "acme";
  static final String GLOBEX = "globex";
  static final Who ANON = Who.ANONYMOUS;
  static final Who READER = new Who("reader", "rita", Set.of("reader"), ACME);
  static final Who WRITER = new Who("writer", "walt", Set.of("writer"), ACME);
  static final Who OTHER = new Who("other tenant", "olga", Set.of("writer"), GLOBEX);
  static final Who ADMIN = new Who("admin", "ada", Set.of("admin"), ACME);

  static final AccessRules POLICY = AccessRules.builder()
      .read("realtime", "*", "reader", "writer")
      .write("realtime", "*", "writer")
      .read("presence", "*", "reader", "writer")
      .write("presence", "*", "writer")
      .admin("admin")
      .build();

  SecureRealtimeFixture f;

  /** One endpoint: how to call it, and the status each caller gets. */
  record Endpoint(String name, Call call, int anon, int reader, int writer, int other, int admin) {
    int expected(Who who) {
      return who == ANON ? anon : who == READER ? reader : who == WRITER ? writer : who == OTHER ? other : admin;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  interface Call {
    HttpResponse<String> send(SecureRealtimeFixture f, Who who) throws Exception;
  }

  static List<Endpoint> endpoints() {
    return List.of(
        new Endpoint("POST publish", (f, w) -> f.post(w, "publish", "{\"channel\":\"room-1\",\"data\":{\"n\":2}}"),
            401, 403, 200, 200, 200),
        new Endpoint("GET history", (f, w) -> f.get(w, "history/room-1"), 401, 200, 200, 200, 200),
        new Endpoint("GET channels", (f, w) -> f.get(w, "channels"), 401, 200, 200, 200, 200),
        new Endpoint("POST presence join", (f, w) -> f.post(w, "presence/room-1/join", "{\"metadata\":{\"j\":1}}"),
            401, 403, 200, 200, 200),
        new Endpoint("POST presence update", (f, w) -> f.post(w, "presence/room-1/update",
            "{\"metadata\":{\"u\":1}}"), 401, 403, 200, 404, 404),
        new Endpoint("POST presence leave", (f, w) -> f.post(w, "presence/room-1/leave", "{}"),
            401, 403, 200, 200, 200),
        new Endpoint("GET presence members", (f, w) -> f.get(w, "presence/room-1"), 401, 200, 200, 200, 200));
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

  /** Every cell starts from the same state: acme's room-1 has one message by walt and walt as a member. */
  void seed() {
    f = new SecureRealtimeFixture(POLICY, RealtimeServlet.PublishRate.DEFAULT);
    f.realtime.tenant(ACME).as("walt").publish("room-1", dev.ren.testing.TestJson.parse("{\"n\":1}"), null);
    f.realtime.tenant(ACME).as("walt").join("room-1", "walt", dev.ren.testing.TestJson.parse("{\"s\":0}"));
    f.recorder.clear();
  }

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("matrix")
  void endpoint_caller_expectedStatusAndNothingChangedWhenRefused(Endpoint endpoint, Who who) throws Exception {
    seed();
    String defaultBefore = f.snapshot(null, "room-1");
    String acmeBefore = f.snapshot(ACME, "room-1");
    String globexBefore = f.snapshot(GLOBEX, "room-1");

    HttpResponse<String> r = endpoint.call().send(f, who);

    int expected = endpoint.expected(who);
    assertEquals(expected, r.statusCode(), endpoint + " as " + who + ": " + r.body());
    List<RenEvent> events = f.recorder.events();
    if (expected == 401 || expected == 403) {
      assertEquals(expected == 401 ? "unauthorized" : "forbidden", SecureRealtimeFixture.json(r).path("error")
          .asText(), r.body());
      assertEquals(defaultBefore, f.snapshot(null, "room-1"), "refused: the default tenant is unchanged");
      assertEquals(acmeBefore, f.snapshot(ACME, "room-1"), "refused: acme is unchanged");
      assertEquals(globexBefore, f.snapshot(GLOBEX, "room-1"), "refused: globex is unchanged");
      assertEquals(List.of(), events, "refused: no event");
      return;
    }
    assertEquals(defaultBefore, f.snapshot(null, "room-1"), "nobody here works in the default tenant");
    String tenant = who == OTHER ? GLOBEX : ACME;
    for (RenEvent e : events) {
      assertEquals(tenant, e.tenant(), "every event is the caller's tenant's: " + e);
      if (e.uid() != null) {
        assertEquals(who.user(), e.uid(), "events name the caller's own user: " + e);
      }
    }
    if (who == OTHER) {
      assertEquals(acmeBefore, f.snapshot(ACME, "room-1"), "another tenant's caller never changes acme");
      if (!r.body().isEmpty() && r.statusCode() == 200) {
        assertFalse(r.body().contains("walt"), "another tenant sees nothing of acme: " + r.body());
        assertFalse(r.body().contains("\"n\":1"), "another tenant sees nothing of acme's history: " + r.body());
      }
      if (endpoint.name().equals("GET channels")) {
        assertEquals("[]", SecureRealtimeFixture.json(r).path("channels").toString(), r.body());
      }
    } else {
      assertEquals(globexBefore, f.snapshot(GLOBEX, "room-1"), "an acme caller never changes globex");
      if (endpoint.name().equals("GET channels")) {
        assertTrue(r.body().contains("\"room-1\""), r.body());
      }
      if (endpoint.name().equals("GET history")) {
        assertTrue(r.body().contains("\"n\":1"), r.body());
      }
    }
    if (endpoint.name().startsWith("POST publish")) {
      assertEquals(who.user(), f.realtime.tenant(tenant).history("room-1", 0, 100).messages()
          .get(f.realtime.tenant(tenant).history("room-1", 0, 100).messages().size() - 1).userId(),
          "a message is recorded as the caller's user");
    }
  }
}
