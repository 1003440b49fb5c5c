package dev.ren.servlet.kv;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.access.AccessRules;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvEntry;
import dev.ren.kv.KvPage;
import dev.ren.kv.KvStore;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, the KV authorization matrix: every KV endpoint × {anonymous, reader, writer, a writer of another tenant,
 * admin} → the expected status, behind a real {@link AccessRules} policy and callers authenticated from request
 * headers by a {@link RenAuthenticator} (the SPI a host application implements). A refused request changes no
 * tenant's keys and publishes no event; another tenant's caller works in its own tenant only; a stream of one tenant
 * never receives another tenant's KV events, live, replayed, or system-caused ({@code kv.expired}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Issue16KvAuthorizationMatrixTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final String ACME = "acme";
  static final String GLOBEX = "globex";

  /** A caller: who it is and in which tenant; {@link #ANON} sends no credentials. */
  record Who(String label, @Nullable String user, Set<String> roles, @Nullable String tenant) {
    Map<String, String> headers() {
      Map<String, String> h = new HashMap<>();
      if (user != null) {
        h.put("X-Test-User", user);
        if (!roles.isEmpty()) {
          h.put("X-Test-Roles", String.join(",", roles));
        }
        if (tenant != null) {
          h.put("X-Test-Tenant", tenant);
        }
      }
      return h;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  static final Who ANON = new Who("anonymous", null, Set.of(), null);
  static final Who READER = new Who("reader", "rita", Set.of("reader"), ACME);
  static final Who WRITER = new Who("writer", "walt", Set.of("writer"), ACME);
  static final Who OTHER = new Who("other tenant", "olga", Set.of("writer"), GLOBEX);
  static final Who ADMIN = new Who("admin", "ada", Set.of("admin"), ACME);

  static final AccessRules POLICY = AccessRules.builder()
      .read("kv", "public", AccessRules.ANYONE)
      .read("test", "*", AccessRules.ANYONE) // the markers tests put on streams
      .read("kv", "*", "reader", "writer")
      .write("kv", "*", "writer")
      .admin("admin")
      .build();

  /** The host application's authentication, as a test stand-in: trusted headers naming user, roles and tenant. */
  static final RenAuthenticator HEADERS = req -> {
    String user = req.getHeader("X-Test-User");
    if (user == null) {
      return null;
    }
    String roles = req.getHeader("X-Test-Roles");
    String tenant = req.getHeader("X-Test-Tenant");
    return RenCaller.user(user, roles == null || roles.isEmpty() ? Set.of() : Set.of(roles.split(",")),
        tenant == null || tenant.isEmpty() ? null : tenant);
  };

  /** Every event the store published, before the hub got it. */
  static final class Recorder implements RenPublisher {
    private final RenHub hub;
    private final List<RenEvent> events = new ArrayList<>();

    Recorder(RenHub hub) {
      this.hub = hub;
    }

    @Override
    public String publish(RenEvent event) {
      synchronized (this) {
        events.add(event);
      }
      return hub.publish(event);
    }

    synchronized List<RenEvent> events() {
      return List.copyOf(events);
    }

    synchronized void clear() {
      events.clear();
    }
  }

  final HttpClient http = HttpClient.newHttpClient();
  RenHub hub;
  Recorder recorder;
  KvStore store;
  JettyTestServer server;
  final List<SseTestClient> streams = new ArrayList<>();

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
    HttpResponse<String> send(Issue16KvAuthorizationMatrixTest t, Who who) throws Exception;
  }

  static List<Endpoint> endpoints() {
    return List.of(
        new Endpoint("GET key", (t, w) -> t.send(w, "GET", "/api/kv/demo/doc", null), 401, 200, 200, 404, 200),
        new Endpoint("GET absent key", (t, w) -> t.send(w, "GET", "/api/kv/demo/absent", null),
            401, 404, 404, 404, 404),
        new Endpoint("POST list", (t, w) -> t.send(w, "POST", "/api/kv/demo", "{}"), 401, 200, 200, 200, 200),
        new Endpoint("PUT new key", (t, w) -> t.send(w, "PUT", "/api/kv/demo/new", "{\"n\":1}"),
            401, 403, 200, 200, 200),
        new Endpoint("PUT overwrite", (t, w) -> t.send(w, "PUT", "/api/kv/demo/doc", "{\"changed\":true}"),
            401, 403, 200, 200, 200),
        new Endpoint("PUT with TTL", (t, w) -> t.send(w, "PUT", "/api/kv/demo/session", "\"s\"", "X-TTL", "3600"),
            401, 403, 200, 200, 200),
        new Endpoint("DELETE key", (t, w) -> t.send(w, "DELETE", "/api/kv/demo/doc", null), 401, 403, 200, 200, 200));
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
    hub = RenHub.create();
    recorder = new Recorder(hub);
    store = KvStore.inMemory(recorder);
    RenSecurity security = RenSecurity.builder(POLICY).authenticator(HEADERS).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, security)
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet("/api/kv/*", new KvServlet(store, 1_000, security))
        .start();
  }

  @AfterAll
  void stop() {
    streams.forEach(SseTestClient::close);
    if (server != null) {
      server.close();
    }
    if (store != null) {
      store.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  /** Every test starts from the same keys: acme's demo/doc; nothing else in any tenant. */
  @BeforeEach
  void reset() {
    for (String t : new String[] {null, ACME, GLOBEX}) {
      for (String k : List.of("doc", "new", "session", "big", "exp")) {
        store.tenant(t).namespace("demo").delete(k);
      }
    }
    store.tenant(ACME).namespace("demo").put("doc", TestJson.parse("{\"v\":1}"));
    recorder.clear();
  }

  HttpResponse<String> send(Who who, String method, String path, @Nullable String body, String... headers)
      throws Exception {
    List<String> h = new ArrayList<>(List.of(headers));
    who.headers().forEach((k, v) -> {
      h.add(k);
      h.add(v);
    });
    HttpRequest req = KvRequests.of(server.uri(path), method, body, h.toArray(String[]::new));
    return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** What a tenant holds in namespace demo: key → version and value. */
  Map<String, String> snapshot(@Nullable String tenant) {
    Map<String, String> out = new TreeMap<>();
    var ns = store.tenant(tenant).namespace("demo");
    KvPage page = ns.list("", 1000, null);
    for (KvPage.Item i : page.keys()) {
      KvEntry e = ns.get(i.name()).orElseThrow();
      out.put(i.name(), e.version() + "/" + e.stringValue());
    }
    return out;
  }

  SseTestClient stream(Who who, @Nullable String lastEventId) throws Exception {
    Map<String, String> h = who.headers();
    if (lastEventId != null) {
      h.put("Last-Event-ID", lastEventId);
    }
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv,test"), h);
    streams.add(c);
    assertEquals(200, c.status(), "stream as " + who);
    assertEquals("ren.meta", c.next(WAIT).type());
    return c;
  }

  String marker(@Nullable String tenant, String name) {
    return hub.publish(RenEvent.builder("test.marker").key(name).tenant(tenant).build());
  }

  /** The events a stream receives up to the marker {@code name} (which it must receive). */
  static List<SseTestClient.Event> untilMarker(SseTestClient c, String name) throws InterruptedException {
    List<SseTestClient.Event> out = new ArrayList<>();
    while (true) {
      SseTestClient.Event e = c.next(WAIT);
      if (e.type().equals("test.marker") && name.equals(e.json().path("k").asText())) {
        return out;
      }
      out.add(e);
    }
  }

  // ------------------------------------------------------------------ the matrix

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("matrix")
  void endpoint_caller_expectedStatusAndNothingChangedWhenRefused(Endpoint endpoint, Who who) throws Exception {
    Map<String, String> defaultBefore = snapshot(null);
    Map<String, String> acmeBefore = snapshot(ACME);
    Map<String, String> globexBefore = snapshot(GLOBEX);

    HttpResponse<String> r = endpoint.call().send(this, who);

    int expected = endpoint.expected(who);
    assertEquals(expected, r.statusCode(), endpoint + " as " + who + ": " + r.body());
    List<RenEvent> events = recorder.events();
    if (expected == 401 || expected == 403) {
      assertEquals(expected == 401 ? "unauthorized" : "forbidden", TestJson.parse(r.body()).path("error").asText(),
          r.body());
      assertEquals(defaultBefore, snapshot(null), "refused: the default tenant is unchanged");
      assertEquals(acmeBefore, snapshot(ACME), "refused: acme is unchanged");
      assertEquals(globexBefore, snapshot(GLOBEX), "refused: globex is unchanged");
      assertEquals(List.of(), events, "refused: no event");
      return;
    }
    assertEquals(defaultBefore, snapshot(null), "nobody here works in the default tenant");
    String tenant = who == OTHER ? GLOBEX : ACME;
    for (RenEvent e : events) {
      assertEquals(tenant, e.tenant(), "every event is the caller's tenant's: " + e);
    }
    boolean changes = endpoint.name().startsWith("PUT") || (endpoint.name().startsWith("DELETE") && who != OTHER);
    assertEquals(changes ? 1 : 0, events.size(), "one event per change, none per read: " + events);
    if (who == OTHER) {
      assertEquals(acmeBefore, snapshot(ACME), "another tenant's caller never changes acme");
      if (endpoint.name().equals("POST list")) {
        assertEquals(0, TestJson.parse(r.body()).path("result").size(), "globex lists nothing of acme's");
      }
      if (endpoint.name().startsWith("DELETE")) {
        assertFalse(TestJson.parse(r.body()).path("deleted").asBoolean(), "acme's doc is not globex's: " + r.body());
        assertEquals(List.of(), events, "nothing deleted, nothing announced");
      }
      if (endpoint.name().startsWith("PUT")) {
        assertEquals(globexBefore.size() + 1, snapshot(GLOBEX).size(), "stored in globex");
      }
    } else {
      assertEquals(globexBefore, snapshot(GLOBEX), "an acme caller never changes globex");
      if (endpoint.name().equals("POST list")) {
        assertEquals("doc", TestJson.parse(r.body()).path("result").path(0).path("name").asText(), r.body());
      }
    }
  }

  // ------------------------------------------------------------------ refused before the body is read

  @Test
  void put_anonymousWithOversizedBody_401BeforeBodyIsRead() throws Exception {
    HttpResponse<String> r = send(ANON, "PUT", "/api/kv/demo/big", "\"" + "x".repeat(5_000) + "\"");

    assertEquals(401, r.statusCode(), "refused before the body could be found too large: " + r.body());
    assertTrue(snapshot(null).isEmpty());
    assertEquals(List.of(), recorder.events());
  }

  @Test
  void put_readerWithWrongContentType_403BeforeBodyIsRead() throws Exception {
    HttpResponse<String> r = send(READER, "PUT", "/api/kv/demo/doc", "plain", "Content-Type", "text/plain");

    assertEquals(403, r.statusCode(), r.body());
    assertEquals("{\"v\":1}", store.tenant(ACME).namespace("demo").getString("doc").orElseThrow());
    assertEquals(List.of(), recorder.events());
  }

  @Test
  void list_brokenQuery_anonymousRefusedBeforeParsingReaderGets400() throws Exception {
    HttpResponse<String> r = send(READER, "POST", "/api/kv/secret", "{broken");

    assertEquals(401, send(ANON, "POST", "/api/kv/secret", "{broken").statusCode());
    assertEquals(400, r.statusCode(), "a reader may list: its broken query is its own fault: " + r.body());
  }

  @Test
  void get_anonymousInPublicNamespace_allowedByNamespaceRule() throws Exception {
    store.namespace("public").put("motd", "hello");
    try {
      HttpResponse<String> pub = send(ANON, "GET", "/api/kv/public/motd", null);
      HttpResponse<String> demo = send(ANON, "GET", "/api/kv/demo/doc", null);
      HttpResponse<String> put = send(ANON, "PUT", "/api/kv/public/motd", "\"defaced\"");

      assertEquals(200, pub.statusCode(), pub.body());
      assertEquals("\"hello\"", pub.body());
      assertEquals(401, demo.statusCode());
      assertEquals(401, put.statusCode(), "the rule grants reading only");
      assertEquals("hello", store.namespace("public").getString("motd").orElseThrow());
    } finally {
      store.namespace("public").delete("motd");
    }
  }

  // ------------------------------------------------------------------ streams: tenant isolation

  @Test
  void stream_otherTenant_neverReceivesKvEventsLiveOrReplayed() throws Exception {
    String start = marker(null, "start");
    SseTestClient acmeLive = stream(WRITER, null);
    SseTestClient globexLive = stream(OTHER, null);

    assertEquals(200, send(WRITER, "PUT", "/api/kv/demo/doc", "{\"v\":2}").statusCode());
    assertEquals(200, send(WRITER, "DELETE", "/api/kv/demo/doc", null).statusCode());
    assertEquals(200, send(OTHER, "PUT", "/api/kv/demo/doc", "{\"g\":1}").statusCode());
    marker(ACME, "end");
    marker(GLOBEX, "end");

    List<SseTestClient.Event> acmeSaw = untilMarker(acmeLive, "end");
    List<SseTestClient.Event> globexSaw = untilMarker(globexLive, "end");
    assertEquals(List.of("kv.put", "kv.delete"), acmeSaw.stream().map(SseTestClient.Event::type).toList());
    assertEquals(List.of("kv.put"), globexSaw.stream().map(SseTestClient.Event::type).toList(),
        "globex sees its own put only, never acme's put or delete");
    assertFalse(globexSaw.get(0).data().contains(ACME), "the tenant is not shown to clients");

    SseTestClient acmeReplay = stream(WRITER, start);
    SseTestClient globexReplay = stream(OTHER, start);
    assertEquals(List.of("kv.put", "kv.delete"),
        untilMarker(acmeReplay, "end").stream().map(SseTestClient.Event::type).toList());
    assertEquals(List.of("kv.put"), untilMarker(globexReplay, "end").stream().map(SseTestClient.Event::type).toList(),
        "replay keeps the tenants apart too");
  }

  @Test
  void stream_otherTenant_neverReceivesExpiryOfAnotherTenantsKey() throws Exception {
    SseTestClient acme = stream(WRITER, null);
    SseTestClient globex = stream(OTHER, null);

    assertEquals(200, send(WRITER, "PUT", "/api/kv/demo/exp", "1", "X-TTL", "1").statusCode());
    assertEquals("kv.put", acme.next(WAIT).type());
    SseTestClient.Event expired = acme.next(EventTypes.KV_EXPIRED, WAIT); // the store's expiry thread, ~1 s
    assertEquals("exp", expired.json().path("k").asText());
    marker(GLOBEX, "after-expiry");

    assertEquals(List.of(), untilMarker(globex, "after-expiry"),
        "globex saw neither acme's put nor its expiry");
  }

  @Test
  void stream_anonymous_receivesNoTenantsKvEvents() throws Exception {
    SseTestClient anon = stream(ANON, null);

    assertEquals(200, send(WRITER, "PUT", "/api/kv/demo/doc", "{\"v\":3}").statusCode());
    assertEquals(200, send(OTHER, "PUT", "/api/kv/demo/doc", "{\"v\":3}").statusCode());
    marker(null, "done");

    assertEquals(List.of(), untilMarker(anon, "done"), "the default tenant's stream sees no tenant's changes");
  }
}
