package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo without {@code --users}: open, and saying so in its log and to its page. */
class DemoUsersOpenModeTest {

  @TempDir
  Path data;

  @Test
  void start_withoutUsers_warnsItRunsOpenAndServesModeOpen() throws Exception {
    List<String> warnings = new CopyOnWriteArrayList<>();
    Logger logger = Logger.getLogger(DemoServer.class.getName()); // held strongly while the handler is on it
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(r.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    try (DemoServer demo = new DemoServer(DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1",
        "--data", data.toString())).start()) {
      assertTrue(warnings.stream().anyMatch(w -> w.contains("running OPEN") && w.contains("--users FILE")),
          warnings::toString);
      assertTrue(demo.security().isOpen());
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> config = http.send(HttpRequest.newBuilder(demo.uri().resolve("/demo/config")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, config.statusCode(), config.body());
      JsonNode c = TestJson.parse(config.body());
      assertEquals("open", c.get("mode").asText(), c.toString());
      assertFalse(c.has("tokenTtl"), "an open demo mints no tokens: " + c);
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(demo.uri().resolve("/api/kv/demo/todo:open"))
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("1")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, put.statusCode(), "open: anyone writes: " + put.body());
      HttpResponse<String> token = http.send(HttpRequest.newBuilder(demo.uri().resolve("/api/maravilla/ren/token"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(404, token.statusCode(), "no tokens in open mode: " + token.body());
    } finally {
      logger.removeHandler(handler);
    }
  }
}
