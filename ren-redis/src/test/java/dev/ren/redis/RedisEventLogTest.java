package dev.ren.redis;

import dev.ren.EventLogUnavailableException;
import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.json.EventJson;
import dev.ren.log.EncodedEvent;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several hubs (nodes) on one real Redis, each with its own {@link RedisEventLog}. */
@Tag("redis")
class RedisEventLogTest {

  @TempDir
  static Path shared;
  private static PrivateRedis redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = PrivateRedis.start(shared.resolve("shared"), false);
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void publish_onA_reachesListenersOnBAndCInOneOrder() throws Exception {
    try (Nodes n = new Nodes(redis.uri())) {
      RenHub a = n.node();
      RenHub b = n.node();
      RenHub c = n.node();
      Nodes.Collector onA = n.listen(a);
      Nodes.Collector onB = n.listen(b);
      Nodes.Collector onC = n.listen(c);
      List<String> published = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        published.add(a.publish(Nodes.event(i)));
      }
      assertEquals(published, onA.await(5).stream().map(Nodes.Got::id).toList());
      assertEquals(published, onB.await(5).stream().map(Nodes.Got::id).toList());
      assertEquals(published, onC.await(5).stream().map(Nodes.Got::id).toList());
      assertEquals("k3", onC.got.get(3).event().k());
      assertEquals(Nodes.event(3).withTs(onA.got.get(3).event().ts()), onC.got.get(3).event());
      onB.assertNoMore(200);
      cleanup(n);
    }
  }

  @Test
  void resume_clientMovedFromAToB_getsExactlyTheMissedEvents() throws Exception {
    try (Nodes n = new Nodes(redis.uri())) {
      RenHub a = n.node();
      Nodes.Collector onA = n.listen(a);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        ids.add(a.publish(Nodes.event(i)));
      }
      onA.await(6);
      // B starts after the events: its ring is empty, so the missed events come from the stream
      RenHub b = n.node();
      Nodes.Resumed r = n.resume(b, ids.get(2));
      assertFalse(r.sub.reset());
      assertEquals(ids.subList(3, 6), r.await(3).stream().map(Nodes.Got::id).toList());
      // and live events follow without a gap or a duplicate
      String next = a.publish(Nodes.event(6));
      assertEquals(next, r.await(4).get(3).id());
      // a client of B resuming from an event B has tailed itself is served from B's ring
      Nodes.Collector onB = n.listen(b);
      String more = a.publish(Nodes.event(7));
      onB.await(1);
      Nodes.Resumed fromRing = n.resume(b, next);
      assertEquals(List.of(more), fromRing.await(1).stream().map(Nodes.Got::id).toList());
      cleanup(n);
    }
  }

  @Test
  void publish_concurrentlyOnTwoNodes_everyNodeSeesTheSameOrder() throws Exception {
    try (Nodes n = new Nodes(redis.uri())) {
      RenHub a = n.node();
      RenHub b = n.node();
      RenHub c = n.node();
      List<Nodes.Collector> collectors = List.of(n.listen(a), n.listen(b), n.listen(c));
      int each = 200;
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (RenHub publisher : List.of(a, b)) {
        Thread t = new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < each; i++) {
              publisher.publish(Nodes.event(i));
            }
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
          }
        });
        t.start();
        threads.add(t);
      }
      go.countDown();
      for (Thread t : threads) {
        t.join(20_000);
      }
      List<String> first = collectors.get(0).await(2 * each).stream().map(Nodes.Got::id).toList();
      assertEquals(2 * each, new HashSet<>(first).size());
      for (Nodes.Collector col : collectors) {
        assertEquals(first, col.await(2 * each).stream().map(Nodes.Got::id).toList());
      }
      cleanup(n);
    }
  }

  @Test
  void resume_hostileOrForeignIds_reset() throws Exception {
    try (Nodes n = new Nodes(redis.uri())) {
      RenHub a = n.node();
      RenHub b = n.node();
      Nodes.Collector onB = n.listen(b);
      String id = a.publish(Nodes.event(1));
      onB.await(1);
      String epoch = id.substring(0, id.indexOf(':'));
      for (String bad : List.of("garbage", "x".repeat(10_240), "zzzzzzzzzzzz" + id.substring(id.indexOf(':')),
          epoch + ":999999999999999-0", epoch + ":1-")) {
        Nodes.Resumed r = n.resume(b, bad);
        assertTrue(r.sub.reset(), bad.length() > 40 ? bad.substring(0, 40) : bad);
      }
      assertFalse(n.resume(b, id).sub.reset());
      cleanup(n);
    }
  }

  @Test
  void resume_positionTrimmedByRetention_reset() throws Exception {
    try (Nodes n = new Nodes(redis.uri())) {
      RenHub a = n.node(20);
      // ids as publish returns them: with so small a retention even a node's own tail may be trimmed past
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        ids.add(a.publish(Nodes.event(i)));
      }
      RenHub b = n.node(20);
      assertTrue(n.resume(b, ids.get(0)).sub.reset());
      // a recent position is still served
      Nodes.Resumed r = n.resume(b, ids.get(195));
      assertFalse(r.sub.reset());
      assertEquals(ids.subList(196, 200), r.await(4).stream().map(Nodes.Got::id).toList());
      cleanup(n);
    }
  }

  @Test
  void readAfter_bounds_exclusiveAndFuture() throws Exception {
    try (Nodes n = new Nodes(redis.uri())) {
      RenHub a = n.node();
      Nodes.Collector onA = n.listen(a);
      for (int i = 0; i < 5; i++) {
        a.publish(Nodes.event(i));
      }
      List<String> ids = onA.await(5).stream().map(Nodes.Got::id).toList();
      var log = a.log();
      Position p0 = log.parse(ids.get(0));
      Position p4 = log.parse(ids.get(4));
      assertEquals(ids.subList(1, 4), log.readAfter(p0, p4, 100).stream().map(e -> e.id()).toList());
      assertEquals(ids.subList(1, 3), log.readAfter(p0, null, 2).stream().map(e -> e.id()).toList());
      assertEquals(List.of(), log.readAfter(p4, null, 100));
      assertNull(log.readAfter(new Position(p4.hi() + 60_000, 0), null, 100));
      assertEquals(ids, log.readAfter(Position.ZERO, null, 100).stream().map(e -> e.id()).toList());
      assertEquals(ids.get(0), log.format(p0));
      cleanup(n);
    }
  }

  @Test
  void flushAll_resumeFromOldId_resetAndTailingContinues(@TempDir Path dir) throws Exception {
    try (PrivateRedis own = PrivateRedis.start(dir, false); Nodes n = new Nodes(own.uri())) {
      RenHub a = n.node();
      RenHub b = n.node();
      Nodes.Collector onB = n.listen(b);
      String before = a.publish(Nodes.event(0));
      onB.await(1);
      assertEquals("+OK", own.command("FLUSHALL"));
      // events published after the flush still reach B, under a new epoch
      String after = a.publish(Nodes.event(1));
      assertNotEquals(before.substring(0, before.indexOf(':')), after.substring(0, after.indexOf(':')));
      assertEquals(after, onB.await(2).get(1).id());
      Nodes.Resumed r = n.resume(b, before);
      assertTrue(r.sub.reset());
      assertNull(b.log().parse(before));
      // a new node sees the same new epoch and can serve resumes from it
      RenHub c = n.node();
      String third = a.publish(Nodes.event(2));
      Nodes.Resumed onC = n.resume(c, after);
      assertFalse(onC.sub.reset());
      assertEquals(third, onC.await(1).get(0).id());
      onB.await(3);
      onB.assertNoMore(200);
    }
  }

  @Test
  void flushAll_withoutPublishes_tailDetectsNewEpoch(@TempDir Path dir) throws Exception {
    try (PrivateRedis own = PrivateRedis.start(dir, false); Nodes n = new Nodes(own.uri())) {
      RenHub a = n.node();
      Nodes.Collector onA = n.listen(a);
      String before = a.publish(Nodes.event(0));
      onA.await(1);
      assertEquals("+OK", own.command("FLUSHALL"));
      Waits.until(() -> a.log().parse(before) == null); // the tail re-reads the epoch after each (1 s) block
      assertTrue(n.resume(a, before).sub.reset());
    }
  }

  @Test
  void redisStoppedAndRestarted_publishFailsFastThenTailingResumesWithoutDuplicates(@TempDir Path dir)
      throws Exception {
    try (PrivateRedis own = PrivateRedis.start(dir, true); Nodes n = new Nodes(own.uri())) {
      RenHub a = n.node();
      RenHub b = n.node();
      Nodes.Collector onB = n.listen(b);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(a.publish(Nodes.event(i)));
      }
      onB.await(3);
      own.stop();
      long t0 = System.nanoTime();
      EventLogUnavailableException ex = assertThrows(EventLogUnavailableException.class,
          () -> a.publish(Nodes.event(99)));
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "publish hung while Redis was down");
      assertTrue(ex.getMessage().contains("Redis"), ex.getMessage());
      own.restart();
      // the append-only file kept the stream and its epoch: B resumes after the last id it saw
      String after = Nodes.publishUntilAccepted(a, Nodes.event(3));
      assertEquals(ids.get(0).substring(0, ids.get(0).indexOf(':')), after.substring(0, after.indexOf(':')));
      List<String> seen = onB.await(4).stream().map(Nodes.Got::id).toList();
      assertEquals(List.of(ids.get(0), ids.get(1), ids.get(2), after), seen);
      onB.assertNoMore(1500);
      // an old id still resumes on any node
      Nodes.Resumed r = n.resume(b, ids.get(1));
      assertFalse(r.sub.reset());
      assertEquals(List.of(ids.get(2), after), r.await(2).stream().map(Nodes.Got::id).toList());
    }
  }

  @Test
  void redisRestartedWithoutPersistence_oldIdsReset_newEventsFlow(@TempDir Path dir) throws Exception {
    try (PrivateRedis own = PrivateRedis.start(dir, false); Nodes n = new Nodes(own.uri())) {
      RenHub a = n.node();
      RenHub b = n.node();
      Nodes.Collector onB = n.listen(b);
      String before = a.publish(Nodes.event(0));
      onB.await(1);
      own.restart();
      String after = Nodes.publishUntilAccepted(a, Nodes.event(1));
      assertEquals(after, onB.await(2).get(1).id());
      onB.assertNoMore(500);
      assertTrue(n.resume(b, before).sub.reset());
    }
  }

  @Test
  void start_redisUnreachable_hubStartsAndDeliversOnceRedisIsUp(@TempDir Path dir) throws Exception {
    PrivateRedis own = PrivateRedis.start(dir, false);
    own.stop();
    try (Nodes n = new Nodes(own.uri())) {
      RenHub a = n.node();
      Nodes.Collector onA = n.listen(a);
      assertThrows(EventLogUnavailableException.class, () -> a.publish(Nodes.event(0)));
      own.restart();
      String id = Nodes.publishUntilAccepted(a, Nodes.event(1));
      assertEquals(id, onA.await(1).get(0).id());
    } finally {
      own.close();
    }
  }

  @Test
  void tailAndResume_malformedEntriesInTheStream_loggedAndSkipped() throws Exception {
    try (LogCapture logs = new LogCapture(); Nodes n = new Nodes(redis.uri())) {
      RenHub a = n.node();
      Nodes.Collector onA = n.listen(a);
      String first = a.publish(Nodes.event(0));
      onA.await(1);
      String epoch = first.substring(0, first.indexOf(':'));
      // entries of the current epoch that REN did not write: JSON that is no event, and no JSON at all
      assertTrue(redis.command("XADD " + n.prefix + ":stream * e " + epoch + " j not-json").startsWith("$"));
      assertTrue(redis.command("XADD " + n.prefix + ":stream * e " + epoch + " x 1").startsWith("$"));
      String last = a.publish(Nodes.event(1));
      assertEquals(List.of(first, last), onA.await(2).stream().map(Nodes.Got::id).toList());
      onA.assertNoMore(200);
      // a resume across them (served from the stream by a node that did not tail them) skips them too
      RenHub b = n.node();
      Nodes.Resumed r = n.resume(b, first);
      assertFalse(r.sub.reset());
      assertEquals(List.of(last), r.await(1).stream().map(Nodes.Got::id).toList());
      assertEquals(List.of(first, last),
          b.log().readAfter(Position.ZERO, null, 100).stream().map(e -> e.id()).toList());
      List<String> skipped = logs.warnings().stream()
          .filter(w -> w.startsWith("skipping stream entry ") && w.contains(" of " + n.prefix + ":stream: ")).toList();
      assertTrue(skipped.stream().anyMatch(w -> w.contains("not JSON")), skipped::toString);
      assertTrue(skipped.stream().anyMatch(w -> w.endsWith(": not written by REN")), skipped::toString);
      cleanup(n);
    }
  }

  @Test
  void close_afterTailingAndAppending_noThreadOfTheLogSurvives() throws Exception {
    String prefix = "ren-threads-" + UUID.randomUUID().toString().substring(0, 8);
    RedisEventLog log = RedisEventLog.builder(redis.uri()).streamPrefix(prefix).build();
    BlockingQueue<LogEntry> tailed = new LinkedBlockingQueue<>();
    log.start(tailed::add);
    RenEvent e = Nodes.event(1);
    String id = log.append(new EncodedEvent(e, EventJson.encode(e)));
    LogEntry got = tailed.poll(10, TimeUnit.SECONDS);
    assertEquals(id, got == null ? null : got.id());
    List<String> running = Nodes.liveThreads(prefix);
    assertTrue(running.contains("ren-redis-" + prefix + "-tail"), running::toString);
    assertTrue(running.stream().anyMatch(t -> t.contains("EventLoop")), "Lettuce's I/O threads: " + running);
    log.close();
    assertEquals(List.of(), Nodes.liveThreads(prefix));
    log.close(); // idempotent
    redis.command("DEL " + prefix + ":stream " + prefix + ":epoch");
  }

  private static void cleanup(Nodes n) {
    redis.command("DEL " + n.prefix + ":stream " + n.prefix + ":epoch");
  }
}
