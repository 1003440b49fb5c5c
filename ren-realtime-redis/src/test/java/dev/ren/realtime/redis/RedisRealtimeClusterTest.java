package dev.ren.realtime.redis;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.hub.RenHub;
import dev.ren.realtime.ChannelMessage;
import dev.ren.realtime.PresenceMember;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeUnavailableException;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several nodes (one {@link Realtime} each, with its own publisher and backend) on one real redis-server: one
 * sequence and one history per channel, presence visible from every node, members of a dead node leaving on the
 * others exactly once, Redis down and back.
 */
@Tag("redis")
class RedisRealtimeClusterTest {

  @TempDir
  Path dir;
  PrivateRedis redis;
  final List<Node> nodes = new ArrayList<>();

  record Node(Realtime realtime, RecordingPublisher events, RedisRealtimeBackend backend, RenHub clients) {}

  @BeforeEach
  void startRedis() throws Exception {
    redis = PrivateRedis.start(dir, false);
  }

  @AfterEach
  void stop() {
    for (Node n : nodes) {
      n.realtime().close();
      n.clients().close();
    }
    redis.close();
  }

  Node node() {
    return node(b -> b);
  }

  Node node(java.util.function.UnaryOperator<Realtime.Builder> settings) {
    RedisRealtimeBackend backend = RedisRealtimeBackend.builder(redis.uri()).sweepInterval(Duration.ofMillis(100))
        .heartbeatInterval(Duration.ofMillis(100)).heartbeatTtl(Duration.ofMillis(500))
        .commandTimeout(Duration.ofMillis(500)).build();
    RecordingPublisher events = new RecordingPublisher();
    RenHub clients = RenHub.create();
    Realtime rt = settings.apply(Realtime.builder(events, clients).history("room-*", 10_000)).backend(backend)
        .build();
    Node n = new Node(rt, events, backend, clients);
    nodes.add(n);
    return n;
  }

