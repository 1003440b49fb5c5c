package dev.ren.redis;

import dev.ren.health.Health;
import dev.ren.hub.RenHub;
import dev.ren.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event log's health check against a real redis-server of the test's own: up, down when Redis is killed, up
 * again when it is back; down at once on a port with nothing listening, and down within the timeout on a server
 * that accepts the connection and never answers (a hung Redis must not hang a health probe).
 */
@Tag("redis")
class RedisEventLogHealthTest {

  static final Duration TIMEOUT = Duration.ofMillis(500);

  @TempDir
  Path dir;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  RenHub hubOn(URI uri) {
    RenHub hub = RenHub.builder().log(RedisEventLog.builder(uri).commandTimeout(Duration.ofSeconds(2)).build())
        .build();
    toClose.add(hub);
    return hub;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void health_redisUpThenKilledThenBack_upDownUp() throws Exception {
    PrivateRedis redis = PrivateRedis.start(dir, true);
    toClose.add(redis);
    RenHub hub = hubOn(redis.uri());
    Health up = hub.health(TIMEOUT);
    assertTrue(up.isUp(), up.description());
    assertTrue(up.description().contains("PONG"), up.description());

    redis.stop();
    Health down = hub.health(TIMEOUT);
    assertFalse(down.isUp(), down.description());

    redis.restart();
    dev.ren.testing.Waits.until(() -> hub.health(TIMEOUT).isUp());
  }

  @Test
  void health_nothingListening_isDown() throws Exception {
    int port = freePort();
    RedisEventLog log = RedisEventLog.builder(URI.create("redis://127.0.0.1:" + port)).build();
    toClose.add(log);
    Health h = log.health(TIMEOUT);
    assertFalse(h.isUp(), h.description());
  }

  @Test
  void health_serverThatNeverAnswers_isDownWithinTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept()); // takes the connection, never answers
          }
        } catch (java.io.IOException closed) {
          // test over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      RedisEventLog log = RedisEventLog.builder(URI.create("redis://127.0.0.1:" + silent.getLocalPort()))
          .commandTimeout(Duration.ofSeconds(30)).build();
      toClose.add(log);
      Health h = log.health(TIMEOUT);
      assertFalse(h.isUp(), h.description());
      assertTrue(h.description().contains("no answer within 500 ms"), h.description());
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
