package dev.ren.micrometer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.access.RenCaller;
import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvStore;
import dev.ren.realtime.Realtime;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TokenClaims;
import dev.ren.storage.BlobStore;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestImages;
import dev.ren.testing.Waits;
import dev.ren.tokens.JwtTokens;
import dev.ren.transform.JobStatus;
import dev.ren.transform.TransformJob;
import dev.ren.transform.TransformService;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RenMetrics} over real components: a hub and {@link RenServlet} on Jetty (port 0), SSE clients over sockets,
 * real KV, document, blob and transform stores and realtime, read through a {@link SimpleMeterRegistry}. Each way a
 * stream ends is produced for real and read back as {@code ren.streams.closed{reason}}.
 */
class RenMetricsTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final Set<String> BOUNDED_TAGS = Set.of("reason", "domain", "state", "node");

  @TempDir
  Path dir;
  final List<AutoCloseable> toClose = new ArrayList<>();
  RenHub hub;
  RenServlet servlet;
  JettyTestServer server;
  final MeterRegistry registry = new SimpleMeterRegistry();

  void start(RenHub h, RenServletConfig config) {
    hub = h;
    servlet = new RenServlet(hub, config);
    server = new JettyTestServer().servlet("/api/maravilla/ren/*", servlet).start();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  SseTestClient open(String query) throws Exception {
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren" + query));
    toClose.add(c);
    return c;
  }

  SseTestClient opened(String query) throws Exception {
    SseTestClient c = open(query);
    c.next("ren.meta", WAIT);
    return c;
  }

  double counter(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  double closed(String reason) {
    return counter("ren.streams.closed", "reason", reason);
  }

  @Test
  void bindTo_streamsEventsReplayAndShutdown_metersFollowTheHub() throws Exception {
    start(RenHub.create(), RenServletConfig.builder().maxStreams(3).heartbeat(Duration.ofMillis(200)).build());
    KvStore kv = KvStore.inMemory(hub);
    toClose.add(kv);
    DocumentStore docs = DocumentStore.h2InMemory(hub);
    toClose.add(docs);
    RenMetrics.builder(hub).kv(kv).tags(Tags.of("node", "n1")).build().bindTo(registry);

    SseTestClient a = opened("?s=*");
    SseTestClient b = opened("?s=*");
    assertEquals(2, gauge("ren.streams.active"));
    assertEquals(2, counter("ren.streams.opened"));

    KvNamespace ns = kv.namespace("demo");
    String first = null;
    for (int i = 0; i < 3; i++) {
      ns.put("todo:" + i, TextNode.valueOf("v" + i));
    }
    ns.delete("todo:0");
    docs.collection("todos").insertOne(JsonNodeFactory.instance.objectNode().put("title", "a"));
    docs.collection("todos").insertOne(JsonNodeFactory.instance.objectNode().put("title", "b"));
    for (SseTestClient c : List.of(a, b)) {
      SseTestClient.Event e = c.next(WAIT);
      first = e.id();
      for (int i = 1; i < 6; i++) {
        c.next(WAIT);
      }
    }
    assertEquals(4, counter("ren.events.published", "domain", "kv"));
    assertEquals(2, counter("ren.events.published", "domain", "db"));
    assertEquals(0, counter("ren.events.published", "domain", "storage"));
    Waits.until(() -> counter("ren.events.delivered") == 12);
    FunctionTimer append = registry.get("ren.log.append").functionTimer();
    assertEquals(6, append.count());
    assertTrue(append.totalTime(TimeUnit.NANOSECONDS) > 0);
    assertEquals(2, gauge("ren.kv.entries"));
    assertTrue(gauge("ren.kv.bytes") > 2 * 320, "two entries, each charged its text and 320 B");

    a.kill();
    Waits.until(() -> closed("client") == 1);
    assertEquals(1, gauge("ren.streams.active"));

    // resume after the first event: the five after it are replayed
    SseTestClient resumed = open("?s=*&lastEventId=" + URLEncoder.encode(first, StandardCharsets.UTF_8));
    resumed.next("ren.meta", WAIT);
    for (int i = 0; i < 5; i++) {
      resumed.next(WAIT);
    }
    Waits.until(() -> counter("ren.replay.events") == 5);
    assertEquals(0, counter("ren.replay.resets"));

    SseTestClient third = opened("?s=*");
    assertEquals(3, gauge("ren.streams.active"));
    SseTestClient refused = open("?s=*"); // over maxStreams(3)
    assertTrue(refused.awaitEnd(WAIT));
    assertEquals(1, closed("max_streams"));

    resumed.close();
    Waits.until(() -> closed("client") == 2);
    SseTestClient reset = opened("?s=*&lastEventId=nonsense");
    Waits.until(() -> counter("ren.replay.resets") == 1);

    assertTrue(servlet.shutdown(WAIT));
    for (SseTestClient c : List.of(b, third, reset)) {
      assertTrue(c.awaitEnd(WAIT));
    }
    assertEquals(3, closed("shutdown"));
    assertEquals(0, gauge("ren.streams.active"));
    assertEquals(6, counter("ren.streams.opened"));
    assertEquals(0, closed("slow_consumer") + closed("token_expired") + closed("error"));

    for (Meter m : registry.getMeters()) {
      assertTrue(RenMetrics.meterNames().contains(m.getId().getName()), m.getId().getName());
      for (Tag t : m.getId().getTags()) {
        assertTrue(BOUNDED_TAGS.contains(t.getKey()), "unbounded tag " + t + " on " + m.getId());
      }
    }
  }

  @Test
  void bindTo_slowConsumerAndExpiredToken_countedByReason() throws Exception {
    JwtTokens tokens = JwtTokens.randomKey();
    RenSecurity sec = RenSecurity.builder(AccessRules.builder().read("*", "*", AccessRules.ANYONE).build())
        .tokens(tokens).authenticator(RenAuthenticator.chain(RenAuthenticator.tokens(tokens),
            RenAuthenticator.container()))
        .build();
    start(RenHub.builder().capacity(8).build(), RenServletConfig.builder().security(sec).maxUnsentBytes(1 << 30)
        .heartbeat(Duration.ofMillis(100)).build());
    RenMetrics.builder(hub).build().bindTo(registry);

    try (Socket stalled = new Socket("127.0.0.1", server.port())) {
      stalled.setReceiveBufferSize(4096);
      stalled.getOutputStream().write("GET /api/maravilla/ren?s=storage HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      Waits.until(() -> gauge("ren.streams.active") == 1);
      String pad = "s".repeat(4000);
      for (int i = 0; i < 2000 && closed("slow_consumer") == 0; i++) {
        hub.publish(RenEvent.builder("storage.object.created").namespace("b").key("k" + i)
            .data(TextNode.valueOf(pad)).build());
      }
      Waits.until(() -> closed("slow_consumer") == 1);
    }
    RenCaller alice = RenCaller.user("alice", Set.of("reader"), null);
    String token = tokens.mint(TokenClaims.access(alice, Instant.now().plusSeconds(2)));
    SseTestClient expiring = opened("?s=kv&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    assertTrue(expiring.awaitEnd(WAIT));
    Waits.until(() -> closed("token_expired") == 1);
    assertEquals(0, gauge("ren.streams.active"));
    assertTrue(counter("ren.events.published", "domain", "storage") >= 1);
  }

  @Test
  void bindTo_transformsAndPresence_gaugesFollowTheStores() throws Exception {
    hub = RenHub.create();
    BlobStore blobs = BlobStore.fileSystem(dir.resolve("blobs"), hub);
    TransformService transforms = TransformService.builder(blobs, hub).build();
    toClose.add(transforms);
    Realtime realtime = Realtime.create(hub);
    toClose.add(realtime);
    RenMetrics.builder(hub).transforms(transforms).realtime(realtime).build().bindTo(registry);
    assertEquals(0, gauge("ren.transform.jobs", "state", "complete"));
    assertEquals(0, gauge("ren.presence.members"));

    blobs.put("p.png", new ByteArrayInputStream(TestImages.png(80, 60)), "image/png", Map.of());
    TransformJob job = transforms.submit("thumbnail", "p.png", Map.of("size", "32"));
    Waits.until(() -> transforms.job(job.id()).orElseThrow().status() == JobStatus.COMPLETE);
    Waits.until(() -> gauge("ren.transform.jobs", "state", "complete") == 1); // the reading is reused up to 1 s
    assertEquals(0, gauge("ren.transform.jobs", "state", "pending"));
    assertEquals(0, gauge("ren.transform.jobs", "state", "running"));
    assertEquals(0, gauge("ren.transform.jobs", "state", "failed"));
    assertTrue(counter("ren.events.published", "domain", "transform") >= 3, "queued, started, complete");

    realtime.join("room-1", "alice", null);
    realtime.join("room-2", "alice", null);
    realtime.join("room-1", "bob", null);
    assertEquals(3, gauge("ren.presence.members"));
    realtime.leave("room-1", "bob");
    assertEquals(2, gauge("ren.presence.members"));
    assertEquals(4, counter("ren.events.published", "domain", "presence"), "three joins and a leave");
  }

  @Test
  void builder_settingGivenTwice_failsNamingIt() {
    hub = RenHub.create();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RenMetrics.builder(hub).tags(Tags.of("a", "b")).tags(Tags.of("c", "d")));
    assertTrue(e.getMessage().contains("tags"), e.getMessage());
  }
}
