package dev.ren.client;

import dev.ren.client.ScriptedSseServlet.Step;
import dev.ren.servlet.RenClientFilter;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.ren.client.ScriptedSseServlet.meta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reconnect behaviour against a scripted SSE endpoint (timeouts, overload, errors, the retry strategy). Real
 * sockets, virtual time: reconnect delays and read timeouts run on a {@link ManualScheduler}, so no test waits for
 * them; waits with a deadline are only for real I/O.
 */
class RenClientReconnectTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  private final ManualScheduler time = new ManualScheduler();
  private JettyTestServer server;
  private RenClient client;

  private ScriptedSseServlet serve(Step... steps) {
    ScriptedSseServlet servlet = new ScriptedSseServlet(steps);
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/sse", servlet).start();
    return servlet;
  }

  private RenClient.Builder builder() {
    return RenClient.builder(server.uri("/sse")).scheduler(time, time.nanoTime());
  }

  /** Starts the client and runs its first connect. */
  private void start() {
    client.start();
    time.runDue();
  }

  private void awaitState(RenClient.State s) {
    Waits.until(() -> client.state() == s);
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

  private static <T> T next(BlockingQueue<T> q) throws InterruptedException {
    T t = q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(t, "arrived");
    return t;
  }

  @Test
  void readTimeout_noByteFor2_5Heartbeats_reconnectsFromMetaId() throws Exception {
    ScriptedSseServlet s = serve(Step.open(meta("m1")), Step.open(meta("m2")));
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = builder().clientId("sleepy").heartbeat(Duration.ofSeconds(10)).build(); // read timeout 25 s
    client.onError(errors::add);
    client.on(q::add);
    start();

    ScriptedSseServlet.Seen first = request(s);
    assertEquals("null", first.lastEventIdHeader());
    assertEquals("sleepy", first.clientHeader());
    assertTrue(first.query().contains("cid=sleepy"), first.query());
    assertEquals("m1", next(q).id());
    time.advance(Duration.ofMillis(24_999));
    assertEquals(RenClient.State.OPEN, client.state(), "silent for less than the read timeout");
    time.advance(Duration.ofMillis(1));
    assertEquals(RenClient.State.WAITING, client.state(), "dropped at the read timeout");
    Throwable e = next(errors);
    assertTrue(e instanceof HttpTimeoutException, String.valueOf(e));
    time.advance(Duration.ofSeconds(1)); // the default first wait is at most 1 s

    ScriptedSseServlet.Seen second = request(s);
    assertEquals("m1", second.lastEventIdHeader(), "the meta frame's id is the resume point");
    assertTrue(second.query().contains("lastEventId=m1"), second.query());
  }

  @Test
  void retry_overloadAnswer_nextAttemptWaitsAtLeastRetry() throws Exception {
    ScriptedSseServlet s = serve(Step.thenClose("retry: 700\n: overloaded, retry later\n\n"), Step.open(meta("m1")));
    client = builder().initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(100)).build();
    start();
    request(s);
    awaitState(RenClient.State.WAITING);
    assertEquals(List.of(Duration.ofMillis(700)), time.pendingDelays(), "server asked for 700 ms");
    time.advance(Duration.ofMillis(699));
    assertEquals(RenClient.State.WAITING, client.state(), "no attempt before the server's retry time");
    time.advance(Duration.ofMillis(1));
    request(s);
    assertTrue(client.awaitConnected(WAIT));
  }

  @Test
  void start_serverError503_retriedUntilOpen() throws Exception {
    ScriptedSseServlet s = serve(Step.error(503), Step.error(503), Step.open(meta("m1")));
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    client = builder().initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(100)).build();
    client.onError(errors::add);
    start();
    awaitState(RenClient.State.WAITING);
    time.advance(Duration.ofMillis(10));
    awaitState(RenClient.State.WAITING);
    time.advance(Duration.ofMillis(20));
    assertTrue(client.awaitConnected(WAIT));
    Throwable e = next(errors);
    assertTrue(e instanceof StreamHttpErrorException, String.valueOf(e));
    assertEquals(503, ((StreamHttpErrorException) e).status());
    assertTrue(((StreamHttpErrorException) e).body().contains("scripted"));
    assertEquals(3, s.requests.size());
  }

  @Test
  void start_notFound404_closesWithoutRetry() throws Exception {
    ScriptedSseServlet s = serve(Step.error(404), Step.open(meta("m1")));
    client = builder().build();
    start();
    assertTrue(client.awaitClosed(WAIT));
    assertEquals(1, s.requests.size());
    assertEquals(RenClient.State.CLOSED, client.state());
    assertEquals(List.of(), time.pendingDelays(), "no reconnect scheduled");
  }

  @Test
  void autoReconnectOff_serverEndsStream_clientClosed() throws Exception {
    ScriptedSseServlet s = serve(Step.thenClose(meta("m1")), Step.open(meta("m2")));
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = builder().autoReconnect(false).build();
    client.on(q::add);
    start();
    assertTrue(client.awaitClosed(WAIT));
    assertEquals("m1", next(q).id());
    assertEquals(1, s.requests.size());
    assertEquals("m1", client.lastEventId());
  }

  @Test
  void start_unknownEventTypesAndPlainText_deliveredRaw() throws Exception {
    serve(Step.open(meta("m1") + "id: 2\nevent: future.thing\ndata: line one\ndata: line two\n\n"
        + "data: no event name\n\n"));
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = builder().executor(Runnable::run).build();
    client.on(q::add);
    start();
    assertTrue(next(q).isMeta());
    RenMessage future = next(q);
    assertEquals("future.thing", future.type());
    assertEquals("line one\nline two", future.data());
    assertNull(future.event());
    RenMessage plain = next(q);
    assertEquals("message", plain.type());
    assertEquals("2", plain.id());
  }

  @Test
  void start_eventWithNonStringField_deliveredRawWithoutEvent() throws Exception {
    serve(Step.open(meta("m1") + "id: 2\nevent: kv.put\ndata: {\"t\":\"kv.put\",\"r\":\"kv\",\"k\":7}\n\n"
        + "id: 3\nevent: kv.put\ndata: {\"t\":\"kv.put\",\"r\":\"kv\",\"k\":\"ok\"}\n\n"));
    BlockingQueue<RenMessage> q = new LinkedBlockingQueue<>();
    client = builder().build();
    client.on(q::add);
    start();
    assertTrue(next(q).isMeta());
    RenMessage odd = next(q);
    assertEquals("kv.put", odd.type());
    assertEquals(7, odd.json().get("k").asInt());
    assertNull(odd.event(), "the event codec rejects a numeric k");
    assertEquals("ok", next(q).event().k(), "the stream goes on");
  }

  @Test
  void retryDelayStrategy_custom_calledWithAttemptsSinceLastWorkingConnectionAndServerRetry() throws Exception {
    ScriptedSseServlet s = serve(Step.thenClose("retry: 2500\n\n"), Step.error(503), Step.thenClose(meta("m1")),
        Step.open(meta("m2")));
    List<String> calls = new CopyOnWriteArrayList<>();
    client = builder().retryDelayStrategy((attempt, serverRetry) -> {
      calls.add(attempt + " " + serverRetry);
      return Duration.ofSeconds(5);
    }).build();
    start();
    for (int i = 0; i < 3; i++) {
      awaitState(RenClient.State.WAITING);
      assertEquals(List.of(Duration.ofSeconds(5)), time.pendingDelays());
      time.advance(Duration.ofSeconds(5));
    }
    assertTrue(client.awaitConnected(WAIT));
    assertEquals(List.of("1 PT2.5S", "2 PT2.5S", "1 PT2.5S"), calls,
        "attempts restart after the connection that delivered m1; the server's retry outlives its connection");
    assertEquals(4, s.requests.size());
  }

  @Test
  void retryDelayStrategy_returnsNegative_errorReportedAndClientClosed() throws Exception {
    serve(Step.error(503));
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    client = builder().retryDelayStrategy((attempt, serverRetry) -> Duration.ofMillis(-1)).build();
    client.onError(errors::add);
    start();
    assertTrue(client.awaitClosed(WAIT));
    assertTrue(next(errors) instanceof StreamHttpErrorException);
    Throwable e = next(errors);
    assertTrue(e instanceof IllegalStateException && e.getMessage().contains("PT-0.001S"), String.valueOf(e));
  }

  @Test
  void defaultRetryDelay_firstReconnect_betweenHalfAndOneSecond() throws Exception {
    serve(Step.error(503));
    client = builder().build();
    start();
    awaitState(RenClient.State.WAITING);
    Duration d = time.pendingDelays().get(0);
    assertTrue(d.compareTo(Duration.ofMillis(500)) > 0 && d.compareTo(Duration.ofSeconds(1)) <= 0, d.toString());
  }
}
