package dev.ren.servlet.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.Registration;
import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvStore;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ren.servlet.http.JsonServlet.MAX_JSON_DEPTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV binding over real HTTP: embedded Jetty, java.net.http, a real hub and a store on a fake ticker. */
class KvServletTest {

  private static final Instant WALL = Instant.parse("2026-01-01T00:00:00Z");

  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private RenHub hub;
  private KvStore store;
  private JettyTestServer server;
  private final BlockingQueue<RenEvent> events = new LinkedBlockingQueue<>();
  private Registration listener;

  @BeforeEach
  void start() {
    hub = RenHub.create();
    store = KvStore.builder(hub).ticker(nanos::get).scheduler(Scheduler.disabledScheduler())
        .executor(Runnable::run).clock(Clock.fixed(WALL, ZoneOffset.UTC)).build();
    listener = hub.listen(RenFilter.parse("kv"), (id, e) -> events.add(e));
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/kv/*", new KvServlet(store, 1_000)).start();
  }

  @AfterEach
  void stop() {
    server.close();
    listener.close();
    store.close();
    hub.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers)
      throws IOException, InterruptedException {
    return send(server, method, path, body, headers);
  }

  private HttpResponse<String> send(JettyTestServer to, String method, String path, String body,
      String... headers) throws IOException, InterruptedException {
    return http.send(KvRequests.of(to.uri(path), method, body, headers),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static JsonNode json(String s) {
    return TestJson.parse(s);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private RenEvent nextEvent() throws InterruptedException {
    RenEvent e = events.poll(10, TimeUnit.SECONDS);
    assertNotNull(e, "no event within 10 s");
    return e;
  }

  /** Proves no event was emitted before it: events arrive in order, so the sentinel must come next. */
  private void assertNoEventsThenSentinel() throws Exception {
    store.namespace("sentinel").put("s", "s");
    RenEvent e = nextEvent();
    assertEquals("sentinel", e.ns(), "unexpected event " + e);
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    JsonNode b = json(r.body());
    assertEquals(code, b.path("error").asText(), r.body());
    assertFalse(b.path("message").asText().isEmpty());
  }

  // ------------------------------------------------------------------ happy paths

  @Test
  void put_thenGet_returnsStoredJsonExactly() throws Exception {
    String value = "{\"title\":\"café ☕\",\"done\":false,\"tags\":[\"a\",1,null],\"n\":{\"x\":1.5}}";
    HttpResponse<String> put = send("PUT", "/api/kv/demo/todo:1", value, "X-Ren-Client", "c1");
    assertEquals(200, put.statusCode(), put.body());
    assertTrue(json(put.body()).path("success").asBoolean());

    HttpResponse<String> get = send("GET", "/api/kv/demo/todo:1", null);

    assertEquals(200, get.statusCode());
    assertEquals(value, get.body());
    RenEvent e = nextEvent();
    assertEquals(EventTypes.KV_PUT, e.t());
    assertEquals("todo:1", e.k());
    assertEquals("c1", e.src());
    assertEquals(json(put.body()).path("version").asText(), e.v());
  }

  @Test
  void put_scalarValues_storedAsJson() throws Exception {
    for (String v : List.of("\"text\"", "42", "true", "null", "[]")) {
      assertEquals(200, send("PUT", "/api/kv/demo/k", v).statusCode());
      assertEquals(v, send("GET", "/api/kv/demo/k", null).body());
    }
  }

  @Test
  void get_absent_404Json() throws Exception {
    assertError(send("GET", "/api/kv/demo/nope", null), 404, "not_found");
  }

  @Test
  void keys_withSlashColonUnicode_rawOrPercentEncoded_sameKey() throws Exception {
    String key = "users/42:profile/ünï 😀";
    HttpResponse<String> put = send("PUT", "/api/kv/demo/" + enc(key), "1");
    assertEquals(200, put.statusCode(), put.body());
    assertEquals(key, nextEvent().k());

    // slashes raw instead of %2F
    String rawSlashes = "/api/kv/demo/users/42:profile/" + enc("ünï 😀");
    assertEquals("1", send("GET", rawSlashes, null).body());
    assertEquals("1", store.namespace("demo").getString(key).orElseThrow());

    JsonNode list = json(send("POST", "/api/kv/demo", "{\"prefix\":\"users/\"}").body());
    assertEquals(key, list.path("result").get(0).path("name").asText());

    assertEquals(200, send("DELETE", rawSlashes, null).statusCode());
    RenEvent del = nextEvent();
    assertEquals(EventTypes.KV_DELETE, del.t());
    assertEquals(key, del.k());
  }

  @Test
  void put_withXTtl_listShowsExpiration_getAbsentAtOnceAfterDeadline() throws Exception {
    assertEquals(200, send("PUT", "/api/kv/demo/session", "\"t\"", "X-TTL", "60").statusCode());
    JsonNode list = json(send("POST", "/api/kv/demo", "{}").body());
    assertEquals(WALL.getEpochSecond() + 60, list.path("result").get(0).path("expiration").asLong());

    nanos.addAndGet(Duration.ofSeconds(60).toNanos());

    assertError(send("GET", "/api/kv/demo/session", null), 404, "not_found");
    assertEquals(0, json(send("POST", "/api/kv/demo", "{}").body()).path("result").size());
  }

  @Test
  void delete_presentAndAbsent_eventOnlyWhenRemoved() throws Exception {
    send("PUT", "/api/kv/demo/k", "1");
    assertEquals(EventTypes.KV_PUT, nextEvent().t());

    HttpResponse<String> first = send("DELETE", "/api/kv/demo/k", null);
    HttpResponse<String> second = send("DELETE", "/api/kv/demo/k", null);

    assertTrue(json(first.body()).path("deleted").asBoolean());
    assertEquals(200, second.statusCode());
    assertFalse(json(second.body()).path("deleted").asBoolean());
    assertEquals(EventTypes.KV_DELETE, nextEvent().t());
    assertNoEventsThenSentinel();
  }

  @Test
  void list_paginates_withCursorUntilNull() throws Exception {
    KvNamespace ns = store.namespace("demo");
    for (int i = 0; i < 7; i++) {
      ns.put("k" + i, "v");
    }
    ns.put("other", "v");
    List<String> names = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      String body = "{\"prefix\":\"k\",\"limit\":3" + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\"") + "}";
      HttpResponse<String> r = send("POST", "/api/kv/demo", body);
      assertEquals(200, r.statusCode(), r.body());
      JsonNode page = json(r.body());
      page.path("result").forEach(it -> {
        names.add(it.path("name").asText());
        assertTrue(it.path("expiration").isMissingNode(), "no TTL → no expiration field");
      });
      JsonNode c = page.path("result_info").path("cursor");
      assertTrue(c.isNull() || c.isTextual(), r.body());
      cursor = c.isNull() ? null : c.asText();
      pages++;
    } while (cursor != null);
    assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6"), names);
    assertEquals(3, pages);
  }

  @Test
  void list_emptyBody_listsAll() throws Exception {
    store.namespace("demo").put("a", "1");
    HttpResponse<String> r = send("POST", "/api/kv/demo", null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"result\":[{\"name\":\"a\"}],\"result_info\":{\"cursor\":null}}", r.body());
  }

  // ------------------------------------------------------------------ applied but not published

  @Test
  void putAndDelete_publishFails_503NotPublishedAppliedTrue_changeStands() throws Exception {
    RecordingPublisher failing = new RecordingPublisher();
    try (KvStore s = KvStore.builder(failing).scheduler(Scheduler.disabledScheduler()).build();
        JettyTestServer srv = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
            .filter("/*", new RenClientFilter())
            .servlet("/api/kv/*", new KvServlet(s)).start()) {
      failing.failWith(new EventLogUnavailableException("event log unreachable"));

      HttpResponse<String> put = send(srv, "PUT", "/api/kv/demo/k", "{\"a\":1}", "X-Ren-Client", "c1");

      assertNotPublished(put);
      HttpResponse<String> get = send(srv, "GET", "/api/kv/demo/k", null);
      assertEquals(200, get.statusCode(), "the put was applied");
      assertEquals("{\"a\":1}", get.body());

      HttpResponse<String> delete = send(srv, "DELETE", "/api/kv/demo/k", null);

      assertNotPublished(delete);
      assertError(send(srv, "GET", "/api/kv/demo/k", null), 404, "not_found");
      assertEquals(0, failing.size(), "nothing was published");
    }
  }

  private static void assertNotPublished(HttpResponse<String> r) {
    assertError(r, 503, "not_published");
    assertTrue(json(r.body()).path("applied").asBoolean(), r.body());
  }

  // ------------------------------------------------------------------ bad input: 4xx JSON, store unchanged

  @Test
  void put_invalidJson_400AndStoreUnchanged() throws Exception {
    store.namespace("demo").put("k", "original");
    nextEvent();
    for (String bad : List.of("{\"a\":", "not json", "{'a':1}", "", "  \n", "{\"a\":1} xyz", "{} {}", "1 2",
        "[1e400]", "NaN", "[".repeat(101) + "]".repeat(101))) {
      assertError(send("PUT", "/api/kv/demo/k", bad), 400, "invalid_json");
    }
    assertError(send("PUT", "/api/kv/demo/k", null), 400, "invalid_json"); // no body, no Content-Type
    assertEquals("original", store.namespace("demo").getString("k").orElseThrow());
    assertNoEventsThenSentinel();
  }

  @Test
  void put_nestedAsDeepAsJsonServletAllows_storedCompact() throws Exception {
    // the store checks the body's text itself now (no tree): its depth rule must be the binding's
    String spaced = " [ ".repeat(MAX_JSON_DEPTH) + " ] ".repeat(MAX_JSON_DEPTH);

    assertEquals(200, send("PUT", "/api/kv/demo/deep", spaced).statusCode());

    assertEquals("[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH), send("GET", "/api/kv/demo/deep", null)
        .body());
    assertEquals("deep", nextEvent().k());
  }

  @Test
  void put_badXTtl_400AndStoreUnchanged() throws Exception {
    for (String bad : List.of("-5", "abc", "1.5", "0", "", " ", "1e3", "99999999999999999999999",
        Long.toString(KvNamespace.MAX_TTL.getSeconds() + 1), "0x10")) {
      assertError(send("PUT", "/api/kv/demo/k", "1", "X-TTL", bad), 400, "invalid_ttl");
    }
    assertError(send("PUT", "/api/kv/demo/k", "1", "X-TTL", "5", "X-TTL", "6"), 400, "invalid_ttl");
    assertTrue(store.namespace("demo").get("k").isEmpty());
    assertNoEventsThenSentinel();
  }

  @Test
  void emptyKey_400() throws Exception {
    for (String m : List.of("GET", "PUT", "DELETE")) {
      assertError(send(m, "/api/kv/demo/", m.equals("PUT") ? "1" : null), 400, "invalid_key");
      assertError(send(m, "/api/kv/demo", m.equals("PUT") ? "1" : null), 400, "invalid_key");
    }
    assertNoEventsThenSentinel();
  }

  @Test
  void badNamespace_400() throws Exception {
    List<String> bad = List.of("bad%20ns", "x".repeat(65), "caf%C3%A9", "a%3Ab", "a%2Fb");
    for (String ns : bad) {
      assertError(send("PUT", "/api/kv/" + ns + "/k", "1"), 400, "invalid_namespace");
      assertError(send("GET", "/api/kv/" + ns + "/k", null), 400, "invalid_namespace");
      assertError(send("POST", "/api/kv/" + ns, "{}"), 400, "invalid_namespace");
    }
    assertError(send("PUT", "/api/kv/", "1"), 400, "invalid_namespace");
    assertNoEventsThenSentinel();
  }

  @Test
  void error_answeredBeforeBodyArrived_saysConnectionClose() throws Exception {
    // the body never comes: the server refuses from the path alone and then cannot reuse the connection, so it
    // must say so, or a keep-alive client sends its next request into a closing socket (a flaky EOF before)
    try (Socket s = rawConnection()) {
      writeRaw(s, "PUT /api/kv/bad%20ns/k HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n");
      String response = readResponse(s);
      assertTrue(response.startsWith("HTTP/1.1 400 "), response);
      assertTrue(response.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n"), response);
      assertTrue(response.contains("invalid_namespace"), response);
    }
  }

  @Test
  void put_notJsonMediaType_415AndStoreUnchanged() throws Exception {
    store.namespace("demo").put("k", "original");
    nextEvent();
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
      assertError(send("PUT", "/api/kv/demo/k", "\"cross-site\"", "Content-Type", type), 415,
          "unsupported_media_type");
    }
    assertEquals("original", store.namespace("demo").getString("k").orElseThrow());
    assertNoEventsThenSentinel();
  }

  @Test
  void error_afterBodyWasRead_keepsConnectionForTheNextRequest() throws Exception {
    try (Socket s = rawConnection()) {
      writeRaw(s, "PUT /api/kv/demo/k HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\nnot json");
      String first = readResponse(s);
      assertTrue(first.startsWith("HTTP/1.1 400 "), first);
      assertTrue(first.contains("invalid_json"), first);
      assertFalse(first.toLowerCase(Locale.ROOT).contains("connection: close"), first);
      writeRaw(s, "GET /api/kv/demo/missing HTTP/1.1\r\nHost: t\r\n\r\n");
      assertTrue(readResponse(s).startsWith("HTTP/1.1 404 "), "second request answered on the same connection");
    }
    assertNoEventsThenSentinel();
  }

  private Socket rawConnection() throws IOException {
    Socket s = new Socket("127.0.0.1", server.uri("/").getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  private static void writeRaw(Socket s, String request) throws IOException {
    s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
  }

  /** One response: the head up to the blank line, then Content-Length bytes of body. */
  private static String readResponse(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    Matcher m = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(head);
    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  @Test
  void badKey_tooLongOrNul_400() throws Exception {
    assertError(send("PUT", "/api/kv/demo/" + "k".repeat(513), "1"), 400, "bad_request");
    // Jetty itself refuses NUL in the URI; whoever answers, it is a 400 that stores nothing
    assertEquals(400, send("PUT", "/api/kv/demo/a%00b", "1").statusCode());
    assertNoEventsThenSentinel();
  }

  @Test
  void put_bodyOverLimit_413AndStoreUnchanged() throws Exception {
    store.namespace("demo").put("k", "original");
    nextEvent();
    String big = "\"" + "x".repeat(1_000) + "\"";

    assertError(send("PUT", "/api/kv/demo/k", big), 413, "payload_too_large");

    assertEquals("original", store.namespace("demo").getString("k").orElseThrow());
    assertNoEventsThenSentinel();
  }

  @Test
  void list_badQuery_400() throws Exception {
    for (String bad : List.of("{\"limit\":0}", "{\"limit\":1001}", "{\"limit\":\"10\"}", "{\"limit\":2.5}",
        "{\"prefix\":5}", "{\"cursor\":\"garbage\"}", "{\"cursor\":7}", "[1]", "{bad")) {
      HttpResponse<String> r = send("POST", "/api/kv/demo", bad);
      assertEquals(400, r.statusCode(), bad + " → " + r.body());
      assertFalse(json(r.body()).path("message").asText().isEmpty());
    }
  }

  @Test
  void post_withKey_405() throws Exception {
    assertError(send("POST", "/api/kv/demo/k", "{}"), 405, "method_not_allowed");
  }
}
