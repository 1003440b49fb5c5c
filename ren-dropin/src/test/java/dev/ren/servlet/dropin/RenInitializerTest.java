package dev.ren.servlet.dropin;

import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;

import dev.ren.hub.RenHub;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drop-in registration, run by the container exactly as in a WAR. */
class RenInitializerTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir
  Path data;
  final HttpClient http = HttpClient.newHttpClient();

  JettyTestServer server(String... params) {
    JettyTestServer s = new JettyTestServer().filter("/*", new RenClientFilter());
    ServletContextHandler ctx = s.context();
    ctx.setInitParameter("ren.dataDir", data.toString());
    for (int i = 0; i < params.length; i += 2) {
      ctx.setInitParameter(params[i], params[i + 1]);
    }
    ctx.addServletContainerInitializer(new RenInitializer());
    return s;
  }

  int status(JettyTestServer s, HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void onStartup_registersStreamAndEveryBindingPresent() throws Exception {
    try (JettyTestServer s = server("ren.heartbeatSeconds", "1").start();
         SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren?s=kv,storage,realtime,db"))) {
      c.next("ren.meta", WAIT);
      assertEquals(200, status(s, HttpRequest.newBuilder(s.uri("/api/kv/demo/a"))
          .PUT(HttpRequest.BodyPublishers.ofString("1"))));
      assertEquals("kv.put", c.next(WAIT).type());
      assertEquals(200, status(s, HttpRequest.newBuilder(s.uri("/api/storage/docs%2Fa.txt"))
          .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("hi"))));
      assertEquals("storage.put", c.next(WAIT).type());
      assertTrue(Files.exists(data.resolve("blobs")), "blobs live under ren.dataDir");
      assertEquals(200, status(s, HttpRequest.newBuilder(s.uri("/api/realtime/publish"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"room\",\"data\":{\"x\":1}}"))));
      assertEquals("realtime.message", c.next(WAIT).type());
      assertEquals(404, status(s, HttpRequest.newBuilder(s.uri("/api/media/transforms/jobs/none"))));
      assertEquals(200, status(s, HttpRequest.newBuilder(s.uri("/api/db/todos"))
          .header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"title\":\"x\"}"))));
      assertEquals("db.document.created", c.next(WAIT).type());
      assertTrue(Files.exists(data.resolve("ren.mv.db")), "H2 lives at jdbc:h2:<ren.dataDir>/ren");
      RenServletTest.awaitTrue(() -> c.comments() >= 1, "heartbeat interval from ren.heartbeatSeconds");
    }
  }

  @Test
  void onStartup_existingHubInContext_isUsedAndNotClosed() throws Exception {
    try (RenHub hub = RenHub.create()) {
      JettyTestServer s = server();
      s.context().setAttribute(RenServlet.HUB_ATTRIBUTE, hub);
      s.start();
      try (SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren"))) {
        assertEquals(hub.nodeId(), c.next("ren.meta", WAIT).json().get("node").asText());
      }
      s.close();
      assertTrue(!hub.isClosed(), "the application's hub is the application's to close");
    }
  }

  @Test
  void onStartup_customPathAndDisabled_areHonoured() throws Exception {
    try (JettyTestServer s = server("ren.path", "/events").start();
         SseTestClient c = SseTestClient.open(s.uri("/events?s=*"))) {
      c.next("ren.meta", WAIT);
    }
    try (JettyTestServer s = server("ren.enabled", "false").start()) {
      assertEquals(404, status(s, HttpRequest.newBuilder(s.uri("/api/maravilla/ren"))));
    }
  }

  @Test
  void onStartup_invalidParameter_failsStartupNamingIt() {
    JettyTestServer s = server("ren.history", "lots");
    Server jetty = s.server();
    IllegalStateException e = assertThrows(IllegalStateException.class, s::start);
    boolean named = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      named |= t.getMessage() != null && t.getMessage().contains("ren.history") && t.getMessage().contains("'lots'");
    }
    assertTrue(named, "a cause names the parameter and its value");
    try {
      jetty.stop();
    } catch (Exception ignored) {
      // already failed
    }
  }
}
