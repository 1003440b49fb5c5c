package dev.ren.examples;

import dev.ren.testing.SseTestClient;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built WAR, deployed unchanged into a stock Jetty 12 (ee10) and Tomcat 11. */
class WarDeploymentIT {

  static final Duration WAIT = Duration.ofSeconds(15);
  @TempDir
  Path tmp;

  static Path war() {
    Path war = Path.of(System.getProperty("ren.war", "target/ren-examples.war"));
    assertTrue(Files.isRegularFile(war), "WAR not built: " + war.toAbsolutePath());
    return war;
  }

  @Test
  void war_onJetty12_servesAppAndStream() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    WebAppContext app = new WebAppContext();
    app.setContextPath("/");
    app.setWar(war().toString());
    app.setTempDirectory(tmp.resolve("jetty").toFile());
    app.setInitParameter("ren.dataDir", tmp.resolve("data").toString());
    server.setHandler(app);
    server.start();
    try {
      exercise(URI.create("http://127.0.0.1:" + connector.getLocalPort()));
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
    tomcat.addWebapp("", war().toAbsolutePath().toString())
        .addParameter("ren.dataDir", tmp.resolve("data").toString());
    tomcat.start();
    try {
      exercise(URI.create("http://127.0.0.1:" + connector.getLocalPort()));
    } finally {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  static void exercise(URI base) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(base.resolve("/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("REN"), "the web app is served");
    try (SseTestClient c = SseTestClient.open(base.resolve("/api/maravilla/ren?s=kv:demo&cid=war-test"))) {
      assertEquals(200, c.status());
      assertEquals("war-test", c.next("ren.meta", WAIT).json().get("clientId").asText());
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(base.resolve("/api/kv/demo/todo:1"))
          .header("X-Ren-Client", "writer").PUT(HttpRequest.BodyPublishers.ofString("{\"title\":\"war\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, put.statusCode(), put.body());
      SseTestClient.Event e = c.next("kv.put", WAIT);
      assertEquals("todo:1", e.json().get("k").asText());
      assertEquals("writer", e.json().get("src").asText());
    }
    HttpResponse<String> bad = http.send(HttpRequest.newBuilder(base.resolve("/api/maravilla/ren?s=BAD")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, bad.statusCode());
  }
}
