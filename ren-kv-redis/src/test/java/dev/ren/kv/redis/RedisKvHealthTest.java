package dev.ren.kv.redis;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.health.Health;
import dev.ren.kv.KvStore;
import dev.ren.kv.KvUnavailableException;
import dev.ren.kv.KvUsage;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.Waits;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Redis KV backend's health check and usage counts against a real redis-server of the test's own, a port with
 * nothing listening, and a server that accepts and never answers.
 */
@Tag("redis")
class RedisKvHealthTest {

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

  KvStore storeOn(URI uri, Duration commandTimeout) {
    KvStore store = KvStore.builder(new RecordingPublisher())
        .backend(RedisKvBackend.builder(uri).commandTimeout(commandTimeout).build()).build();
    toClose.add(store);
    return store;
  }

  @Test
  void healthAndUsage_redisUpThenKilledThenBack() throws Exception {
    PrivateRedis redis = PrivateRedis.start(dir, true);
    toClose.add(redis);
    KvStore store = storeOn(redis.uri(), Duration.ofSeconds(2));
    Health up = store.health(TIMEOUT);
    assertTrue(up.isUp(), up.description());
    assertEquals(new KvUsage(0, 0), store.usage().orElseThrow());
    store.namespace("a").put("k1", TextNode.valueOf("x"));
    store.namespace("a").put("k2", TextNode.valueOf("y"));
    KvUsage two = store.usage().orElseThrow();
    assertEquals(2, two.entries());
    assertTrue(two.bytes() > 2 * 200L, "value, id and 200 B an entry: " + two.bytes());

    redis.stop();
    assertFalse(store.health(TIMEOUT).isUp());
    assertThrows(KvUnavailableException.class, store::usage);

    redis.restart();
    Waits.until(() -> store.health(TIMEOUT).isUp());
    assertEquals(2, store.usage().orElseThrow().entries(), "the append-only file kept both");
  }

  @Test
  void health_nothingListening_isDown() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Health h = storeOn(URI.create("redis://127.0.0.1:" + port), Duration.ofSeconds(2)).health(TIMEOUT);
    assertFalse(h.isUp(), h.description());
  }

  @Test
  void health_serverThatNeverAnswers_isDownWithinTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (java.io.IOException closed) {
          // test over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Health h = storeOn(URI.create("redis://127.0.0.1:" + silent.getLocalPort()), Duration.ofSeconds(30))
          .health(TIMEOUT);
      assertFalse(h.isUp(), h.description());
      assertTrue(h.description().contains("no answer within 500 ms"), h.description());
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
