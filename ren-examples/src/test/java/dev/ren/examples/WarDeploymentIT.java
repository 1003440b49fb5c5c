package dev.ren.examples;

import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ApplicationParameter;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built WAR, deployed unchanged into a stock Jetty 12 (ee10) and Tomcat 11. Its web.xml names a data directory
 * for production; each test overrides it the way a deployer would, through the container (Jetty: an override
 * descriptor; Tomcat: a context {@code <Parameter override="false">}), and checks the data landed there.
 */
class WarDeploymentIT {

  static final Duration WAIT = Duration.ofSeconds(15);
  @TempDir
  Path tmp;

  static Path war() {
    Path war = Path.of(System.getProperty("ren.war", "target/ren-examples.war"));
    assertTrue(Files.isRegularFile(war), "WAR not built: " + war.toAbsolutePath());
    return war;
  }

  /** The WAR as a Jetty web application whose ren.dataDir is overridden to {@code data}. */
  static WebAppContext jettyApp(Path work, Path data) throws IOException {
    Files.createDirectories(work);
    Path override = Files.writeString(work.resolve("override-web.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <context-param>
            <param-name>ren.dataDir</param-name>
            <param-value>%s</param-value>
          </context-param>
        </web-app>
        """.formatted(data));
    WebAppContext app = new WebAppContext();
    app.setContextPath("/");
    app.setWar(war().toString());
    app.setTempDirectory(work.resolve("tmp").toFile());
    app.addOverrideDescriptor(override.toUri().toString());
    // a failed deployment fails start() instead of leaving an unavailable context behind
    app.setThrowUnavailableOnStartupException(true);
    return app;
  }

  @Test
  void war_onJetty12_servesAppAndStream() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(jettyApp(tmp.resolve("jetty"), tmp.resolve("data")));
    server.start();
    try {
      exercise(URI.create("http://127.0.0.1:" + connector.getLocalPort()), tmp.resolve("data"));
    } finally {
      server.stop();
    }
  }

  @Test
  void war_onTomcat11_servesAppAndStream() throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(tmp.resolve("tomcat").toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    Files.createDirectories(tmp.resolve("tomcat/webapps"));
    Context app = tomcat.addWebapp("", war().toAbsolutePath().toString());
    // this JVM's class path holds the demo server's Jetty, whose WebSocket initializer Tomcat would find through
    // its own class loader and run (a stock Tomcat has no Jetty: the WAR leaves Jetty out)
    app.setContainerSciFilter("^org\\.eclipse\\.jetty\\.");
    // what <Parameter name="ren.dataDir" value="..." override="false"/> in the context's XML does
    ApplicationParameter dataDir = new ApplicationParameter();
    dataDir.setName("ren.dataDir");
    dataDir.setValue(tmp.resolve("data").toString());
    dataDir.setOverride(false);
    app.addApplicationParameter(dataDir);
    tomcat.start();
    try {
      exercise(URI.create("http://127.0.0.1:" + connector.getLocalPort()), tmp.resolve("data"));
    } finally {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  static void exercise(URI base, Path data) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(base.resolve("/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("REN"), "the web app is served");
    try (SseTestClient c = SseTestClient.open(base.resolve("/api/maravilla/ren?s=kv:demo&cid=war-test"))) {
      assertEquals(200, c.status());
      assertEquals("war-test", c.next("ren.meta", WAIT).json().get("clientId").asText());
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(base.resolve("/api/kv/demo/todo:1"))
          .header("X-Ren-Client", "writer").header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"title\":\"war\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, put.statusCode(), put.body());
      SseTestClient.Event e = c.next("kv.put", WAIT);
      assertEquals("todo:1", e.json().get("k").asText());
      assertEquals("writer", e.json().get("src").asText());
    }
    try (SseTestClient c = SseTestClient.open(base.resolve("/api/maravilla/ren?s=*"))) {
      c.next("ren.meta", WAIT);
      new DemoTraffic(base).writeThroughEveryBinding(c, "war");
    }
    assertTrue(Files.exists(data.resolve("ren.mv.db")), "H2 lives in the ren.dataDir the container set");
    assertTrue(Files.isDirectory(data.resolve("blobs")), "blobs live in the ren.dataDir the container set");
    HttpResponse<String> bad = http.send(HttpRequest.newBuilder(base.resolve("/api/maravilla/ren?s=BAD")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, bad.statusCode());
    // the container's own 404 goes to web.xml's error page, the drop-in's JSON error servlet, not an HTML page
    HttpResponse<String> missing = http.send(HttpRequest.newBuilder(base.resolve("/no/such/file.txt")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode(), missing.body());
    assertTrue(missing.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        missing.headers().toString());
    assertEquals("not_found", TestJson.parse(missing.body()).get("error").asText(), missing.body());
    assertFalse(missing.body().contains("<"), missing.body());
  }
}
