package dev.ren.servlet.dropin;

import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenServlet;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RenThreads;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestImages;
import dev.ren.testing.Waits;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drop-in registration, run by the container exactly as in a WAR: which endpoints each ren.bindings yields. */
class RenInitializerTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  /** One request per binding that only that binding answers (with JSON; the container's 404 page is HTML). */
  static final Map<Binding, String> PROBES = Map.of(
      Binding.KV, "/api/kv/demo/none",
      Binding.DB, "/api/db/todos/findOne",
      Binding.STORAGE, "/api/storage",
      Binding.TRANSFORMS, "/api/media/transforms/jobs/none",
      Binding.REALTIME, "/api/realtime/channels");

  @TempDir
  Path data;
  final HttpClient http = HttpClient.newHttpClient();

  /**
   * A server whose context runs the initializer with these context parameters (name, value, ...), in open mode
   * ({@code ren.access=open}) unless they set {@code ren.access}: these tests are about which endpoints exist;
   * {@link RenInitializerAccessTest} is about who may use them.
   */
  static JettyTestServer server(String... params) {
    JettyTestServer s = bare(params);
    if (s.context().getInitParameter("ren.access") == null) {
      s.context().setInitParameter("ren.access", "open");
    }
    return s;
  }

  /** A server whose context runs the initializer with exactly these context parameters. */
  static JettyTestServer bare(String... params) {
    JettyTestServer s = new JettyTestServer();
    ServletContextHandler ctx = s.context();
    for (int i = 0; i < params.length; i += 2) {
      ctx.setInitParameter(params[i], params[i + 1]);
    }
    ctx.addServletContainerInitializer(new RenInitializer());
    return s;
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Whether REN's binding answered its probe (JSON), rather than the container (no mapping). */
  boolean served(JettyTestServer s, Binding b) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(s.uri(PROBES.get(b))));
    return r.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "kv", "db", "storage", "transforms", "realtime", "kv,db,storage,transforms,realtime",
      " realtime , kv "})
  void onStartup_bindingsNamed_registersStreamAndExactlyThose(String bindings) throws Exception {
    Set<String> named = Arrays.stream(bindings.split(",")).map(String::trim).filter(n -> !n.isEmpty())
        .collect(Collectors.toSet());
    try (JettyTestServer s = server("ren.bindings", bindings, "ren.dataDir", data.toString()).start();
         SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren"))) {
      assertEquals(200, c.status());
      c.next("ren.meta", WAIT);
      for (Binding b : Binding.values()) {
        assertEquals(named.contains(b.id()), served(s, b), b.id() + " registered iff named in '" + bindings + "'");
      }
      assertEquals(named.contains("db"), Files.exists(data.resolve("ren.mv.db")), "H2 only when db is named");
      assertEquals(named.contains("storage") || named.contains("transforms"), Files.exists(data.resolve("blobs")),
          "the blob directory only when storage or transforms is named");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "kv", "realtime", "kv,realtime"})
  void onStartup_bindingsWithoutDiskAndNoDataDir_start(String bindings) throws Exception {
    try (JettyTestServer s = server("ren.bindings", bindings).start();
         SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren"))) {
      c.next("ren.meta", WAIT);
    }
  }

  @Test
  void onStartup_everyBinding_eventsOfEachReachTheStream() throws Exception {
    try (JettyTestServer s = server("ren.bindings", "kv,db,storage,transforms,realtime", "ren.dataDir",
        data.toString(), "ren.heartbeatSeconds", "1").start();
         SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren?s=*"))) {
      c.next("ren.meta", WAIT);
      writeThroughEveryBinding(s, c);
      assertTrue(Files.exists(data.resolve("blobs")), "blobs live under ren.dataDir");
      assertTrue(Files.exists(data.resolve("ren.mv.db")), "H2 lives at jdbc:h2:<ren.dataDir>/ren");
      Waits.until(() -> c.comments() >= 1); // heartbeat interval from ren.heartbeatSeconds
    }
  }

  @Test
  void contextDestroyed_afterEveryBindingRan_noRenThreadSurvives() throws Exception {
    RenThreads threads = RenThreads.snapshot();
    JettyTestServer s = server("ren.bindings", "kv,db,storage,transforms,realtime", "ren.dataDir", data.toString())
        .start();
    try (SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren?s=*"))) {
      c.next("ren.meta", WAIT);
      writeThroughEveryBinding(s, c);
      assertFalse(threads.started().isEmpty(), "the bindings started REN threads");
    } finally {
      s.close();
    }
    threads.awaitNoneLeft(WAIT);
  }

  /** A write through each binding, and its event on {@code c}: every store's threads have run afterwards. */
  void writeThroughEveryBinding(JettyTestServer s, SseTestClient c) throws Exception {
    assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/kv/demo/a"))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("1"))).statusCode());
    assertEquals("kv.put", c.next(WAIT).type());
    HttpResponse<String> doc = send(HttpRequest.newBuilder(s.uri("/api/db/todos"))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"title\":\"x\"}")));
    assertEquals(200, doc.statusCode(), doc.body());
    assertEquals("db.document.created", c.next(WAIT).type());
    assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/storage/img%2Fa.png"))
        .header("Content-Type", "image/png").PUT(HttpRequest.BodyPublishers.ofByteArray(TestImages.png(16, 16)))).statusCode());
    assertEquals("storage.put", c.next(WAIT).type());
    HttpResponse<String> job = send(HttpRequest.newBuilder(s.uri("/api/media/transforms/thumbnail"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"srcKey\":\"img/a.png\",\"opts\":{\"size\":\"8\"}}")));
    assertEquals(202, job.statusCode(), job.body());
    c.next("transform.complete", WAIT);
    assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/realtime/presence/room/join"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"u1\",\"metadata\":{}}"))).statusCode());
    c.next("presence.join", WAIT);
    assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/realtime/publish"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"room\",\"data\":{\"x\":1}}"))).statusCode());
    c.next("realtime.message", WAIT);
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
      assertFalse(hub.isClosed(), "the application's hub is the application's to close");
      assertEquals(hub, s.context().getServletContext().getAttribute(RenServlet.HUB_ATTRIBUTE),
          "the application's attribute is left in place");
    }
  }

  @Test
  void onStartup_existingStoreInContext_isUsedWithoutDataDirAndNotClosed() throws Exception {
    try (RenHub hub = RenHub.create(); DocumentStore db = DocumentStore.h2InMemory(hub)) {
      JettyTestServer s = server("ren.bindings", "db");
      s.context().setAttribute(RenServlet.HUB_ATTRIBUTE, hub);
      s.context().setAttribute(DocumentStore.class.getName(), db);
      s.start();
      try {
        assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/db/todos"))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString("{\"_id\":\"t1\"}"))).statusCode());
      } finally {
        s.close();
      }
      assertTrue(db.collection("todos").get("t1").isPresent(), "the application's store was used and is open");
    }
  }

  @Test
  void contextDestroyed_createdAttributes_areRemoved() throws Exception {
    JettyTestServer s = server("ren.bindings", "kv,realtime").start();
    jakarta.servlet.ServletContext ctx = s.context().getServletContext();
    assertTrue(ctx.getAttribute(RenServlet.HUB_ATTRIBUTE) instanceof RenHub, "the created hub is published");
    RenHub hub = (RenHub) ctx.getAttribute(RenServlet.HUB_ATTRIBUTE);
    s.close();
    assertTrue(hub.isClosed(), "the hub the initializer created is closed with the context");
    assertNull(ctx.getAttribute(RenServlet.HUB_ATTRIBUTE), "a restarted context must not find a closed hub");
    assertNull(ctx.getAttribute("dev.ren.kv.KvStore"));
    assertNull(ctx.getAttribute("dev.ren.realtime.Realtime"));
  }

  @Test
  void onStartup_publishRateSet_callerOverItGets429WithRetryAfter() throws Exception {
    try (JettyTestServer s = server("ren.bindings", "realtime", "ren.realtimePublishRate", "1/2").start()) {
      HttpRequest.Builder publish = HttpRequest.newBuilder(s.uri("/api/realtime/publish"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"room\",\"data\":1}"));
      assertEquals(200, send(publish).statusCode());
      assertEquals(200, send(publish).statusCode());
      HttpResponse<String> third = send(publish);
      assertEquals(429, third.statusCode(), third.body());
      assertTrue(third.headers().firstValue("Retry-After").isPresent());
    }
  }

  @Test
  void onStartup_storageEventNamesObject_streamsCarryObjectNamesOnly() throws Exception {
    try (JettyTestServer s = server("ren.bindings", "storage", "ren.dataDir", data.toString(),
        "ren.storageEventNames", "object").start();
         SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren"))) {
      c.next("ren.meta", WAIT);
      for (int i = 0; i < 2; i++) {
        assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/storage/n.txt")).header("Content-Type", "text/plain")
            .PUT(HttpRequest.BodyPublishers.ofString("v" + i))).statusCode());
      }
      assertEquals("storage.object.created", c.next(WAIT).type());
      assertEquals("storage.object.updated", c.next(WAIT).type());
    }
  }

  @Test
  void onStartup_storageEventNamesDefault_bothNamesWithOneId() throws Exception {
    try (JettyTestServer s = server("ren.bindings", "storage", "ren.dataDir", data.toString()).start();
         SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren"))) {
      c.next("ren.meta", WAIT);
      assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/storage/n.txt")).header("Content-Type", "text/plain")
          .PUT(HttpRequest.BodyPublishers.ofString("v"))).statusCode());
      SseTestClient.Event put = c.next(WAIT);
      SseTestClient.Event created = c.next(WAIT);
      assertEquals("storage.put", put.type());
      assertEquals("storage.object.created", created.type());
      assertEquals(put.id(), created.id());
    }
  }

  @Test
  void onStartup_customPath_isHonoured() throws Exception {
    try (JettyTestServer s = server("ren.path", "/events").start();
         SseTestClient c = SseTestClient.open(s.uri("/events?s=*"))) {
      c.next("ren.meta", WAIT);
    }
  }

  @Test
  void onStartup_disabled_registersNothing() throws Exception {
    RenThreads threads = RenThreads.snapshot();
    try (JettyTestServer s = server("ren.enabled", "false", "ren.bindings", "kv,db", "ren.history", "ignored when off")
        .start()) {
      assertEquals(404, send(HttpRequest.newBuilder(s.uri("/api/maravilla/ren"))).statusCode());
      assertFalse(served(s, Binding.KV));
      assertNull(s.context().getServletContext().getAttribute(RenServlet.HUB_ATTRIBUTE));
      assertTrue(threads.started().isEmpty(), "nothing started: " + threads.started());
    }
  }
}
