package dev.ren.client;

import dev.ren.RenEvent;
import dev.ren.client.ScriptedSseServlet.Step;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.ren.client.ScriptedSseServlet.meta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A storage change is two frames with one id (storage.put, then storage.object.created); the client reports it once,
 * under the first name, also across a reconnect.
 */
class RenClientStorageNamesTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final String PATH = "/api/maravilla/ren";
  static final String MARKER = "test.marker";

  private final ManualScheduler time = new ManualScheduler();
  private RenHub hub;
  private JettyTestServer server;
  private RenClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  private void realServer() {
    hub = RenHub.create();
    server = new JettyTestServer().filter("/*", new RenClientFilter())
        .servlet(PATH + "/*", new RenServlet(hub, RenServletConfig.builder().heartbeat(Duration.ofMillis(200)).build()))
        .start();
  }

  private static RenMessage next(BlockingQueue<RenMessage> q) throws InterruptedException {
    RenMessage m = q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(m, "message arrived");
    return m;
  }

  /** Non-meta messages up to the marker, as "type key". */
  private static List<String> untilMarker(BlockingQueue<RenMessage> q) throws InterruptedException {
    List<String> out = new ArrayList<>();
    for (;;) {
      RenMessage m = next(q);
      if (m.isMeta()) {
        continue;
      }
      if (m.type().equals(MARKER)) {
        return out;
      }
      out.add(m.type() + " " + m.event().k());
    }
  }

  @Test
  void on_realServerBothNames_eachChangeReportedOnceAndAcrossAResume() throws Exception {
    realServer();
    try (DroppingProxy proxy = new DroppingProxy(server.port())) {
      BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
      BlockingQueue<RenClient.State> states = new LinkedBlockingQueue<>();
      client = RenClient.builder(proxy.uri(PATH)).scheduler(time, time.nanoTime()).build();
      client.on(q::add);
      client.onStateChange(states::add);
      client.start();
      time.runDue();
      assertTrue(client.awaitConnected(WAIT));
      assertTrue(next(q).isMeta());
      String created = hub.publish(RenEvent.storageCreated("b", "a.txt", "e1"));
      hub.publish(RenEvent.storageUpdated("b", "a.txt", "e2"));
      hub.publish(RenEvent.builder(MARKER).build());
      assertEquals(List.of("storage.put a.txt", "storage.put a.txt"), untilMarker(q));

      proxy.dropAll();
      RenClient.State s;
      do {
        s = states.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(s, "client noticed the drop");
      } while (s != RenClient.State.WAITING);
      hub.publish(RenEvent.storageDeleted("b", "a.txt"));
      hub.publish(RenEvent.builder(MARKER).build());
      time.advance(Duration.ofSeconds(1));
      RenMessage meta = next(q);
      assertTrue(meta.isMeta());
      assertFalse(meta.isReset());
      assertEquals(List.of("storage.delete a.txt"), untilMarker(q));
      assertFalse(created.equals(client.lastEventId()));
    }
  }

  @Test
  void on_connectionCutBetweenTheTwoFrames_changeReportedOnceAndResumeStartsAfterIt() throws Exception {
    String put = "id: 7\nevent: storage.put\ndata: {\"t\":\"storage.put\",\"r\":\"storage\",\"k\":\"a\",\"ns\":\"b\"}\n\n";
    String next = "id: 8\nevent: storage.put\ndata: {\"t\":\"storage.put\",\"r\":\"storage\",\"k\":\"c\",\"ns\":\"b\"}\n\n"
        + "id: 8\nevent: storage.object.created\n"
        + "data: {\"t\":\"storage.object.created\",\"r\":\"storage\",\"k\":\"c\",\"ns\":\"b\"}\n\n";
    ScriptedSseServlet servlet = new ScriptedSseServlet(
        Step.thenClose(meta("6") + put), // cut after the first name of change 7
        Step.open(meta("7") + next));     // the resume after 7 replays neither frame of it
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/sse", servlet).start();
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = RenClient.builder(server.uri("/sse")).scheduler(time, time.nanoTime()).build();
    client.on(q::add);
    client.start();
    time.runDue();
    assertNotNull(servlet.requests.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(next(q).isMeta());
    RenMessage first = next(q);
    assertEquals("7 storage.put a", first.id() + " " + first.type() + " " + first.event().k());
    Waits.until(() -> client.state() == RenClient.State.WAITING);
    time.advance(Duration.ofSeconds(1));
    ScriptedSseServlet.Seen again = servlet.requests.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(again, "reconnected");
    assertEquals("7", again.lastEventIdHeader());
    assertTrue(next(q).isMeta(), "the new connection's ren.meta is delivered although it repeats the last id");
    RenMessage m = next(q);
    assertEquals("8 storage.put c", m.id() + " " + m.type() + " " + m.event().k());
    assertEquals(null, q.poll(300, TimeUnit.MILLISECONDS), "the second frame of change 8 is skipped");
  }
}
