package dev.ren.redis;

import dev.ren.EventLogUnavailableException;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nodes as deployed: each hub behind its own Jetty on port 0, browsers as raw-socket SSE clients, one Redis. */
@Tag("redis")
class RedisSseTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String PATH = "/api/maravilla/ren";

  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private JettyTestServer serve(RenHub hub, RenServletConfig config) {
    JettyTestServer s = new JettyTestServer().filter("/*", new RenClientFilter()).servlet(PATH + "/*", new RenServlet(hub, config)).start();
    open.add(s);
    return s;
  }

  private JettyTestServer serve(RenHub hub) {
    return serve(hub, RenServletConfig.defaults());
  }

  private SseTestClient client(JettyTestServer s, String query) throws Exception {
    SseTestClient c = SseTestClient.open(s.uri(PATH + query));
    open.add(c);
    assertEquals(200, c.status());
    return c;
  }

  private SseTestClient resume(JettyTestServer s, String lastEventId) throws Exception {
    SseTestClient c = SseTestClient.open(s.uri(PATH), Map.of("Last-Event-ID", lastEventId));
    open.add(c);
    return c;
  }

  private Nodes nodes(PrivateRedis redis) {
    Nodes n = new Nodes(redis.uri());
    open.add(n);
    return n;
  }

  private PrivateRedis redis(boolean persistent) throws Exception {
    PrivateRedis r = PrivateRedis.start(dir.resolve("redis"), persistent);
    open.add(r);
    return r;
  }

  @Test
  void mutationOnA_reachesSseClientsOnBAndC_andAMovedClientGetsExactlyTheMissedEvents() throws Exception {
    Nodes n = nodes(redis(false));
    RenHub a = n.node();
    RenHub b = n.node();
    RenHub c = n.node();
    JettyTestServer sa = serve(a);
    JettyTestServer sb = serve(b);
    JettyTestServer sc = serve(c);
    SseTestClient onA = client(sa, "?s=kv");
    SseTestClient onB = client(sb, "?s=kv");
    SseTestClient onC = client(sc, "?s=kv");
    for (SseTestClient cl : List.of(onA, onB, onC)) {
      assertFalse(cl.next("ren.meta", WAIT).json().has("reset"));
    }
    String id = a.publish(Nodes.event(1));
    for (SseTestClient cl : List.of(onA, onB, onC)) {
      SseTestClient.Event e = cl.next("kv.put", WAIT);
      assertEquals(id, e.id());
      assertEquals("k1", e.json().get("k").asText());
    }
    // the client on A loses its node; meanwhile three more events happen (published on A and C)
    onA.kill();
    List<String> missed = List.of(a.publish(Nodes.event(2)), c.publish(Nodes.event(3)), a.publish(Nodes.event(4)));
    try (SseTestClient moved = SseTestClient.open(sb.uri(PATH + "?s=kv"), Map.of("Last-Event-ID", id))) {
      assertFalse(moved.next("ren.meta", WAIT).json().has("reset"));
      List<String> got = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        got.add(moved.next("kv.put", WAIT).id());
      }
      assertEquals(missed, got);
      assertNull(moved.poll(Duration.ofMillis(300)), "nothing after the missed events");
    }
  }

  @Test
  void storageChangeOnA_clientsOnBSeeBothNamesWithOneIdLiveAndReplayedFromTheLog() throws Exception {
    Nodes n = nodes(redis(false));
    RenHub a = n.node();
    RenHub b = n.smallNode(8);
    JettyTestServer sb = serve(b);
    SseTestClient live = client(sb, "");
    live.next("ren.meta", WAIT);
    String before = a.publish(Nodes.event(0));
    live.next("kv.put", WAIT);
    String id = a.publish(dev.ren.RenEvent.storageCreated("bkt", "x.txt", "e1"));
    SseTestClient.Event put = live.next(WAIT);
    SseTestClient.Event created = live.next(WAIT);
    assertEquals(List.of("storage.put", "storage.object.created"), List.of(put.type(), created.type()));
    assertEquals(id, put.id());
    assertEquals(id, created.id());
    assertEquals("storage.object.created", created.json().get("t").asText());
    assertEquals("storage.put", put.json().get("t").asText());
    // push the storage event out of B's 8-event ring: a resume from before it is read back from Redis
    List<String> later = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      later.add(a.publish(Nodes.event(i)));
    }
    Waits.until(() -> later.get(later.size() - 1).equals(b.headId()));
    SseTestClient replayed = resume(sb, before);
    assertFalse(replayed.next("ren.meta", WAIT).json().has("reset"));
    SseTestClient.Event rPut = replayed.next(WAIT);
    SseTestClient.Event rCreated = replayed.next(WAIT);
    assertEquals(List.of("storage.put", "storage.object.created"), List.of(rPut.type(), rCreated.type()));
    assertEquals(List.of(id, id), List.of(rPut.id(), rCreated.id()));
    assertEquals(later.get(0), replayed.next(WAIT).id(), "then the next event, nothing twice");
    SseTestClient afterIt = resume(sb, id);
    assertFalse(afterIt.next("ren.meta", WAIT).json().has("reset"));
    assertEquals(later.get(0), afterIt.next(WAIT).id(), "resuming from the change's id replays neither frame");
  }

  @Test
  void concurrentPublishersOnTwoNodes_everySseClientSeesTheSameOrder() throws Exception {
    Nodes n = nodes(redis(false));
    RenHub a = n.node();
    RenHub b = n.node();
    List<SseTestClient> clients = new ArrayList<>();
    for (RenHub h : List.of(a, b)) {
      JettyTestServer s = serve(h);
      for (int i = 0; i < 2; i++) {
        SseTestClient cl = client(s, "");
        cl.next("ren.meta", WAIT);
        clients.add(cl);
      }
    }
    int each = 100;
    Thread ta = new Thread(() -> {
      for (int i = 0; i < each; i++) {
        a.publish(Nodes.event(i));
      }
    });
    ta.start();
    for (int i = 0; i < each; i++) {
      b.publish(Nodes.event(1000 + i));
    }
    ta.join(20_000);
    List<String> first = null;
    for (SseTestClient cl : clients) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 2 * each; i++) {
        ids.add(cl.next("kv.put", WAIT).id());
      }
      if (first == null) {
        first = ids;
      } else {
        assertEquals(first, ids);
      }
    }
  }

  @Test
  void flushAll_resumingClientGetsReset_liveClientsKeepReceiving() throws Exception {
    PrivateRedis redis = redis(false);
    Nodes n = nodes(redis);
    RenHub a = n.node();
    RenHub b = n.node();
    JettyTestServer sb = serve(b);
    SseTestClient live = client(sb, "");
    live.next("ren.meta", WAIT);
    String before = a.publish(Nodes.event(1));
    assertEquals(before, live.next("kv.put", WAIT).id());
    assertEquals("+OK", redis.command("FLUSHALL"));
    String after = a.publish(Nodes.event(2));
    assertEquals(after, live.next("kv.put", WAIT).id());
    SseTestClient resumed = resume(sb, before);
    assertTrue(resumed.next("ren.meta", WAIT).json().get("reset").asBoolean());
    assertNull(resumed.poll(Duration.ofMillis(300)), "a reset replays nothing");
  }

  @Test
  void redisDown_sseStaysOpenWithHeartbeats_publishFails_thenResumesWithoutDuplicates() throws Exception {
    PrivateRedis redis = redis(true);
    Nodes n = nodes(redis);
    RenHub a = n.node();
    RenHub b = n.node();
    JettyTestServer sb = serve(b, RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build());
    SseTestClient live = client(sb, "");
    live.next("ren.meta", WAIT);
    String first = a.publish(Nodes.event(1));
    assertEquals(first, live.next("kv.put", WAIT).id());
    redis.stop();
    assertThrows(EventLogUnavailableException.class, () -> a.publish(Nodes.event(2)));
    int pings = live.comments();
    Waits.until(() -> live.comments() >= pings + 3); // heartbeats while Redis is down
    assertFalse(live.ended());
    redis.restart();
    String next = Nodes.publishUntilAccepted(a, Nodes.event(3));
    assertEquals(next, live.next("kv.put", WAIT).id());
    assertNull(live.poll(Duration.ofMillis(1500)), "no duplicate after the outage");
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
