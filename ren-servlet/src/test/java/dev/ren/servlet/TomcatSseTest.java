package dev.ren.servlet;

import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.testing.SseTestClient;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same stream on embedded Tomcat 11, which reports disconnects and timeouts differently from Jetty. */
class TomcatSseTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir
  Path base;
  Tomcat tomcat;
  RenHub hub;
  RenServlet servlet;
  int port;

  @BeforeEach
  void start() throws Exception {
    hub = RenHub.create();
    servlet = new RenServlet(hub, RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build());
    tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    // a short container async timeout: the stream must disable it rather than be cut every 500 ms
    connector.setAsyncTimeout(500);
    tomcat.getService().addConnector(connector);
    Context ctx = tomcat.addContext("", base.toString());
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

  @Test
  void stream_onTomcat_deliversMetaEventsAndHeartbeats() throws Exception {
    try (SseTestClient c = SseTestClient.open(uri("?s=kv&cid=t1"))) {
      assertEquals(200, c.status());
      assertEquals("t1", c.next("ren.meta", WAIT).json().get("clientId").asText());
      String id = hub.publish(RenEvent.kvPut("demo", "a", "1"));
      SseTestClient.Event e = c.next("kv.put", WAIT);
      assertEquals(id, e.id());
      RenServletTest.awaitTrue(() -> c.comments() >= 2, "heartbeats on Tomcat");
    }
  }

  @Test
  void stream_pastContainerAsyncTimeout_staysOpen() throws Exception {
    try (SseTestClient c = SseTestClient.open(uri(""))) {
      c.next("ren.meta", WAIT);
      long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
      while (System.nanoTime() < until) {
        assertFalse(c.ended(), "stream cut by the container's async timeout");
        Thread.sleep(50);
      }
      hub.publish(RenEvent.kvPut("demo", "late", "1"));
      assertEquals("late", c.next("kv.put", WAIT).json().get("k").asText());
      assertEquals(1, servlet.activeStreams());
    }
  }

  @Test
  void disconnect_killedClientOnTomcat_cleansUpOnce() throws Exception {
    SseTestClient c = SseTestClient.open(uri("?cid=gone"));
    c.next("ren.meta", WAIT);
    assertTrue(hub.isClientConnected("gone"));
    c.kill();
    RenServletTest.awaitTrue(() -> hub.subscriberCount() == 0 && servlet.activeStreams() == 0, "cleanup");
    assertFalse(hub.isClientConnected("gone"));
    // the count never goes negative (cleanup ran exactly once)
    Thread.sleep(300);
    assertEquals(0, servlet.activeStreams());
  }

  @Test
  void resume_onTomcat_replaysMissedEvents() throws Exception {
    String first = hub.publish(RenEvent.kvPut("demo", "1", "1"));
    hub.publish(RenEvent.kvPut("demo", "2", "1"));
    try (SseTestClient c = SseTestClient.open(uri("?lastEventId=" + first))) {
      c.next("ren.meta", WAIT);
      assertEquals("2", c.next("kv.put", WAIT).json().get("k").asText());
    }
  }
}
