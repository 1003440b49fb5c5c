package dev.ren.servlet.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.ren.kv.KvStore;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, finding 3 over HTTP: the store's bounds are measured as stored (compact JSON), a value over the value
 * limit is {@code 413 payload_too_large}, a full store is {@code 507 insufficient_storage}; neither stores nor
 * publishes anything, and a delete makes room again.
 */
class KvServletBoundsTest {

  private static final int MIB = 1 << 20;

  private final HttpClient http = HttpClient.newHttpClient();
  private final RecordingPublisher rec = new RecordingPublisher();
  private KvStore store;
  private JettyTestServer server;

  private void start(KvStore.Builder builder, long maxBody) {
    store = builder.scheduler(Scheduler.disabledScheduler()).executor(Runnable::run).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .servlet("/api/kv/*", new KvServlet(store, maxBody)).start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /**
   * Sends with {@code Expect: 100-continue}, so the body waits for the server: a body the server refuses by its
   * declared length is then never in flight when the server answers and closes (the race a plain send loses now and
   * then, as a reset instead of the answer).
   */
  private HttpResponse<String> sendExpecting(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
        .expectContinue(true).method(method, HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers()
        .toString());
    JsonNode b = TestJson.parse(r.body());
    assertEquals(code, b.path("error").asText(), r.body());
    assertFalse(b.path("message").asText().isEmpty());
  }

  /** {@code [{},{},...]} of exactly {@code bytes} bytes (odd), the shape that cost ~29 MB of heap per MB. */
  private static String emptyObjects(int bytes) {
    StringBuilder sb = new StringBuilder(bytes).append("[{}");
    while (sb.length() < bytes - 1) {
      sb.append(",{}");
    }
    return sb.append(']').toString();
  }

  @Test
  void put_megabyteOfEmptyObjects_costsItsSizeNotThirtyTimes() throws Exception {
    // room for two such values as stored, and nowhere near for one as a Jackson tree (~30 MB)
    start(KvStore.builder(rec).maxValueBytes(2 * MIB).maxTotalBytes(2 * MIB + 4096), 2 * MIB);
    String value = emptyObjects(MIB - 1);

    assertEquals(200, send("PUT", "/api/kv/demo/a", value).statusCode());
    assertEquals(200, send("PUT", "/api/kv/demo/b", value).statusCode());
    HttpResponse<String> get = send("GET", "/api/kv/demo/a", null);
    assertEquals(200, get.statusCode());
    assertEquals(value, get.body(), "GET returns the stored JSON as it was put");

    assertError(send("PUT", "/api/kv/demo/c", value), 507, "insufficient_storage");
    assertError(send("GET", "/api/kv/demo/c", null), 404, "not_found");
  }

  @Test
  void put_bodyLongerThanLimitButCompactShorter_acceptedAsStored() throws Exception {
    start(KvStore.builder(rec).maxValueBytes(1000), 100_000);
    String spaced = "[" + "1,   ".repeat(10_000 / 5 - 1) + "1]"; // ~10 KB of body, 3999 bytes compact
    String compact = TestJson.parse(spaced).toString();
    assertTrue(compact.length() > 1000);

    // over the value limit as stored: refused whatever the body looked like
    assertError(send("PUT", "/api/kv/demo/k", spaced), 413, "payload_too_large");

    String airy = "{" + " ".repeat(5000) + "\"a\"  :  [ 1 ,  2 ]" + " ".repeat(5000) + "}";
    assertEquals(200, send("PUT", "/api/kv/demo/k", airy).statusCode());
    assertEquals("{\"a\":[1,2]}", send("GET", "/api/kv/demo/k", null).body());
  }

  @Test
  void list_queryOverSixteenKiB_413BeforeItBecomesATree() throws Exception {
    start(KvStore.builder(rec), MIB);
    assertEquals(200, send("PUT", "/api/kv/demo/a", "1").statusCode());
    // 32 KiB: over the 16 KiB bound, and small enough that the client has sent it all before the early 413 closes
    // the connection (a 1 MiB body raced that close and sometimes saw a reset instead of the answer)
    String bulky = "{\"prefix\":\"a\",\"junk\":" + emptyObjects(32 << 10) + "}";

    assertError(sendExpecting("POST", "/api/kv/demo", bulky), 413, "payload_too_large");

    String prefix = "é".repeat(512); // the longest prefix, escaped as \\u00e9: still far below the bound
    String query = "{\"prefix\":\"" + prefix.replace("é", "\\u00e9") + "\",\"limit\":10}";
    assertEquals(200, send("POST", "/api/kv/demo", query).statusCode());
    assertEquals("a", TestJson.parse(send("POST", "/api/kv/demo", "{\"prefix\":\"a\"}").body()).path("result")
        .path(0).path("name").asText());
  }

  @Test
  void put_valueOverLimit_413AndNothingStoredOrPublished() throws Exception {
    start(KvStore.builder(rec).maxValueBytes(100), 10_000);
    String big = "\"" + "x".repeat(99) + "\""; // 101 bytes

    HttpResponse<String> r = send("PUT", "/api/kv/demo/k", big);

    assertError(r, 413, "payload_too_large");
    assertTrue(r.body().contains("limit is 100"), r.body());
    assertError(send("GET", "/api/kv/demo/k", null), 404, "not_found");
    assertTrue(rec.events().isEmpty(), rec.events().toString());
  }

  @Test
  void put_fullStore_507AndNothingStored_deleteMakesRoom() throws Exception {
    start(KvStore.builder(rec).maxEntries(2), 10_000);
    assertEquals(200, send("PUT", "/api/kv/demo/a", "1").statusCode());
    assertEquals(200, send("PUT", "/api/kv/other/b", "2").statusCode());
    rec.drain();

    HttpResponse<String> full = send("PUT", "/api/kv/demo/c", "3");

    assertError(full, 507, "insufficient_storage");
    assertTrue(full.body().contains("limit is 2"), full.body());
    assertError(send("GET", "/api/kv/demo/c", null), 404, "not_found");
    assertTrue(rec.events().isEmpty(), rec.events().toString());
    // replacing a value needs no new entry
    assertEquals(200, send("PUT", "/api/kv/demo/a", "11").statusCode());

    assertEquals(200, send("DELETE", "/api/kv/demo/a", null).statusCode());
    assertEquals(200, send("PUT", "/api/kv/demo/c", "3").statusCode());
    assertEquals("3", send("GET", "/api/kv/demo/c", null).body());
  }

  @Test
  void put_fullStoreOfBytes_507() throws Exception {
    start(KvStore.builder(rec).maxTotalBytes(3000), 10_000);
    String fill = "\"" + "x".repeat(2000) + "\"";
    assertEquals(200, send("PUT", "/api/kv/demo/a", fill).statusCode());

    assertError(send("PUT", "/api/kv/demo/b", fill), 507, "insufficient_storage");
    assertError(send("GET", "/api/kv/demo/b", null), 404, "not_found");
  }
}
