package dev.ren.servlet.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: HTTP request → KvServlet → store → hub → RenServlet → SSE bytes → a spec-compliant SSE parser. TTLs
 * run on a {@link ManualClock} (the real expiry thread is proven in ren-kv's {@code KvExpiryRealTimeTest}); the
 * size-bounded store is the default one.
 */
class KvSseTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newHttpClient();
  private final ManualClock clock = new ManualClock(1_767_225_600_000L);
  private RenHub hub;
  private KvStore store;
  private KvStore bounded;
  private JettyTestServer server;

  @BeforeEach
  void start() {
    hub = RenHub.create();
    // no scheduler: expiry runs when the cache is next used, on that request's thread
    store = KvStore.builder(hub).ticker(clock.nanoSource()::getAsLong).clock(clock)
        .scheduler(Scheduler.disabledScheduler()).build();
    bounded = KvStore.builder(hub).maximumSize(3).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet("/api/kv/*", new KvServlet(store, 1_000))
        .servlet("/bounded/kv/*", new KvServlet(bounded))
        .start();
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
    bounded.close();
    hub.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers)
      throws IOException, InterruptedException {
    return http.send(KvRequests.of(server.uri(path), method, body, headers),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private SseTestClient open(String filter) throws Exception {
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren?s=" + filter));
    assertEquals(200, c.status());
    assertEquals("ren.meta", c.next(WAIT).type());
    return c;
  }

  private static JsonNode data(SseTestClient.Event e) {
    return TestJson.parse(e.data());
  }

  @Test
  void putRePutDelete_streamCarriesPutPutDelete_withVersionsAndSrc() throws Exception {
    try (SseTestClient c = open("kv")) {
      HttpResponse<String> p1 = send("PUT", "/api/kv/demo/todo%2F1", "{\"t\":\"milk\"}", "X-Ren-Client", "tab-1");
      HttpResponse<String> p2 = send("PUT", "/api/kv/demo/todo%2F1", "{\"t\":\"eggs\"}", "X-Ren-Client", "tab-2");
      send("DELETE", "/api/kv/demo/todo%2F1", null, "X-Ren-Client", "tab-1");

      SseTestClient.Event e1 = c.next(WAIT);
      SseTestClient.Event e2 = c.next(WAIT);
      SseTestClient.Event e3 = c.next(WAIT);

      assertEquals("kv.put", e1.type());
      JsonNode d1 = data(e1);
      assertEquals("todo/1", d1.path("k").asText());
      assertEquals("demo", d1.path("ns").asText());
      assertEquals("tab-1", d1.path("src").asText());
      assertEquals(TestJson.parse(p1.body()).path("version").asText(), d1.path("v").asText());
      assertEquals("kv.put", e2.type(), "a put over an existing key is a put, never a delete");
      assertEquals("tab-2", data(e2).path("src").asText());
      assertEquals(TestJson.parse(p2.body()).path("version").asText(), data(e2).path("v").asText());
      assertTrue(data(e2).path("v").asLong() > d1.path("v").asLong());
      assertEquals("kv.delete", e3.type());
      assertEquals("todo/1", data(e3).path("k").asText());
      assertTrue(data(e3).path("data").isMissingNode(), "delete events carry the key only");
      assertTrue(e3.id() != null && !e3.id().isEmpty());
    }
  }

  @Test
  void deleteOfAbsentKey_andEveryBadRequest_emitNothing() throws Exception {
    try (SseTestClient c = open("kv")) {
      List<HttpResponse<String>> bad = List.of(
          send("DELETE", "/api/kv/demo/absent", null),
          send("PUT", "/api/kv/demo/k", "{broken"),
          send("PUT", "/api/kv/demo/k", "1", "X-TTL", "-1"),
          send("PUT", "/api/kv/demo/k", "1", "X-TTL", "soon"),
          send("PUT", "/api/kv/demo/k", "1", "X-TTL", "99999999999999999999"),
          send("PUT", "/api/kv/demo/", "1"),
          send("PUT", "/api/kv/bad%20ns/k", "1"),
          send("PUT", "/api/kv/demo/k", "\"" + "x".repeat(2_000) + "\""));
      assertEquals(List.of(200, 400, 400, 400, 400, 400, 400, 413), bad.stream().map(HttpResponse::statusCode).toList());

      send("PUT", "/api/kv/demo/sentinel", "1");

      SseTestClient.Event next = c.next(WAIT);
      assertEquals("kv.put", next.type());
      assertEquals("sentinel", data(next).path("k").asText(), "nothing may precede the sentinel");
      assertTrue(store.namespace("demo").get("k").isEmpty());
    }
  }

  @Test
  void putWithXTtl_kvExpiredArrivesWithoutSrcAndWithVersion() throws Exception {
    try (SseTestClient c = open("kv.expired")) {
      HttpResponse<String> put = send("PUT", "/api/kv/demo/session%3A9", "\"token\"", "X-TTL", "1",
          "X-Ren-Client", "tab-1");
      assertEquals(200, put.statusCode(), put.body());
      clock.advance(Duration.ofSeconds(1));

      // the read finds the entry past its deadline and runs the expiry on a request thread whose origin is tab-2
      assertEquals(404, send("GET", "/api/kv/demo/session%3A9", null, "X-Ren-Client", "tab-2").statusCode());
      SseTestClient.Event e = c.next(WAIT); // the filter lets only kv.expired through

      assertEquals("kv.expired", e.type());
      JsonNode d = data(e);
      assertEquals("session:9", d.path("k").asText());
      assertEquals(TestJson.parse(put.body()).path("version").asText(), d.path("v").asText());
      assertTrue(d.path("src").isMissingNode(), "kv.expired is system-caused: " + e.data());
    }
  }

  @Test
  void boundedStore_overflow_evictionsAnnounced() throws Exception {
    try (SseTestClient c = open("kv")) {
      for (int i = 0; i < 6; i++) {
        assertEquals(200, send("PUT", "/bounded/kv/demo/k" + i, "1").statusCode());
      }
      Set<String> evicted = new HashSet<>();
      int puts = 0;
      while (evicted.size() < 3 || puts < 6) { // maintenance runs async: the two kinds may interleave
        SseTestClient.Event e = c.next(WAIT);
        if (e.type().equals("kv.put")) {
          puts++;
        } else {
          assertEquals("kv.evicted", e.type(), e.data());
          assertTrue(data(e).path("src").isMissingNode(), e.data());
          evicted.add(data(e).path("k").asText());
        }
      }
      for (String k : evicted) {
        assertEquals(404, send("GET", "/bounded/kv/demo/" + k, null).statusCode(), k);
      }
      assertEquals(3, bounded.namespace("demo").list("", 10, null).keys().size());
    }
  }
}
