package dev.ren.client;

import dev.ren.client.ScriptedSseServlet.Step;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualScheduler;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.ren.client.ScriptedSseServlet.meta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One connection attempt on its own: request headers, status handling, parsing, read timeout on virtual time. */
class StreamConnectionTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final Duration READ_TIMEOUT = Duration.ofMillis(37_500);

  private final ManualScheduler time = new ManualScheduler();
  private final HttpClient http = HttpClient.newHttpClient();
  private JettyTestServer server;

  /** Records what the connection reports, in order. */
  static final class RecordingOwner implements StreamConnection.Owner {
    final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    final CompletableFuture<Optional<Throwable>> ended = new CompletableFuture<>();

    @Override
    public void opened(StreamConnection c) {
      seen.add("opened");
    }

    @Override
    public void firstMessage(StreamConnection c) {
      seen.add("first");
    }

    @Override
    public void message(StreamConnection c, RenMessage m) {
      seen.add("message " + m.type() + " " + m.id());
    }

    @Override
    public void comment(StreamConnection c, String text) {
      seen.add("comment " + text);
    }

    @Override
    public void lastEventId(StreamConnection c, String id) {
      seen.add("lastEventId " + id);
    }

    @Override
    public void retry(StreamConnection c, Duration reconnectionTime) {
      seen.add("retry " + reconnectionTime.toMillis());
    }

    @Override
    public void ended(StreamConnection c, @Nullable Throwable cause) {
      ended.complete(Optional.ofNullable(cause));
    }

    /** Skips reports until one starting with {@code prefix}. */
    String await(String prefix) throws InterruptedException {
      while (true) {
        String s = seen.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(s, "no report starting with '" + prefix + "'");
        if (s.startsWith(prefix)) {
          return s;
        }
      }
    }

    Optional<Throwable> awaitEnded() throws Exception {
      return ended.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private ScriptedSseServlet serve(Step... steps) {
    ScriptedSseServlet servlet = new ScriptedSseServlet(steps);
    server = new JettyTestServer().servlet("/sse", servlet).start();
    return servlet;
  }

  private StreamConnection open(RecordingOwner owner, @Nullable String resumeFrom, String... subscriptions) {
    StreamSettings settings = new StreamSettings(server.uri("/sse"), List.of(subscriptions), "c-1",
        READ_TIMEOUT.toNanos(), () -> http, time, time.nanoTime());
    StreamConnection c = new StreamConnection(settings, owner, resumeFrom);
    c.open();
    return c;
  }

  @Test
  void open_resuming_sendsSseHeadersLastEventIdAndQuery() throws Exception {
    ScriptedSseServlet s = serve(Step.open(meta("m1")));
    RecordingOwner owner = new RecordingOwner();
    StreamConnection c = open(owner, "41", "kv", "db:todos");
    ScriptedSseServlet.Seen seen = s.requests.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(seen);
    assertEquals("text/event-stream", seen.accept());
    assertEquals("no-cache", seen.cacheControl());
    assertEquals("41", seen.lastEventIdHeader());
    assertEquals("c-1", seen.clientHeader());
    assertEquals("s=kv%2Cdb%3Atodos&cid=c-1&lastEventId=41", seen.query());
    assertEquals("opened", owner.await("opened"));
    assertEquals("first", owner.await("first"));
    assertEquals("message ren.meta m1", owner.await("message"));
    c.cancel(null);
    assertEquals(Optional.empty(), owner.awaitEnded());
  }

  @Test
  void open_serverError_endsWithStatusAndBody() throws Exception {
    serve(Step.error(503));
    RecordingOwner owner = new RecordingOwner();
    open(owner, null);
    Throwable e = owner.awaitEnded().orElseThrow();
    assertTrue(e instanceof StreamHttpErrorException, String.valueOf(e));
    assertEquals(503, ((StreamHttpErrorException) e).status());
    assertTrue(((StreamHttpErrorException) e).body().contains("scripted"), e.getMessage());
    assertFalse(owner.seen.contains("opened"));
  }

  @Test
  void open_okWithoutEventStreamType_endsWithIllegalState() throws Exception {
    serve(new Step(200, "application/json", "{}", false));
    RecordingOwner owner = new RecordingOwner();
    open(owner, null);
    Throwable e = owner.awaitEnded().orElseThrow();
    assertTrue(e instanceof IllegalStateException && e.getMessage().contains("application/json"), String.valueOf(e));
  }

  @Test
  void readTimeout_heartbeatsKeepArriving_connectionSurvives() throws Exception {
    ScriptedSseServlet s = serve(Step.open(meta("m1")));
    RecordingOwner owner = new RecordingOwner();
    open(owner, null);
    owner.await("message ren.meta");
    for (int i = 0; i < 4; i++) { // 120 s of virtual time, more than three read timeouts, with only pings
      time.advance(Duration.ofSeconds(30));
      s.send(":ping\n\n");
      assertEquals("comment ping", owner.await("comment"));
    }
    s.send("id: 2\nevent: test.done\ndata: {}\n\n");
    assertEquals("message test.done 2", owner.await("message"));
    assertFalse(owner.ended.isDone(), "still the same connection");
    assertEquals(1, s.requests.size());
  }

  @Test
  void readTimeout_silenceAfterLastByte_endsWithHttpTimeoutException() throws Exception {
    ScriptedSseServlet s = serve(Step.open(meta("m1")));
    RecordingOwner owner = new RecordingOwner();
    open(owner, null);
    owner.await("message ren.meta");
    time.advance(Duration.ofSeconds(20));
    s.send(":ping\n\n");
    owner.await("comment");
    time.advance(READ_TIMEOUT.minusMillis(1));
    assertFalse(owner.ended.isDone(), "silent for less than the read timeout since the ping");
    time.advance(Duration.ofMillis(1));
    Throwable e = owner.awaitEnded().orElseThrow();
    assertTrue(e instanceof HttpTimeoutException, String.valueOf(e));
    assertEquals(List.of(), time.pendingDelays(), "no timer left behind");
  }

  @Test
  void onRetry_retryAndIdFields_reportedAtDispatchPoints() throws Exception {
    serve(Step.thenClose("retry: 2500\nid: 7\n\n"));
    RecordingOwner owner = new RecordingOwner();
    open(owner, null);
    assertEquals("retry 2500", owner.await("retry"));
    assertEquals("lastEventId 7", owner.await("lastEventId"));
    assertEquals(Optional.empty(), owner.awaitEnded(), "the server ended the stream");
  }
}
