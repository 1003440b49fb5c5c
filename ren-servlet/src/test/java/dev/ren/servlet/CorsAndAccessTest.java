package dev.ren.servlet;

import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorsAndAccessTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  final HttpClient http = HttpClient.newHttpClient();
  RenHub hub = RenHub.create();
  JettyTestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    hub.close();
  }

  @Test
  void cors_allowedOrigin_echoedWithVaryAndCredentialsNeverStar() throws Exception {
    server = new JettyTestServer().filter("/*", new RenClientFilter(Cors.allow("http://localhost:5173")))
        .servlet("/api/maravilla/ren/*", new RenServlet(hub)).start();
    HttpResponse<Void> pre = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "last-event-id, x-ren-client").build(),
        HttpResponse.BodyHandlers.discarding());
    assertEquals(204, pre.statusCode());
    assertEquals("http://localhost:5173", pre.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
    assertEquals("true", pre.headers().firstValue("Access-Control-Allow-Credentials").orElseThrow());
    String allowed = pre.headers().firstValue("Access-Control-Allow-Headers").orElseThrow();
    for (String h : List.of("Authorization", "X-Ren-Client", "X-Tenant-Id", "X-TTL", "X-Metadata", "Content-Type",
        "Last-Event-ID")) {
      assertTrue(allowed.contains(h), h);
    }
    assertTrue(pre.headers().allValues("Vary").contains("Origin"));
  }

  @Test
  void cors_otherOrigin_getsNoAllowOriginButVary() throws Exception {
    server = new JettyTestServer().filter("/*", new RenClientFilter(Cors.allow("http://localhost:5173")))
        .servlet("/api/maravilla/ren/*", new RenServlet(hub)).start();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren/client.js"))
        .header("Origin", "http://evil.example").build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    assertTrue(r.headers().allValues("Vary").contains("Origin"));
  }

  @Test
  void cors_wildcardOrPath_isRejectedAtConfiguration() {
    assertThrows(IllegalArgumentException.class, () -> Cors.allow("*"));
    assertThrows(IllegalArgumentException.class, () -> Cors.allow("http://a.example/path"));
    assertTrue(Cors.parse(" ").origins().isEmpty());
    assertEquals(2, Cors.parse("http://a.example, https://b.example:8443").origins().size());
  }

  @Test
  void access_predicatePerConnection_filtersLiveAndReplayedEvents() throws Exception {
    RenAccess tenantOnly = req -> {
      String tenant = req.getHeader("X-Tenant-Id");
      if (tenant == null) {
        throw new SecurityException("X-Tenant-Id required");
      }
      return e -> e.ns() != null && e.ns().startsWith(tenant + ".");
    };
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/api/maravilla/ren/*",
        new RenServlet(hub, RenServletConfig.builder().access(tenantOnly).build())).start();
    String first = hub.publish(RenEvent.kvPut("a.todos", "1", "1"));
    hub.publish(RenEvent.kvPut("b.todos", "secret-replayed", "1"));
    hub.publish(RenEvent.kvPut("a.todos", "2", "1"));
    try (SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren"),
        Map.of("X-Tenant-Id", "a", "Last-Event-ID", first))) {
      c.next("ren.meta", WAIT);
      assertEquals("2", c.next(WAIT).json().get("k").asText());
      hub.publish(RenEvent.kvPut("b.todos", "secret-live", "1"));
      hub.publish(RenEvent.kvPut("a.todos", "3", "1"));
      assertEquals("3", c.next(WAIT).json().get("k").asText());
      assertNull(c.poll(Duration.ofMillis(200)));
      assertFalse(new String(c.rawBody(), java.nio.charset.StandardCharsets.UTF_8).contains("secret"));
    }
    HttpResponse<String> refused = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, refused.statusCode());
    assertTrue(refused.body().contains("X-Tenant-Id required"));
  }

  @Test
  void access_policyFailsUnexpectedly_isJson500WithoutDetails() throws Exception {
    RenAccess broken = req -> {
      throw new IllegalStateException("cannot read /secret/policy.json");
    };
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/api/maravilla/ren/*",
        new RenServlet(hub, RenServletConfig.builder().access(broken).build())).start();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(500, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.body());
    assertTrue(r.body().contains("internal_error"), r.body());
    assertFalse(r.body().contains("secret"), r.body());
    assertEquals(0, hub.subscriberCount());
  }

  @Test
  void stream_otherMethods_areJson405() throws Exception {
    server = new JettyTestServer().filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub)).start();
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "TRACE")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren"))
          .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(405, r.statusCode(), method);
      assertTrue(r.body().contains("method_not_allowed"), r.body());
    }
  }

  @Test
  void config_invalidValues_failNamingTheValue() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RenServletConfig.builder().heartbeat(Duration.ZERO)).getMessage().contains("PT0S"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RenServletConfig.builder().maxStreams(0)).getMessage().contains("was 0"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RenServletConfig.builder().maxUnsentBytes(10)).getMessage().contains("was 10"));
  }
}
