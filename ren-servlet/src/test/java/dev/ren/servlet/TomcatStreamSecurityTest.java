package dev.ren.servlet;

import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.ManualClock;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.ren.servlet.StreamSecurityTest.untilEnd;
import static dev.ren.servlet.TestUsers.ALICE;
import static dev.ren.servlet.TestUsers.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The secured stream on embedded Tomcat 11, with the security installed in the servlet context by a container
 * initializer (as the drop-in does): tenants live and on resume, a token's expiry and a revocation.
 */
class TomcatStreamSecurityTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir
  Path base;
  final ManualClock clock = new ManualClock(System.currentTimeMillis());
  final TestTokens tokens = new TestTokens(clock);
  final RenSecurity security = RenSecurity.builder(StreamSecurityTest.RULES).clock(clock).tokens(tokens)
      .authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens), TestUsers.byHeader())).build();
  Tomcat tomcat;
  RenHub hub;
  RenServlet servlet;
  int port;

  @BeforeEach
  void start() throws Exception {
    hub = RenHub.create();
    // short heartbeats: a stream whose client left is noticed on its next write
    servlet = new RenServlet(hub, RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build());
    tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    Context ctx = tomcat.addContext("", base.toString());
    ctx.addServletContainerInitializer((classes, sc) -> security.install(sc), null);
    Wrapper w = Tomcat.addServlet(ctx, "ren", servlet);
    w.setAsyncSupported(true);
    ctx.addServletMappingDecoded("/api/maravilla/ren/*", "ren");
    tomcat.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
    hub.close();
  }

  URI uri(String q) {
    return URI.create("http://127.0.0.1:" + port + "/api/maravilla/ren" + q);
  }

  void put(String key, String tenant) {
    hub.publish(RenEvent.kvPut("todos", key, "1").withTenant(tenant));
  }

  @Test
  void stream_onTomcat_otherTenantsEventsNeverDeliveredLiveOrOnResume() throws Exception {
    String before = hub.headId();
    try (SseTestClient a = SseTestClient.open(uri("?s=kv"), TestUsers.as(ALICE));
        SseTestClient b = SseTestClient.open(uri("?s=kv"), TestUsers.as(BOB))) {
      a.next("ren.meta", WAIT);
      b.next("ren.meta", WAIT);
      put("a1", "a");
      put("b1", "b");
      put(StreamSecurityTest.END, "a");
      put(StreamSecurityTest.END, "b");
      assertEquals(List.of("a1"), untilEnd(a));
      assertEquals(List.of("b1"), untilEnd(b));
    }
    try (SseTestClient a = SseTestClient.open(uri("?s=kv&lastEventId=" + URLEncoder.encode(before,
        StandardCharsets.UTF_8)), TestUsers.as(ALICE))) {
      assertEquals(List.of("a1"), untilEnd(a));
    }
  }

  @Test
  void stream_onTomcat_tokenExpiryAndRevocationEndWithRetry() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri("/token"))
        .header(TestUsers.HEADER, "alice").POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    String token = TestJson.parse(r.body()).get("token").asText();
    clock.advance(RenSecurity.DEFAULT_STREAM_TOKEN_TTL.minusMillis(300));
    try (SseTestClient byToken = SseTestClient.open(uri("?token=" + URLEncoder.encode(token,
        StandardCharsets.UTF_8)));
        SseTestClient byLogin = SseTestClient.open(uri(""), TestUsers.as(ALICE));
        SseTestClient bob = SseTestClient.open(uri(""), TestUsers.as(BOB))) {
      byToken.next("ren.meta", WAIT);
      byLogin.next("ren.meta", WAIT);
      bob.next("ren.meta", WAIT);
      assertTrue(byToken.awaitEnd(WAIT), "the stream outlived its token");
      assertEquals(RenServlet.AUTHORITY_ENDED_RETRY_MILLIS, byToken.lastRetry());
      security.revoke("alice");
      assertTrue(byLogin.awaitEnd(WAIT), "revoked user's stream still open");
      assertEquals(RenServlet.AUTHORITY_ENDED_RETRY_MILLIS, byLogin.lastRetry());
      put("b1", "b");
      put(StreamSecurityTest.END, "b");
      assertEquals(List.of("b1"), untilEnd(bob));
    }
    RenServletTest.awaitTrue(() -> servlet.activeStreams() == 0, "every stream released");
  }
}
