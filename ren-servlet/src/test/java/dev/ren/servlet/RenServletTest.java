package dev.ren.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenServletTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  final HttpClient http = HttpClient.newHttpClient();
  RenHub hub;
  JettyTestServer server;
  RenServlet servlet;

  void start(RenHub h, RenServletConfig config) {
    hub = h;
    servlet = new RenServlet(hub, config);
    server = new JettyTestServer().filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", servlet)
        .servlet("/publish", new PublishServlet(hub))
        .start();
  }

  void start() {
    start(RenHub.create(), RenServletConfig.defaults());
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

  SseTestClient open(String query) throws IOException {
    return SseTestClient.open(server.uri("/api/maravilla/ren" + query));
  }

  /** Publishes a kv.put through HTTP so the X-Ren-Client → src path is real. */
  static final class PublishServlet extends HttpServlet {
    final RenHub hub;

    PublishServlet(RenHub hub) {
      this.hub = hub;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String id = hub.publish(RenEvent.kvPut(req.getParameter("ns"), req.getParameter("k"), "1"));
      resp.getWriter().write(id);
    }
  }

  @Test
  void stream_opened_sendsHeadersAndMetaFirst() throws Exception {
    start();
    try (SseTestClient c = open("?s=*&cid=client_1")) {
      assertEquals(200, c.status());
      assertEquals("text/event-stream;charset=utf-8", c.header("Content-Type").replace(" ", "").toLowerCase());
      assertEquals("no-cache", c.header("Cache-Control"));
      assertEquals("no", c.header("X-Accel-Buffering"));
      assertNull(c.header("Connection"), "no Connection header (forbidden in HTTP/2)");
      SseTestClient.Event meta = c.next(WAIT);
      assertEquals("ren.meta", meta.type());
      JsonNode j = meta.json();
      assertEquals("ren.meta", j.get("t").asText());
      assertEquals("ren", j.get("r").asText());
      assertEquals("client_1", j.get("clientId").asText());
      assertEquals(hub.nodeId(), j.get("node").asText());
      assertFalse(j.has("reset"));
      assertNotNull(meta.id(), "meta carries the start position as its id");
    }
  }

  /**
   * RELIABILITY 6: an application that puts Jetty's GzipHandler in front of everything (compressing from the first
   * byte) must not get a stream whose events wait in a compressor's buffer: they arrive at once, uncompressed.
   */
  @Test
  void stream_behindJettyGzipHandlerForAcceptEncodingGzip_eventsArriveUncompressedAtOnce() throws Exception {
    hub = RenHub.create();
    servlet = new RenServlet(hub, RenServletConfig.defaults());
    server = new JettyTestServer().servlet("/api/maravilla/ren/*", servlet).servlet("/plain", new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        resp.getWriter().write("x".repeat(5000));
      }
    });
    GzipHandler gzip = new GzipHandler();
    gzip.setMinGzipSize(0);
    gzip.setHandler(server.context());
    server.server().setHandler(gzip);
    server.start();
    HttpResponse<byte[]> plain = http.send(HttpRequest.newBuilder(server.uri("/plain"))
        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals("gzip", plain.headers().firstValue("Content-Encoding").orElse(null), "the handler compresses");
    try (SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren"), Map.of("Accept-Encoding", "gzip"))) {
      assertEquals(200, c.status());
      assertNull(c.header("Content-Encoding"), "the stream is not compressed");
      c.next("ren.meta", WAIT);
      String id = hub.publish(RenEvent.kvPut("demo", "k", "1"));
      SseTestClient.Event e = c.next(WAIT);
      assertEquals(id, e.id());
      assertEquals("kv.put", e.type());
    }
  }

  @Test
  void publish_kvPut_arrivesWithExactWireFormat() throws Exception {
    start();
    try (SseTestClient c = open("")) {
      c.next("ren.meta", WAIT);
      String id;
      try (RenOrigin.Scope s = RenOrigin.open("c1")) {
        id = hub.publish(RenEvent.kvPut("demo", "todo:abc", "3").withTs(1710000000000L));
      }
      SseTestClient.Event e = c.next(WAIT);
      assertEquals(id, e.id());
      assertEquals("kv.put", e.type());
      assertEquals("{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":\"todo:abc\",\"ns\":\"demo\",\"v\":\"3\","
          + "\"ts\":1710000000000,\"src\":\"c1\"}", e.data());
      String raw = new String(c.rawBody(), StandardCharsets.UTF_8);
      assertTrue(raw.endsWith("\n\n"), "every event ends with a blank line");
    }
  }

  @Test
  void publish_overHttpWithClientHeader_stampsSrc() throws Exception {
    start();
    try (SseTestClient c = open("?s=kv")) {
      c.next("ren.meta", WAIT);
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/publish?ns=demo&k=a"))
          .header("X-Ren-Client", "tab-7").POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      SseTestClient.Event e = c.next("kv.put", WAIT);
      assertEquals("tab-7", e.json().get("src").asText());
      assertEquals(r.body(), e.id());
    }
  }

  @Test
  void publish_overHttpWithInvalidClientHeader_is400AndPublishesNothing() throws Exception {
    start();
    try (SseTestClient c = open("?s=kv")) {
      c.next("ren.meta", WAIT);
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/publish?ns=demo&k=a"))
          .header("X-Ren-Client", "bad id!").POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, r.statusCode());
      assertEquals("invalid_client_id", TestJson.parse(r.body()).get("error").asText());
      assertNull(c.poll(Duration.ofMillis(300)));
    }
  }

  @Test
  void stream_withFilters_receivesOnlyMatchingEvents() throws Exception {
    start();
    try (SseTestClient c = open("?s=" + enc("kv:demo,db.document.deleted,realtime:room-1"))) {
      c.next("ren.meta", WAIT);
      hub.publish(RenEvent.kvPut("other", "x", "1"));
      hub.publish(RenEvent.dbCreated("todos", "1", "1"));
      hub.publish(RenEvent.kvPut("demo", "a", "1"));
      hub.publish(RenEvent.dbDeleted("todos", "1", "2"));
      hub.publish(RenEvent.realtimeMessage("room-2", TextNode.valueOf("no"), null));
      hub.publish(RenEvent.realtimeMessage("room-1", TextNode.valueOf("yes"), null));
      assertEquals("kv.put", c.next(WAIT).type());
      assertEquals("db.document.deleted", c.next(WAIT).type());
      SseTestClient.Event m = c.next(WAIT);
      assertEquals("realtime.message", m.type());
      assertEquals("yes", m.json().get("data").asText());
      assertNull(c.poll(Duration.ofMillis(300)));
    }
  }

  @Test
  void stream_withMalformedFilter_is400Json() throws Exception {
    start();
    for (String bad : List.of("KV", "kv:", "kv,,db", "kv:a b", "kv.\nevent", "a".repeat(3000))) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          server.uri("/api/maravilla/ren?s=" + enc(bad))).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, r.statusCode(), bad);
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      JsonNode body = TestJson.parse(r.body());
      assertTrue(body.get("error").asText().startsWith("invalid_filter") || body.get("error").asText()
          .equals("query_too_long"), r.body());
      assertFalse(body.get("message").asText().isEmpty());
    }
    assertEquals(0, hub.subscriberCount());
  }

  @Test
  void stream_withTooManyFilterClauses_is400() throws Exception {
    start();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 33; i++) {
      s.append(i == 0 ? "" : ",").append("kv:n").append(i);
    }
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren?s=" + s)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("32"), r.body());
  }

  @Test
  void stream_withInvalidCid_is400() throws Exception {
    start();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        server.uri("/api/maravilla/ren?cid=" + enc("x\ny"))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertEquals("invalid_client_id", TestJson.parse(r.body()).get("error").asText());
  }

  @Test
  void resume_withLastEventIdHeader_replaysMissedEventsThenLive() throws Exception {
    start();
    String first = hub.publish(RenEvent.kvPut("demo", "1", "1"));
    hub.publish(RenEvent.kvPut("demo", "2", "1"));
    hub.publish(RenEvent.kvPut("demo", "3", "1"));
    try (SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren"), Map.of("Last-Event-ID", first))) {
      SseTestClient.Event meta = c.next("ren.meta", WAIT);
      assertFalse(meta.json().has("reset"));
      assertEquals(first, meta.id());
      assertEquals("2", c.next(WAIT).json().get("k").asText());
      assertEquals("3", c.next(WAIT).json().get("k").asText());
      hub.publish(RenEvent.kvPut("demo", "4", "1"));
      assertEquals("4", c.next(WAIT).json().get("k").asText());
      assertNull(c.poll(Duration.ofMillis(200)), "no duplicate at the replay/live boundary");
    }
  }

  @Test
  void resume_replayLargerThanOneBatch_arrivesWholeInOrderAcrossSeveralWrites() throws Exception {
    // 200 frames of about 1 KB against a 4 KiB batch limit: replay goes out in many joined writes
    start(RenHub.create(), RenServletConfig.builder().maxBatchBytes(4096).build());
    String first = hub.publish(RenEvent.kvPut("demo", "0", "1"));
    String pad = "p".repeat(900);
    for (int i = 1; i <= 200; i++) {
      hub.publish(RenEvent.kvPut("demo", i + ":" + pad, "1"));
    }
    try (SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren"), Map.of("Last-Event-ID", first))) {
      c.next("ren.meta", WAIT);
      for (int i = 1; i <= 200; i++) {
        assertEquals(i + ":" + pad, c.next(WAIT).json().get("k").asText());
      }
      assertNull(c.poll(Duration.ofMillis(200)), "nothing after the replay");
    }
  }

  @Test
  void resume_withLastEventIdQuery_appliesFilterToReplay() throws Exception {
    start();
    String first = hub.publish(RenEvent.kvPut("demo", "1", "1"));
    hub.publish(RenEvent.kvPut("other", "2", "1"));
    hub.publish(RenEvent.kvPut("demo", "3", "1"));
    try (SseTestClient c = open("?s=kv:demo&lastEventId=" + enc(first))) {
      c.next("ren.meta", WAIT);
      assertEquals("3", c.next(WAIT).json().get("k").asText());
      assertNull(c.poll(Duration.ofMillis(200)));
    }
  }

  @Test
  void resume_fromNewestId_getsNothingThenLive() throws Exception {
    start();
    hub.publish(RenEvent.kvPut("demo", "1", "1"));
    String newest = hub.publish(RenEvent.kvPut("demo", "2", "1"));
    try (SseTestClient c = open("?lastEventId=" + enc(newest))) {
      c.next("ren.meta", WAIT);
      assertNull(c.poll(Duration.ofMillis(200)));
      hub.publish(RenEvent.kvPut("demo", "3", "1"));
      assertEquals("3", c.next(WAIT).json().get("k").asText());
    }
  }

  @Test
  void resume_fromMetaIdBeforeAnyEvent_hasNoGap() throws Exception {
    start();
    String metaId;
    try (SseTestClient c = open("")) {
      metaId = c.next("ren.meta", WAIT).id();
    }
    hub.publish(RenEvent.kvPut("demo", "while-away", "1"));
    try (SseTestClient c = open("?lastEventId=" + enc(metaId))) {
      assertFalse(c.next("ren.meta", WAIT).json().has("reset"));
      assertEquals("while-away", c.next(WAIT).json().get("k").asText());
    }
  }

  @Test
  void resume_withUntrustedIds_resetsAndGoesLive() throws Exception {
    start();
    String real = hub.publish(RenEvent.kvPut("demo", "1", "1"));
    String epoch = real.substring(0, real.indexOf('.'));
    // 6,000 characters: as long as Jetty's default 8 KiB header limit lets through (beyond it Jetty answers 431)
    List<String> hostile = List.of("garbage", "x".repeat(6_000), "zzzzzzzz.1", epoch + ".999999",
        epoch + ".-1", epoch + ".1a", epoch + "." + "9".repeat(30), "\u00e9\u00e9", epoch + ".");
    for (String id : hostile) {
      try (SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren"), Map.of("Last-Event-ID", id))) {
        String shown = id.length() > 40 ? id.substring(0, 40) + "..." : id;
        assertEquals(200, c.status(), shown);
        SseTestClient.Event meta = c.next("ren.meta", WAIT);
        assertTrue(meta.json().get("reset").asBoolean(), "reset for " + shown);
        hub.publish(RenEvent.kvPut("demo", "live", "1"));
        assertEquals("live", c.next("kv.put", WAIT).json().get("k").asText());
      }
    }
  }

  @Test
  void resume_olderThanRing_resets() throws Exception {
    start(RenHub.builder().capacity(4).build(), RenServletConfig.defaults());
    String old = hub.publish(RenEvent.kvPut("demo", "0", "1"));
    for (int i = 1; i <= 10; i++) {
      hub.publish(RenEvent.kvPut("demo", String.valueOf(i), "1"));
    }
    try (SseTestClient c = open("?lastEventId=" + enc(old))) {
      assertTrue(c.next("ren.meta", WAIT).json().get("reset").asBoolean());
      assertNull(c.poll(Duration.ofMillis(200)), "a reset replays nothing");
    }
  }

  @Test
  void resume_afterHubRestart_isRecognisedAsForeignEpoch() throws Exception {
    start();
    String id = hub.publish(RenEvent.kvPut("demo", "1", "1"));
    RenHub restarted = RenHub.create();
    try (JettyTestServer other = new JettyTestServer().filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(restarted)).start();
         SseTestClient c = SseTestClient.open(other.uri("/api/maravilla/ren?lastEventId=" + enc(id)))) {
      assertTrue(c.next("ren.meta", WAIT).json().get("reset").asBoolean());
    } finally {
      restarted.close();
    }
  }

  @Test
  void heartbeat_idleStream_receivesPingComments() throws Exception {
    start(RenHub.create(), RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build());
    try (SseTestClient c = open("")) {
      c.next("ren.meta", WAIT);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c.comments() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(c.comments() >= 2, "heartbeats: " + c.comments());
      assertTrue(new String(c.rawBody(), StandardCharsets.UTF_8).contains(":ping\n\n"));
    }
  }

  @Test
  void disconnect_killedClient_isCleanedUpOnNextWrite() throws Exception {
    start(RenHub.create(), RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build());
    SseTestClient c = open("?cid=gone");
    c.next("ren.meta", WAIT);
    assertEquals(1, hub.subscriberCount());
    assertTrue(hub.isClientConnected("gone"));
    c.kill();
    awaitTrue(() -> hub.subscriberCount() == 0 && servlet.activeStreams() == 0, "cleanup after kill");
    assertFalse(hub.isClientConnected("gone"));
  }

  @Test
  void limit_beyondMaxStreams_toldToRetryNotFailed() throws Exception {
    start(RenHub.create(), RenServletConfig.builder().maxStreams(1).overloadRetry(Duration.ofMillis(2500))
        .heartbeat(Duration.ofMillis(100)).build());
    try (SseTestClient first = open("")) {
      first.next("ren.meta", WAIT);
      try (SseTestClient second = open("")) {
        assertEquals(200, second.status(), "a non-200 makes EventSource give up for good");
        assertTrue(second.awaitEnd(WAIT), "overloaded stream is closed");
        assertEquals(2500L, second.lastRetry());
      }
    }
    awaitTrue(() -> servlet.activeStreams() == 0, "streams released");
    try (SseTestClient again = open("")) {
      again.next("ren.meta", WAIT);
    }
  }

  @Test
  void framing_valuesWithLineBreaksEmojiAndLoneSurrogates_roundTripExactly() throws Exception {
    start();
    List<String> values = List.of("a\nb", "a\r\nb", "a\rb", "\n\n\r\r", "emoji \uD83D\uDE00 ok", "lone \uD800 high",
        "lone \uDC00 low", "end\uD83D", "nul\u0000x", "id: 1\nevent: evil\ndata: x\n\n", "\u2028\u2029");
    try (SseTestClient c = open("?s=kv")) {
      c.next("ren.meta", WAIT);
      for (String v : values) {
        hub.publish(RenEvent.builder("kv.put").namespace("demo").key(v).version("1")
            .data(TextNode.valueOf(v)).build());
      }
      for (String v : values) {
        SseTestClient.Event e = c.next(WAIT);
        assertEquals("kv.put", e.type(), "no injected event type");
        JsonNode j = e.json();
        assertEquals(v, j.get("k").asText());
        assertEquals(v, j.get("data").asText());
      }
      assertNull(c.poll(Duration.ofMillis(200)), "no injected extra events");
      byte[] raw = c.rawBody();
      assertFalse(raw.length >= 3 && (raw[0] & 0xff) == 0xEF, "no BOM");
      String text = new String(raw, StandardCharsets.UTF_8);
      assertFalse(text.contains("\uFFFD"), "valid UTF-8 throughout");
    }
  }

  @Test
  void slowConsumer_stalledReader_isClosedWithoutAffectingOthers() throws Exception {
    start(RenHub.builder().capacity(1 << 16).build(),
        RenServletConfig.builder().maxUnsentBytes(512 << 10).heartbeat(Duration.ofMillis(200)).build());
    // a raw socket that never reads: its socket buffers fill, then its lag grows past the limit
    try (java.net.Socket stalled = new java.net.Socket("127.0.0.1", server.port());
         SseTestClient healthy = open("?s=kv")) {
      stalled.setReceiveBufferSize(4096);
      stalled.getOutputStream().write(("GET /api/maravilla/ren HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      healthy.next("ren.meta", WAIT);
      awaitTrue(() -> servlet.activeStreams() == 2, "both streams open");
      String pad = "x".repeat(1000);
      // paced in batches the healthy reader keeps up with (so only the stalled one falls behind), ~11 MB in
      // total: more than loopback socket buffers can absorb
      int batches = 200;
      int perBatch = 50;
      for (int b = 0; b < batches; b++) {
        for (int i = 0; i < perBatch; i++) {
          hub.publish(RenEvent.builder("kv.put").namespace("demo").key(b + ":" + i).data(TextNode.valueOf(pad))
              .build());
        }
        for (int i = 0; i < perBatch; i++) {
          assertEquals(b + ":" + i, healthy.next(WAIT).json().get("k").asText());
        }
      }
      awaitTrue(() -> servlet.activeStreams() == 1 && hub.subscriberCount() == 1, "stalled reader closed");
      hub.publish(RenEvent.kvPut("demo", "after", "1"));
      assertEquals("after", healthy.next(WAIT).json().get("k").asText(), "the healthy stream is unaffected");
    }
  }

  @Test
  void overrun_readerBehindRing_isClosedAndResetOnReconnect() throws Exception {
    start(RenHub.builder().capacity(8).build(),
        RenServletConfig.builder().maxUnsentBytes(1 << 30).heartbeat(Duration.ofMillis(100)).build());
    try (java.net.Socket stalled = new java.net.Socket("127.0.0.1", server.port())) {
      stalled.setReceiveBufferSize(4096);
      stalled.getOutputStream().write(("GET /api/maravilla/ren HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      awaitTrue(() -> servlet.activeStreams() == 1, "stream open");
      String pad = "y".repeat(4000);
      String first = null;
      for (int i = 0; i < 2000 && servlet.activeStreams() == 1; i++) {
        String id = hub.publish(RenEvent.builder("kv.put").namespace("d").key("k" + i)
            .data(TextNode.valueOf(pad)).build());
        if (first == null) {
          first = id;
        }
      }
      awaitTrue(() -> servlet.activeStreams() == 0, "overrun reader closed");
      try (SseTestClient c = open("?lastEventId=" + enc(first))) {
        assertTrue(c.next("ren.meta", WAIT).json().get("reset").asBoolean());
      }
    }
  }

  @Test
  void concurrency_manyPublishersManySubscribers_eachSeesEveryEventOnceInOneOrder() throws Exception {
    start();
    int subscribers = 8;
    int publishers = 4;
    int perPublisher = 500;
    List<SseTestClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < subscribers; i++) {
        SseTestClient c = open("?s=kv:load");
        c.next("ren.meta", WAIT);
        clients.add(c);
      }
      ExecutorService pool = Executors.newFixedThreadPool(publishers);
      CountDownLatch go = new CountDownLatch(1);
      for (int p = 0; p < publishers; p++) {
        int pp = p;
        pool.execute(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < perPublisher; i++) {
            hub.publish(RenEvent.kvPut("load", pp + ":" + i, String.valueOf(i)));
          }
        });
      }
      go.countDown();
      pool.shutdown();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
      List<String> reference = null;
      for (SseTestClient c : clients) {
        List<String> seen = new ArrayList<>();
        int[] next = new int[publishers];
        for (int i = 0; i < publishers * perPublisher; i++) {
          SseTestClient.Event e = c.next(WAIT);
          String k = e.json().get("k").asText();
          int p = Integer.parseInt(k.substring(0, k.indexOf(':')));
          int seq = Integer.parseInt(k.substring(k.indexOf(':') + 1));
          assertEquals(next[p]++, seq, "per-publisher order, no gap, no duplicate");
          seen.add(e.id());
        }
        assertNull(c.poll(Duration.ofMillis(100)));
        if (reference == null) {
          reference = seen;
        } else {
          assertEquals(reference, seen, "every subscriber sees one order");
        }
      }
    } finally {
      clients.forEach(SseTestClient::close);
    }
  }

  @Test
  void clientJs_served_asCacheableJavascriptWithEtag() throws Exception {
    start();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren/client.js")).build(),
        HttpResponse.BodyHandlers.ofString());
    if (RenServlet.class.getResource("/dev/ren/servlet/ren.js") == null) {
      assertEquals(404, r.statusCode());
      return;
    }
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
    String etag = r.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> again = http.send(HttpRequest.newBuilder(server.uri("/api/maravilla/ren/client.js"))
        .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(304, again.statusCode());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(10);
    }
  }

}
