package dev.ren.client;

import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end: the client against the real {@link RenServlet} on embedded Jetty. */
class RenClientTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final String PATH = "/api/maravilla/ren";

  private RenHub hub;
  private JettyTestServer server;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ManualScheduler time = new ManualScheduler();

  /** POST /api/publish?type=..&key=.. publishes one event; the origin filter stamps src from X-Ren-Client. */
  static final class PublishServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient RenHub hub;

    PublishServlet(RenHub hub) {
      this.hub = hub;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
      hub.publish(RenEvent.builder(req.getParameter("type")).key(req.getParameter("key"))
          .data(TestJson.parse("{\"n\":1}")).build());
      resp.setStatus(204);
    }
  }

  @BeforeEach
  void startServer() {
    hub = RenHub.create();
    server = new JettyTestServer().filter("/*", new RenClientFilter())
        .servlet(PATH + "/*", new RenServlet(hub,
            // frequent heartbeats: the server notices a closed client connection at its next write
            RenServletConfig.builder().heartbeat(Duration.ofMillis(200)).build()))
        .servlet("/api/publish", new PublishServlet(hub))
        .start();
  }

  @AfterEach
  void stopServer() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    server.close();
    hub.close();
  }

  private RenClient.Builder client(URI endpoint) {
    return RenClient.builder(endpoint).initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(400));
  }

  private RenClient started(RenClient c, BlockingQueue<RenMessage> into) throws InterruptedException {
    toClose.add(c);
    c.on(into::add);
    c.start();
    time.runDue(); // the first connect of a client on virtual time; nothing for the others
    assertTrue(c.awaitConnected(WAIT), "connected");
    RenMessage meta = next(into, RenMessage::isMeta);
    assertEquals(c.clientId(), meta.json().get("clientId").asText());
    return c;
  }

  static RenMessage next(BlockingQueue<RenMessage> q, Predicate<RenMessage> match) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      RenMessage m = q.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (m == null) {
        throw new AssertionError("no matching message within " + WAIT);
      }
      if (match.test(m)) {
        return m;
      }
    }
  }

  static Predicate<RenMessage> key(String k) {
    return m -> m.event() != null && k.equals(m.event().k());
  }

  @Test
  void start_realServer_metaThenEventsOfEveryTypeIncludingUnknownDomains() throws Exception {
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    started(client(server.uri(PATH)).build(), q);

    hub.publish(RenEvent.kvPut("demo", "todo:1", "1"));
    hub.publish(RenEvent.builder("billing.invoice.paid").key("inv-7").data(TestJson.parse("{\"amount\":12}"))
        .build());

    RenMessage kv = next(q, m -> !m.isMeta());
    assertEquals("kv.put", kv.type());
    assertEquals("todo:1", kv.event().k());
    assertNotNull(kv.id());
    RenMessage custom = next(q, m -> !m.isMeta());
    assertEquals("billing.invoice.paid", custom.type());
    assertEquals(12, custom.event().data().get("amount").asInt());
    assertEquals(custom.id(), ((RenClient) toClose.get(0)).lastEventId());
  }

  @Test
  void subscriptions_domainFilter_onlyMatchingEventsDelivered() throws Exception {
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    started(client(server.uri(PATH)).subscriptions("db").build(), q);

    hub.publish(RenEvent.kvPut("demo", "skip-me", "1"));
    hub.publish(RenEvent.dbCreated("todos", "doc-1", "1"));

    RenMessage first = next(q, m -> !m.isMeta());
    assertEquals("db.document.created", first.type());
    assertEquals("doc-1", first.event().k());
  }

  @Test
  void reconnect_serverDropsConnection_resumesWithoutGapOrDuplicates() throws Exception {
    try (DroppingProxy proxy = new DroppingProxy(server.port())) {
      BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
      BlockingQueue<RenClient.State> states = new LinkedBlockingQueue<>();
      RenClient c = RenClient.builder(proxy.uri(PATH)).scheduler(time, time.nanoTime()).build();
      c.onStateChange(states::add);
      started(c, q);
      hub.publish(RenEvent.kvPut("demo", "before", "1"));
      next(q, key("before"));

      proxy.dropAll();
      RenClient.State s;
      do {
        s = states.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(s, "client noticed the drop");
      } while (s != RenClient.State.WAITING);
      // published while the client is disconnected: must arrive after the reconnect
      hub.publish(RenEvent.kvPut("demo", "gap-1", "1"));
      hub.publish(RenEvent.kvPut("demo", "gap-2", "1"));
      time.advance(Duration.ofSeconds(1)); // the default first wait is at most 1 s

      RenMessage meta = next(q, RenMessage::isMeta);
      assertFalse(meta.isReset(), "resumed, not reset");
      List<String> keys = new ArrayList<>();
      while (keys.size() < 2) {
        RenMessage m = next(q, x -> !x.isMeta());
        keys.add(m.event().k());
      }
      assertEquals(List.of("gap-1", "gap-2"), keys);
      assertEquals(2, proxy.accepted());
    }
  }

  @Test
  void lastEventId_resumePointUnknown_resetSurfacedToListeners() throws Exception {
    CountDownLatch reset = new CountDownLatch(1);
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    RenClient c = client(server.uri(PATH)).lastEventId("not-an-id-this-server-knows").build();
    c.onReset(reset::countDown);
    toClose.add(c);
    c.on(q::add);
    c.start();
    RenMessage meta = next(q, RenMessage::isMeta);
    assertTrue(meta.isReset());
    assertTrue(reset.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "onReset ran");
    hub.publish(RenEvent.kvPut("demo", "after-reset", "1"));
    next(q, key("after-reset"));
  }

  @Test
  void withClientHeader_mutation_eventCarriesOwnClientIdAsSrc() throws Exception {
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    RenClient c = started(client(server.uri(PATH)).clientId("tab-42").build(), q);

    HttpRequest req = c.withClientHeader(HttpRequest.newBuilder(server.uri("/api/publish?type=kv.put&key=mine")))
        .POST(HttpRequest.BodyPublishers.noBody()).build();
    assertEquals(204, http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode());
    http.send(HttpRequest.newBuilder(server.uri("/api/publish?type=kv.put&key=theirs"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());

    assertEquals("tab-42", next(q, key("mine")).event().src());
    assertNull(next(q, key("theirs")).event().src());
  }

  @Test
  void on_listenerThrows_otherListenersAndLaterEventsStillDelivered() throws Exception {
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    RenClient c = client(server.uri(PATH)).build();
    c.on(m -> {
      throw new IllegalStateException("listener bug");
    });
    started(c, q);
    hub.publish(RenEvent.kvPut("demo", "one", "1"));
    hub.publish(RenEvent.kvPut("demo", "two", "1"));
    next(q, key("one"));
    next(q, key("two"));
    assertEquals(RenClient.State.OPEN, c.state());
  }

  @Test
  void on_registrationClosed_listenerNoLongerCalled() throws Exception {
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    BlockingQueue<RenMessage> removed = new LinkedBlockingQueue<>();
    RenClient c = client(server.uri(PATH)).build();
    RenClient.Registration r = c.on(removed::add);
    started(c, q);
    next(removed, RenMessage::isMeta);
    r.close();
    r.close();
    hub.publish(RenEvent.kvPut("demo", "k", "1"));
    next(q, key("k"));
    assertNull(removed.poll());
  }

  @Test
  void close_calledTwice_idempotentAndServerSeesDisconnect() throws Exception {
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    RenClient c = started(client(server.uri(PATH)).clientId("closer").build(), q);
    assertTrue(hub.isClientConnected("closer"));
    c.close();
    c.close();
    assertTrue(c.awaitClosed(WAIT));
    assertEquals(RenClient.State.CLOSED, c.state());
    Waits.until(() -> !hub.isClientConnected("closer"));
  }

  private static List<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith(prefix)).sorted().toList();
  }

  @Test
  void close_defaultThreads_allStopped() throws Exception {
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    RenClient c = started(client(server.uri(PATH)).clientId("threads").build(), q);
    hub.publish(RenEvent.kvPut("demo", "k", "1"));
    next(q, key("k"));
    List<String> running = liveThreads("ren-client-threads");
    assertTrue(running.containsAll(List.of("ren-client-threads", "ren-client-threads-callbacks")), running.toString());
    assertTrue(running.stream().anyMatch(n -> n.startsWith("ren-client-threads-http-")), running.toString());
    c.close();
    assertTrue(c.awaitClosed(WAIT));
    Waits.until(() -> liveThreads("ren-client-threads").isEmpty());
  }

  @Test
  void close_callerSchedulerExecutorAndHttpClient_notShutDownAndOwnTasksCancelled() throws Exception {
    ExecutorService callbacks = Executors.newSingleThreadExecutor();
    try {
      BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
      RenClient c = started(RenClient.builder(server.uri(PATH)).clientId("borrower").executor(callbacks)
          .httpClient(http).scheduler(time, time.nanoTime()).build(), q);
      assertEquals(1, time.pendingDelays().size(), "the read timer");
      c.close();
      assertTrue(c.awaitClosed(WAIT));
      assertEquals(List.of(), time.pendingDelays(), "the client's tasks are cancelled");
      assertFalse(time.isShutdown());
      assertFalse(callbacks.isShutdown());
      assertEquals(List.of(), liveThreads("ren-client-borrower"), "no thread of its own");
      HttpRequest req = HttpRequest.newBuilder(server.uri("/api/publish?type=kv.put&key=after"))
          .POST(HttpRequest.BodyPublishers.noBody()).build();
      assertEquals(204, http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode(), "HTTP client usable");
    } finally {
      callbacks.shutdown();
    }
  }

  @Test
  void start_badFilterRejectedByServer_closesWithTypedError() throws Exception {
    // bypass the builder's own check by appending the filter to the endpoint's query
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    RenClient c = client(server.uri(PATH + "?s=%3B%3B")).build();
    toClose.add(c);
    c.onError(errors::add);
    c.start();
    assertTrue(c.awaitClosed(WAIT));
    Throwable e = errors.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(e instanceof StreamHttpErrorException, String.valueOf(e));
    assertEquals(400, ((StreamHttpErrorException) e).status());
    assertFalse(((StreamHttpErrorException) e).isRetryable());
  }
}
