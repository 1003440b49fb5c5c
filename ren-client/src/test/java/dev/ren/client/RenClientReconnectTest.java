package dev.ren.client;

import dev.ren.servlet.RenClientFilter;
import dev.ren.client.ScriptedSseServlet.Step;
import dev.ren.testing.JettyTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reconnect behaviour against a scripted SSE endpoint (timeouts, overload, errors) and builder checks. */
class RenClientReconnectTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  private JettyTestServer server;
  private RenClient client;

  private ScriptedSseServlet serve(Step... steps) {
    ScriptedSseServlet servlet = new ScriptedSseServlet(steps);
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/sse", servlet).start();
    return servlet;
  }

  private RenClient.Builder builder() {
    return RenClient.builder(server.uri("/sse")).initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(100));
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static ScriptedSseServlet.Seen request(ScriptedSseServlet s) throws InterruptedException {
    ScriptedSseServlet.Seen seen = s.requests.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(seen, "request arrived");
    return seen;
  }

  @Test
  void readTimeout_noByteFor2_5Heartbeats_reconnectsFromMetaId() throws Exception {
    ScriptedSseServlet s = serve(Step.open(ScriptedSseServlet.meta("m1")), Step.open(ScriptedSseServlet.meta("m2")));
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    client = builder().clientId("sleepy").heartbeat(Duration.ofMillis(100)).build();
    client.onError(errors::add);
    client.start();

    ScriptedSseServlet.Seen first = request(s);
    assertEquals("null", first.lastEventIdHeader());
    assertEquals("sleepy", first.clientHeader());
    assertTrue(first.query().contains("cid=sleepy"), first.query());
    ScriptedSseServlet.Seen second = request(s);
    assertEquals("m1", second.lastEventIdHeader(), "the meta frame's id is the resume point");
    assertTrue(second.query().contains("lastEventId=m1"), second.query());
    Throwable e = errors.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(e instanceof HttpTimeoutException, String.valueOf(e));
  }

  /** Sends the meta frame, then only heartbeats for longer than the client's read timeout, then one event. */
  static final class PingingServlet extends jakarta.servlet.http.HttpServlet {
    private static final long serialVersionUID = 1L;
    final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    protected void doGet(jakarta.servlet.http.HttpServletRequest req, jakarta.servlet.http.HttpServletResponse resp)
        throws java.io.IOException {
      requests.incrementAndGet();
      resp.setContentType("text/event-stream");
      var out = resp.getOutputStream();
      out.write(ScriptedSseServlet.meta("m1").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.flush();
      try {
        for (int i = 0; i < 10; i++) {
          Thread.sleep(100); // the server's heartbeat pace, not a wait for a condition
          out.write(":ping\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      out.write("id: 2\nevent: test.done\ndata: {}\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
    }
  }

  @Test
  void readTimeout_heartbeatsKeepArriving_sameConnectionSurvives() throws Exception {
    PingingServlet pinging = new PingingServlet();
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/sse", pinging).start();
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = builder().heartbeat(Duration.ofMillis(120)).build(); // times out after 300 ms of silence
    client.on(q::add);
    client.start();
    RenMessage m;
    do {
      m = q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertNotNull(m, "message arrived");
    } while (!m.type().equals("test.done"));
    assertEquals(1, pinging.requests.get(), "one connection for a stream of 1 s that only pinged");
  }

  @Test
  void retry_overloadAnswer_nextAttemptWaitsAtLeastRetry() throws Exception {
    ScriptedSseServlet s = serve(Step.thenClose("retry: 700\n: overloaded, retry later\n\n"),
        Step.open(ScriptedSseServlet.meta("m1")));
    client = builder().build();
    client.start();
    ScriptedSseServlet.Seen first = request(s);
    ScriptedSseServlet.Seen second = request(s);
    long gapMs = TimeUnit.NANOSECONDS.toMillis(second.nanos() - first.nanos());
    assertTrue(gapMs >= 700, "waited " + gapMs + " ms, server asked for 700");
    assertTrue(client.awaitConnected(WAIT));
  }

  @Test
  void start_serverError503_retriedUntilOpen() throws Exception {
    ScriptedSseServlet s = serve(Step.error(503), Step.error(503), Step.open(ScriptedSseServlet.meta("m1")));
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    client = builder().build();
    client.onError(errors::add);
    client.start();
    assertTrue(client.awaitConnected(WAIT));
    Throwable e = errors.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(e instanceof StreamHttpErrorException, String.valueOf(e));
    assertEquals(503, ((StreamHttpErrorException) e).status());
    assertTrue(((StreamHttpErrorException) e).body().contains("scripted"));
    assertEquals(3, s.requests.size());
  }

  @Test
  void start_notFound404_closesWithoutRetry() throws Exception {
    ScriptedSseServlet s = serve(Step.error(404), Step.open(ScriptedSseServlet.meta("m1")));
    client = builder().build();
    client.start();
    assertTrue(client.awaitClosed(WAIT));
    assertEquals(1, s.requests.size());
    assertEquals(RenClient.State.CLOSED, client.state());
  }

  @Test
  void autoReconnectOff_serverEndsStream_clientClosed() throws Exception {
    ScriptedSseServlet s = serve(Step.thenClose(ScriptedSseServlet.meta("m1")), Step.open(ScriptedSseServlet.meta("m2")));
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = builder().autoReconnect(false).build();
    client.on(q::add);
    client.start();
    assertTrue(client.awaitClosed(WAIT));
    assertEquals("m1", q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).id());
    assertEquals(1, s.requests.size());
    assertEquals("m1", client.lastEventId());
  }

  @Test
  void start_unknownEventTypesAndPlainText_deliveredRaw() throws Exception {
    serve(Step.open(ScriptedSseServlet.meta("m1") + "id: 2\nevent: future.thing\ndata: line one\ndata: line two\n\n"
        + "data: no event name\n\n"));
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = builder().executor(Runnable::run).build();
    client.on(q::add);
    client.start();
    assertTrue(q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).isMeta());
    RenMessage future = q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals("future.thing", future.type());
    assertEquals("line one\nline two", future.data());
    assertNull(future.event());
    RenMessage plain = q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals("message", plain.type());
    assertEquals("2", plain.id());
  }

  @Test
  void baseDelay_doublesFromInitial_cappedAtMax() {
    List<Long> got = List.of(0, 1, 2, 3, 4, 5, 40).stream()
        .map(f -> RenClient.baseDelayMs(1000, 15_000, f)).toList();
    assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 15_000L, 15_000L, 15_000L), got);
  }

  @Test
  void jittered_anyRandom_withinHalfToFull() {
    assertEquals(500, RenClient.jitteredMs(1000, 0.0));
    assertTrue(RenClient.jitteredMs(1000, 0.999999) <= 1000);
    assertTrue(RenClient.jitteredMs(1000, 0.5) > 500);
  }

  @Test
  void builder_invalidValues_failEarlyNamingTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RenClient.builder(URI.create("/relative")));
    assertTrue(e.getMessage().contains("/relative"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(URI.create("ftp://h/x")));
    URI ok = URI.create("http://localhost/api/maravilla/ren");
    e = assertThrows(IllegalArgumentException.class, () -> RenClient.builder(ok).clientId("has space"));
    assertTrue(e.getMessage().contains("has space"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(ok).subscriptions("a,b"));
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(ok).subscriptions("bad filter!"));
    e = assertThrows(IllegalArgumentException.class, () -> RenClient.builder(ok).maxBackoff(Duration.ZERO));
    assertTrue(e.getMessage().contains("maxBackoff"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(ok).lastEventId("a\nb"));
    assertThrows(IllegalArgumentException.class,
        () -> RenClient.builder(ok).initialBackoff(Duration.ofSeconds(20)).maxBackoff(Duration.ofSeconds(5)).build());
  }

  @Test
  void clientId_default_randomAndValid() {
    URI ok = URI.create("http://localhost/api/maravilla/ren");
    RenClient a = RenClient.builder(ok).build();
    RenClient b = RenClient.builder(ok).build();
    try {
      assertTrue(a.clientId().matches("[A-Za-z0-9_-]{16}"), a.clientId());
      assertTrue(!a.clientId().equals(b.clientId()));
      assertEquals(RenClient.State.IDLE, a.state());
    } finally {
      a.close();
      b.close();
    }
  }
}
