package dev.ren.servlet.http;

import dev.ren.servlet.http.JsonServletTest.EchoServlet;
import dev.ren.testing.ManualClock;
import dev.ren.testing.TestJson;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ren.servlet.http.JsonServletTest.awaitUses;
import static dev.ren.servlet.http.JsonServletTest.observed;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The body checks of {@link JsonServlet} on embedded Tomcat 11, whose reads and timeouts differ from Jetty's. */
class TomcatJsonServletTest {

  @TempDir
  Path base;
  Tomcat tomcat;
  int port;
  final ManualClock clock = new ManualClock(0);
  final AtomicInteger uses = new AtomicInteger();
  EchoServlet slowOnes;
  EchoServlet plain;

  @BeforeEach
  void start() throws Exception {
    slowOnes = new EchoServlet(RequestBodyLimits.builder().timeout(Duration.ofSeconds(30))
        .nanoSource(observed(clock, uses)).build());
    plain = new EchoServlet();
    tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    Context ctx = tomcat.addContext("", base.toString());
    Tomcat.addServlet(ctx, "slow", slowOnes);
    Tomcat.addServlet(ctx, "plain", plain);
    ctx.addServletMappingDecoded("/echo/*", "slow");
    ctx.addServletMappingDecoded("/plain/*", "plain");
    tomcat.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }

  RawHttp.Response post(String path, String contentType, String body) throws Exception {
    try (RawHttp c = new RawHttp(port)) {
      return c.head("POST", path, "Content-Type: " + contentType, "Content-Length: " + body.length()).send(body)
          .response();
    }
  }

  @Test
  void readJson_onTomcat_refusesOtherTypesTrailingContentAndDeepNesting() throws Exception {
    assertEquals(415, post("/plain", "text/plain", "{}").status());
    assertEquals(400, post("/plain", "application/json", "{\"a\":1} xyz").status());
    assertEquals(400, post("/plain", "application/json", "[".repeat(10_000) + "]".repeat(10_000)).status());
    RawHttp.Response ok = post("/plain", "application/json", "{\"a\":1}");
    assertEquals(200, ok.status());
    assertEquals(1, TestJson.parse(ok.body()).get("a").asInt());
    assertEquals(1, plain.handled.get());
  }

  @Test
  void readBody_onTomcat_slowBodyIs408AndOthersAreServed() throws Exception {
    try (RawHttp slow = new RawHttp(port)) {
      slow.head("POST", "/echo", "Content-Type: application/json", "Content-Length: 20").send("[");
      awaitUses(uses, 2);
      assertEquals(200, post("/plain", "application/json", "{}").status());
      clock.advance(Duration.ofSeconds(31));
      slow.send("1");
      RawHttp.Response r = slow.response();
      assertEquals(408, r.status());
      assertEquals("request_timeout", TestJson.parse(r.body()).get("error").asText());
    }
    assertEquals(0, slowOnes.handled.get());
  }
}