  @Test
  void publish_concurrentlyOnTwoNodes_oneSequenceWithoutDuplicatesAndOneHistory() throws Exception {
    Node a = node();
    Node b = node();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Realtime rt = (t % 2 == 0 ? a : b).realtime();
      int thread = t;
      results.add(pool.submit(() -> {
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          seqs.add(rt.publish("room-1", TestJson.parse("{\"t\":" + thread + ",\"i\":" + i + "}"), null).seq());
        }
        return seqs;
      }));
    }
    Set<Long> seen = new HashSet<>();
    for (Future<List<Long>> f : results) {
      for (long s : f.get(60, TimeUnit.SECONDS)) {
        assertTrue(seen.add(s), "sequence number " + s + " given twice");
      }
    }
    pool.shutdown();

    assertEquals(800, seen.size());
    assertEquals(1, (long) seen.stream().min(Long::compare).orElseThrow());
    assertEquals(800, (long) seen.stream().max(Long::compare).orElseThrow());
    List<Long> fromA = seqs(a.realtime());
    List<Long> fromB = seqs(b.realtime());
    assertEquals(800, fromA.size());
    assertEquals(fromA, fromB, "both nodes read one history");
    Set<String> events = new HashSet<>();
    for (Node n : List.of(a, b)) {
      for (RenEvent e : n.events().ofType(EventTypes.REALTIME_MESSAGE)) {
        assertTrue(events.add(String.valueOf(e.v())), "v " + e.v() + " published twice");
      }
    }
    assertEquals(800, events.size(), "each message published once, by the node it was published on");
  }

  private static List<Long> seqs(Realtime rt) {
    List<Long> out = new ArrayList<>();
    long after = 0;
    while (true) {
      List<ChannelMessage> page = rt.history("room-1", after, Realtime.MAX_HISTORY_LIMIT).messages();
      if (page.isEmpty()) {
        return out;
      }
      for (ChannelMessage m : page) {
        out.add(m.seq());
        after = m.seq();
      }
    }
  }

  @Test
  @SuppressWarnings("try")
  void presence_joinedOnOneNode_listedOnTheOtherAndKeptWhileAnyNodeHoldsIt() {
    Node a = node();
    Node b = node();
    try (RenOrigin.Scope s = RenOrigin.open("tab-a")) {
      assertTrue(a.realtime().join("chat", "alice", TestJson.parse("{\"c\":1}")));
    }
    assertEquals(List.of("alice"), b.realtime().members("chat").stream().map(PresenceMember::userId).toList());
    assertEquals(List.of("chat"), b.realtime().channels());
    try (RenOrigin.Scope s = RenOrigin.open("tab-b")) {
      // the same user through the other node: present already, no second join
      assertTrue(!b.realtime().join("chat", "alice", TestJson.parse("{\"c\":1}")));
    }
    assertTrue(b.events().ofType(EventTypes.PRESENCE_JOIN).isEmpty());

    try (RenOrigin.Scope s = RenOrigin.open("tab-a")) {
      assertTrue(a.realtime().leave("chat", "alice")); // node a's last hold; node b still holds alice
    }
    assertEquals(1, b.realtime().members("chat").size(), "still held through node b");
    assertTrue(a.events().ofType(EventTypes.PRESENCE_LEAVE).isEmpty());

    try (RenOrigin.Scope s = RenOrigin.open("tab-b")) {
      assertTrue(b.realtime().leave("chat", "alice"));
    }
    assertTrue(a.realtime().members("chat").isEmpty());
    assertEquals(1, b.events().ofType(EventTypes.PRESENCE_LEAVE).size());
  }

  @Test
  void nodeDies_itsMembersLeaveOnTheOthers_exactlyOnce() throws Exception {
    Node a = node();
    Node b = node();
    Node c = node();
    for (int i = 0; i < 30; i++) {
      a.realtime().join("room-" + (i % 3), "user-" + i, TestJson.parse("{\"i\":" + i + "}"));
    }
    b.realtime().join("room-0", "bob", null);

    a.backend().crash(); // as kill -9: no goodbye, nothing released; its heartbeat lapses after 500 ms

    Waits.until(() -> b.events().ofType(EventTypes.PRESENCE_LEAVE).size()
        + c.events().ofType(EventTypes.PRESENCE_LEAVE).size() >= 30);
    Thread.sleep(500); // time for a duplicate, if there were one
    Set<String> left = new HashSet<>();
    for (Node n : List.of(b, c)) {
      for (RenEvent e : n.events().ofType(EventTypes.PRESENCE_LEAVE)) {
        assertTrue(left.add(e.ch() + "/" + e.uid()), "two leaves for " + e.uid());
        assertEquals(null, e.src());
      }
    }
    assertEquals(30, left.size());
    assertEquals(List.of("bob"), c.realtime().members("room-0").stream().map(PresenceMember::userId).toList(),
        "a live node's member stays");
    assertTrue(c.realtime().members("room-1").isEmpty());
    assertEquals(List.of("room-0"), c.realtime().channels());
  }

  @Test
  void nodeClosesCleanly_itsMembersLeaveAtTheNextSweep() {
    Node a = node();
    Node b = node();
    a.realtime().join("chat", "alice", null);

    a.realtime().close();

    Waits.until(() -> b.events().ofType(EventTypes.PRESENCE_LEAVE).size() == 1);
    assertTrue(b.realtime().members("chat").isEmpty());
  }

  @Test
  void redisDown_callsFailUnavailableWithNothingPublished_andWorkAgainWhenItReturns() throws Exception {
    Node a = node();
    a.realtime().publish("room-1", TestJson.parse("1"), null);

    redis.stop();
    assertThrows(RealtimeUnavailableException.class,
        () -> a.realtime().publish("room-1", TestJson.parse("2"), null));
    assertThrows(RealtimeUnavailableException.class, () -> a.realtime().join("chat", "alice", null));
    assertThrows(RealtimeUnavailableException.class, () -> a.realtime().history("room-1", 0, 10));
    assertEquals(1, a.events().size(), "nothing published for refused calls");

    redis.restart(); // not persistent: an empty Redis, the channel starts over
    Waits.until(() -> {
      try {
        return a.realtime().publish("room-1", TestJson.parse("3"), null).seq() == 1;
      } catch (RealtimeUnavailableException e) {
        return false;
      }
    });
    assertTrue(a.realtime().join("chat", "alice", null));
    assertEquals(1, a.realtime().members("chat").size());
  }

  @Test
  void memberBounds_holdForTheWholeCluster() {
    Node a = node(b -> b.maxMembers(4).maxMembersPerChannel(2));
    Node b = node(b2 -> b2.maxMembers(4).maxMembersPerChannel(2));
    a.realtime().join("x", "u1", null);
    b.realtime().join("x", "u2", null);
    a.realtime().join("y", "u3", null);

    assertEquals("maxMembersPerChannel", assertThrows(dev.ren.realtime.RealtimeFullException.class,
        () -> a.realtime().join("x", "u4", null)).setting());
    assertTrue(b.realtime().join("z", "u4", null));
    assertEquals("maxMembers", assertThrows(dev.ren.realtime.RealtimeFullException.class,
        () -> a.realtime().join("w", "u5", null)).setting());
    b.realtime().leave("x", "u2");
    assertTrue(a.realtime().join("w", "u5", null));
  }

  @Test
  void heartbeatLost_redisFlushed_theNodeRecordsItsHeldMembersAgain() {
    Node a = node();
    Node b = node();
    a.realtime().join("chat", "alice", TestJson.parse("{\"k\":1}"));
    b.realtime().publish("room-1", TestJson.parse("1"), null);

    assertEquals("OK", redis.command("FLUSHALL").substring(1)); // every key gone, heartbeats too

    Waits.until(() -> b.realtime().members("chat").size() == 1);
    assertEquals(TestJson.parse("{\"k\":1}"), b.realtime().members("chat").get(0).metadata());
    assertEquals(2, a.events().ofType(EventTypes.PRESENCE_JOIN).size(), "joined again, announced again");
  }
}
