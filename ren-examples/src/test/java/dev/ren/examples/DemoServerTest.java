package dev.ren.examples;

import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenServlet;
import dev.ren.testing.RenThreads;
import dev.ren.testing.SseTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoServerTest {

  @TempDir
  Path data;

  @Test
  void start_onEphemeralPort_servesStreamAndWebApp() throws Exception {
    DemoServer.Options o = DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1", "--data", data.toString());
    try (DemoServer demo = new DemoServer(o).start()) {
      HttpResponse<String> page = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(demo.uri().resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("<title>"), page.body());
      try (SseTestClient c = SseTestClient.open(demo.uri().resolve("/api/maravilla/ren?s=kv"))) {
        c.next("ren.meta", Duration.ofSeconds(10));
        RenHub hub = demo.hub();
        hub.publish(RenEvent.kvPut("demo", "todo:1", "1"));
        assertEquals("todo:1", c.next("kv.put", Duration.ofSeconds(10)).json().get("k").asText());
        HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            demo.uri().resolve("/api/kv/demo/todo%2Fslash")).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("1")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("todo/slash", c.next("kv.put", Duration.ofSeconds(10)).json().get("k").asText());
      }
    }
  }

  @Test
  void close_afterTrafficThroughEveryBinding_endsEveryRenThread() throws Exception {
    RenThreads threads = RenThreads.snapshot();
    DemoServer.Options o = DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1", "--data", data.toString());
    DemoServer demo = new DemoServer(o).start();
    try (SseTestClient c = SseTestClient.open(demo.uri().resolve("/api/maravilla/ren?s=*"))) {
      c.next("ren.meta", Duration.ofSeconds(10));
      new DemoTraffic(demo.uri()).writeThroughEveryBinding(c, "demo");
      assertFalse(threads.started().isEmpty(), "the traffic started REN threads");
    } finally {
      demo.close();
    }
    threads.awaitNoneLeft(Duration.ofSeconds(30));
    assertTrue(demo.hub().isClosed(), "the demo's hub is closed by close()");
    demo.close(); // idempotent
  }

  @Test
  void parse_repeatedOption_failsNamingTheFirstValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoServer.Options.parse("--port", "1", "--port", "2"));
    assertTrue(e.getMessage().startsWith("--port was already set to 1"), e.getMessage());
    assertTrue(e.getMessage().contains("usage:"), e.getMessage());
  }

  @Test
  void parse_badOptions_failWithUsage() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse("--port", "x"))
        .getMessage().contains("--port must be an integer"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse("--nope", "1"))
        .getMessage().contains("unknown option --nope"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse("--port"))
        .getMessage().contains("needs a value"));
    assertEquals(RenServlet.DEFAULT_PATH, "/api/maravilla/ren");
  }
}
