package dev.ren.client;

import com.launchdarkly.eventsource.ConnectStrategy;
import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import com.launchdarkly.eventsource.background.BackgroundEventHandler;
import com.launchdarkly.eventsource.background.BackgroundEventSource;
import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The REN server consumed by LaunchDarkly's okhttp-eventsource, a real third-party Java SSE client. */
class OkHttpEventSourceInteropTest {

  static final String PATH = "/api/maravilla/ren";

  private RenHub hub;
  private JettyTestServer server;
  private final ExecutorService reader = Executors.newSingleThreadExecutor();

  @BeforeEach
  void start() {
    hub = RenHub.create();
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet(PATH + "/*", new RenServlet(hub)).start();
  }

  @AfterEach
  void stop() {
    reader.shutdownNow();
    server.close();
    hub.close();
  }

  /** Reads one message with a deadline, so a broken server fails the test instead of hanging it. */
  private MessageEvent read(EventSource es) throws Exception {
    Future<MessageEvent> f = reader.submit(es::readMessage);
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void readMessage_renStream_metaEventsAndIdsAsSent() throws Exception {
    try (EventSource es = new EventSource.Builder(
        ConnectStrategy.http(server.uri(PATH + "?cid=interop")).readTimeout(10, TimeUnit.SECONDS)).build()) {
      MessageEvent meta = read(es);
      assertEquals("ren.meta", meta.getEventName());
      assertEquals("interop", TestJson.parse(meta.getData()).get("clientId").asText());

      hub.publish(RenEvent.kvPut("demo", "todo:1", "1"));
      hub.publish(RenEvent.builder("billing.invoice.paid").key("inv-7")
          .data(TestJson.parse("{\"note\":\"a\\nb \\u00fc \\ud83d\\ude00\"}")).build());
      MessageEvent kv = read(es);
      assertEquals("kv.put", kv.getEventName());
      RenEvent decoded = RenMessage.decode(kv.getLastEventId(), kv.getEventName(), kv.getData()).event();
      assertNotNull(decoded);
      assertEquals("todo:1", decoded.k());
      MessageEvent custom = read(es);
      assertEquals("billing.invoice.paid", custom.getEventName());
      assertEquals("a\nb \u00fc \ud83d\ude00",
          TestJson.parse(custom.getData()).get("data").get("note").asText());
      assertEquals(custom.getLastEventId(), es.getLastEventId());
    }
  }

  @Test
  void lastEventId_newConnection_replaysWhatWasMissed() throws Exception {
    String resumeFrom;
    try (EventSource es = new EventSource.Builder(server.uri(PATH)).build()) {
      read(es); // meta
      hub.publish(RenEvent.kvPut("demo", "seen", "1"));
      resumeFrom = read(es).getLastEventId();
    }
    hub.publish(RenEvent.kvPut("demo", "missed-1", "1"));
    hub.publish(RenEvent.kvPut("demo", "missed-2", "1"));
    try (EventSource es = new EventSource.Builder(server.uri(PATH)).lastEventId(resumeFrom).build()) {
      MessageEvent meta = read(es);
      assertEquals("ren.meta", meta.getEventName());
      assertFalse(TestJson.parse(meta.getData()).path("reset").asBoolean(false));
      List<String> keys = new ArrayList<>();
      keys.add(TestJson.parse(read(es).getData()).get("k").asText());
      keys.add(TestJson.parse(read(es).getData()).get("k").asText());
      assertEquals(List.of("missed-1", "missed-2"), keys);
    }
  }

  @Test
  void backgroundEventSource_connectionDropped_reconnectsWithLastEventIdWithoutGap() throws Exception {
    BlockingQueue<MessageEvent> q = new LinkedBlockingQueue<>();
    BackgroundEventHandler handler = new BackgroundEventHandler() {
      @Override public void onOpen() {}
      @Override public void onClosed() {}
      @Override public void onMessage(String event, MessageEvent e) { q.add(e); }
      @Override public void onComment(String comment) {}
      @Override public void onError(Throwable t) {}
    };
    try (DroppingProxy proxy = new DroppingProxy(server.port());
         BackgroundEventSource bes = new BackgroundEventSource.Builder(handler,
             new EventSource.Builder(proxy.uri(PATH)).retryDelay(300, TimeUnit.MILLISECONDS)).build()) {
      bes.start();
      assertEquals("ren.meta", poll(q).getEventName());
      hub.publish(RenEvent.kvPut("demo", "before", "1"));
      assertEquals("kv.put", poll(q).getEventName());
      proxy.dropAll();
      hub.publish(RenEvent.kvPut("demo", "gap", "1"));
      MessageEvent next = poll(q);
      while (next.getEventName().equals("ren.meta")) {
        assertFalse(TestJson.parse(next.getData()).path("reset").asBoolean(false));
        next = poll(q);
      }
      assertEquals("gap", TestJson.parse(next.getData()).get("k").asText());
    }
  }

  private static MessageEvent poll(BlockingQueue<MessageEvent> q) throws InterruptedException {
    MessageEvent e = q.poll(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(e, "message within 10 s");
    return e;
  }
}
