package dev.ren.redis;

import dev.ren.EventLogUnavailableException;
import dev.ren.RenEvent;
import dev.ren.json.EventJson;
import dev.ren.log.EncodedEvent;
import dev.ren.log.Position;
import dev.ren.testing.ManualClock;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Redis unreachable (a port nothing listens on): reconnect backoff and close. No Redis needed. */
class RedisEventLogUnreachableTest {

  private static final EncodedEvent EVENT = encoded(RenEvent.kvPut("demo", "k1", "1"));

  @Test
  void append_redisUnreachable_triesAgainOnlyAfterTheBackoffDelayOnTheInjectedClock() throws IOException {
    ManualClock clock = new ManualClock(1_000_000);
    try (RedisEventLog log = RedisEventLog.builder(closedPort()).commandTimeout(Duration.ofSeconds(1))
        .nanoTime(clock.nanoSource()).build()) {
      assertTried(log);
      for (int failures = 1; failures <= 6; failures++) {
        Duration delay = PublishConnection.RECONNECT.delay(failures);
        assertGated(log);
        clock.advance(delay.minusNanos(1));
        assertGated(log);
        clock.advance(Duration.ofNanos(1));
        assertTried(log);
      }
    }
    // the delays as before the one Backoff: 100 ms, doubling, at most 1 s
    assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L),
        List.of(1, 2, 3, 4, 5, 6).stream().map(n -> PublishConnection.RECONNECT.delay(n).toMillis()).toList());
  }

  @Test
  void start_redisUnreachable_tailRetriesWithDoublingDelaysUpToTheMaximum() throws IOException {
    List<Duration> pauses = new CopyOnWriteArrayList<>();
    try (LogCapture logs = new LogCapture();
        RedisEventLog log = RedisEventLog.builder(closedPort()).commandTimeout(Duration.ofSeconds(1))
            .maxReconnectBackoff(Duration.ofMillis(800)).tailPause(pauses::add).build()) {
      assertEquals(Position.ZERO, log.start(entry -> fail("nothing to tail: " + entry)));
      Waits.until(() -> pauses.size() >= 6);
      // the outage is logged once at start and once by the tail, not once per attempt
      Waits.until(() -> logs.warnings().size() >= 2);
      assertEquals(2, logs.warnings().size(), logs.warnings()::toString);
    }
    assertEquals(List.of(100L, 200L, 400L, 800L, 800L, 800L),
        pauses.subList(0, 6).stream().map(Duration::toMillis).toList());
  }

  @Test
  void close_startedWhileRedisUnreachable_noThreadOfTheLogSurvives() throws IOException {
    String prefix = "ren-unreachable-" + UUID.randomUUID().toString().substring(0, 8);
    RedisEventLog log = RedisEventLog.builder(closedPort()).streamPrefix(prefix)
        .commandTimeout(Duration.ofSeconds(1)).build();
    log.start(entry -> fail("nothing to tail: " + entry));
    assertThrows(EventLogUnavailableException.class, () -> log.append(EVENT)); // runs a Lettuce event loop
    List<String> running = Nodes.liveThreads(prefix);
    assertTrue(running.contains("ren-redis-" + prefix + "-tail"), running::toString);
    assertTrue(running.size() > 1, "Lettuce's threads are the log's too: " + running);
    log.close();
    assertEquals(List.of(), Nodes.liveThreads(prefix));
    log.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> log.append(EVENT));
  }

  @Test
  void close_neverStarted_noThreadOfTheLogSurvives() {
    String prefix = "ren-unstarted-" + UUID.randomUUID().toString().substring(0, 8);
    RedisEventLog log = RedisEventLog.builder(URI.create("redis://127.0.0.1:6379")).streamPrefix(prefix).build();
    log.close();
    assertEquals(List.of(), Nodes.liveThreads(prefix));
    assertThrows(IllegalStateException.class, () -> log.start(entry -> {}));
  }

  private static void assertTried(RedisEventLog log) {
    EventLogUnavailableException ex = assertThrows(EventLogUnavailableException.class, () -> log.append(EVENT));
    assertNotNull(ex.getCause(), "a connection attempt: " + ex.getMessage());
    assertTrue(ex.getMessage().contains("is unreachable: "), ex.getMessage());
  }

  private static void assertGated(RedisEventLog log) {
    EventLogUnavailableException ex = assertThrows(EventLogUnavailableException.class, () -> log.append(EVENT));
    assertNull(ex.getCause(), "no connection attempt within the backoff delay: " + ex.getMessage());
    assertTrue(ex.getMessage().contains("(reconnecting)"), ex.getMessage());
    assertFalse(ex.getMessage().contains("is unreachable: "), ex.getMessage());
  }

  private static EncodedEvent encoded(RenEvent e) {
    return new EncodedEvent(e, EventJson.encode(e));
  }

  /** A local port nothing listens on: connecting is refused at once. */
  private static URI closedPort() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return URI.create("redis://127.0.0.1:" + port);
  }
}
