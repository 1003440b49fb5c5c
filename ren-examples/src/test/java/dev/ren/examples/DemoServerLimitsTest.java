package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.ManualClock;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 finding 7: connections that trickle a request body (one byte now and then) took every request thread,
 * and every other request timed out. Here more trickling connections than the pool has threads are open while an
 * ordinary request is served, and once the grace has passed on the (manual) clock each trickler's next byte gets
 * it cut with a JSON 408 and a closed connection.
 */
class DemoServerLimitsTest {

  static final int THREADS = 16;
  static final int TRICKLERS = 40;
  static final Duration GRACE = Duration.ofSeconds(10);

  @TempDir
  Path data;

  @Test
  void tricklingBodies_moreThanThreads_doNotStarveOthersAndAreCut() throws Exception {
    ManualClock clock = new ManualClock(0);
    Limits limits = Limits.defaults().withThreads(THREADS).withBodyRate(1024, GRACE);
    DemoServer.Options o = DemoServer.Options.parse("--port", "0", "--data", data.toString());
    List<RawHttp> tricklers = new ArrayList<>();
    try (DemoServer demo = new DemoServer(o, limits, clock.nanoSource()).start()) {
      for (int i = 0; i < TRICKLERS; i++) {
        tricklers.add(new RawHttp(demo.uri(), Duration.ofSeconds(10)).send("PUT /api/kv/demo/slow" + i
            + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n1"));
      }
      Waits.until(() -> demo.requestsSeen() >= TRICKLERS);

      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> ok = http.send(HttpRequest.newBuilder(demo.uri().resolve("/api/kv/demo/fast"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
          .PUT(HttpRequest.BodyPublishers.ofString("{\"n\":1}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode(), ok.body());

      clock.advance(GRACE.plusSeconds(1));
      for (RawHttp t : tricklers) {
        RawHttp.Reply r = t.send("2").read();
        assertEquals(408, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.headers().toString());
        JsonNode body = TestJson.parse(r.body());
        assertEquals("request_timeout", body.get("error").asText(), r.body());
        assertTrue(t.closedByServer(), "the connection of a cut body is closed");
      }
      HttpResponse<String> after = http.send(HttpRequest.newBuilder(demo.uri().resolve("/api/kv/demo/fast"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, after.statusCode(), after.body());
    } finally {
      for (RawHttp t : tricklers) {
        t.close();
      }
    }
  }

  @Test
  void body_fastAfterTheGrace_isNotCut() throws Exception {
    ManualClock clock = new ManualClock(0);
    DemoServer.Options o = DemoServer.Options.parse("--port", "0", "--data", data.toString());
    try (DemoServer demo = new DemoServer(o, Limits.defaults().withBodyRate(1024, GRACE), clock.nanoSource())
        .start();
         RawHttp c = new RawHttp(demo.uri(), Duration.ofSeconds(10))) {
      String value = "\"" + "x".repeat(30_000) + "\"";
      c.send("PUT /api/kv/demo/big HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + value.length() + "\r\n\r\n" + value.substring(0, 20_000));
      Waits.until(() -> demo.requestsSeen() >= 1);
      // 20 kB within a window of 11 s is well above 1 KiB/s
      clock.advance(GRACE.plusSeconds(1));
      RawHttp.Reply r = c.send(value.substring(20_000)).read();
      assertEquals(200, r.status(), r.body());
    }
  }

  @Test
  void limits_nonPositive_areRefusedNamingTheSetting() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Limits.defaults().withBodyRate(0, GRACE))
        .getMessage().contains("minBodyBytesPerSecond must be positive, was 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Limits.defaults().withThreads(4))
        .getMessage().contains("maxThreads must be >= 8, was 4"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Limits.defaults().withIdleTimeout(Duration.ZERO)).getMessage().contains("idleTimeout"));
  }
}
