package dev.ren.servlet;

import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.hub.StreamCloseReason;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RenServlet#shutdown}: over real sockets on Jetty, every open stream receives {@code retry:} and ends; streams opened afterwards get the same; counted as {@link StreamCloseReason#SHUTDOWN}.
 */
class GracefulShutdownTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  RenHub hub;
  RenServlet servlet;
  JettyTestServer server;

  void start(RenServletConfig config) {
    hub = RenHub.create();
    servlet = new RenServlet(hub, config);
    server = new JettyTestServer().servlet("/api/maravilla/ren/*", servlet).start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  SseTestClient opened() throws Exception {
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"));
    c.next("ren.meta", WAIT);
    return c;
  }

  @Test
  void shutdown_openStreams_eachGetsRetryAndEnds() throws Exception {
    start(RenServletConfig.builder().shutdownRetry(Duration.ofMillis(1500)).build());
    List<SseTestClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        clients.add(opened());
      }
      String id = hub.publish(RenEvent.kvPut("demo", "last", "1"));
      for (SseTestClient c : clients) {
        assertEquals(id, c.next("kv.put", WAIT).id());
      }
      assertTrue(servlet.shutdown(WAIT), "every stream ended within the timeout");
      for (SseTestClient c : clients) {
        assertTrue(c.awaitEnd(WAIT));
        Long retry = c.lastRetry();
        assertNotNull(retry, "retry: before the end");
        assertTrue(retry >= 1500 && retry <= 3000, "retry with jitter in [1500, 3000]: " + retry);
        assertEquals(id, c.lastEventId(), "the client resumes after the last event it got");
      }
      assertEquals(3, hub.stats().streamsClosed(StreamCloseReason.SHUTDOWN));
      assertEquals(0, hub.stats().streamsActive());
      assertEquals(0, servlet.activeStreams());
    } finally {
      clients.forEach(SseTestClient::close);
    }
  }

  @Test
  void shutdown_streamOpenedAfterwards_getsRetryAndEndsAtOnce() throws Exception {
    start(RenServletConfig.defaults());
    assertTrue(servlet.shutdown(Duration.ofSeconds(1)));
    assertTrue(servlet.isShutDown());
    try (SseTestClient late = SseTestClient.open(server.uri("/api/maravilla/ren"))) {
      assertEquals(200, late.status(), "a non-200 makes an EventSource give up for good");
      assertTrue(late.awaitEnd(WAIT));
      assertNotNull(late.lastRetry());
    }
    assertEquals(1, hub.stats().streamsOpened());
    assertEquals(1, hub.stats().streamsClosed(StreamCloseReason.SHUTDOWN));
  }

  @Test
  void shutdown_readerThatDoesNotRead_stillEndsAndIsCounted() throws Exception {
    start(RenServletConfig.builder().maxUnsentBytes(1 << 30).build());
    try (Socket stalled = new Socket("127.0.0.1", server.port())) {
      stalled.setReceiveBufferSize(4096);
      stalled.getOutputStream().write("GET /api/maravilla/ren HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      Waits.until(() -> servlet.activeStreams() == 1);
      String pad = "p".repeat(4000);
      for (int i = 0; i < 500; i++) { // ~2 MB: more than the socket buffers take
        hub.publish(RenEvent.builder("kv.put").namespace("d").key("k" + i)
            .data(com.fasterxml.jackson.databind.node.TextNode.valueOf(pad)).build());
      }
      servlet.shutdown(Duration.ofMillis(300)); // true or false: the container may take the retry: into its buffer
      assertEquals(0, servlet.activeStreams(), "closed when shutdown returns");
      assertEquals(1, hub.stats().streamsClosed(StreamCloseReason.SHUTDOWN));
    }
  }
}
