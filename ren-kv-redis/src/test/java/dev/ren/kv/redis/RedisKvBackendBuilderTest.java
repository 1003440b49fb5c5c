package dev.ren.kv.redis;

import dev.ren.kv.KvKey;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings and cursors, without a Redis (the backend connects on first use). */
class RedisKvBackendBuilderTest {

  private static final URI URI_ = URI.create("redis://127.0.0.1:1");

  @Test
  void builder_repeatedSetting_refusedNamingIt() {
    RedisKvBackend.Builder b = RedisKvBackend.builder(URI_).maxEntries(10);

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.maxEntries(20));
    assertTrue(e.getMessage().contains("maxEntries"), e.getMessage());
  }

  @Test
  void builder_outOfRangeValues_refused() {
    assertThrows(IllegalArgumentException.class, () -> RedisKvBackend.builder(URI_).prefix(""));
    assertThrows(IllegalArgumentException.class, () -> RedisKvBackend.builder(URI_).prefix("a\nb"));
    assertThrows(IllegalArgumentException.class, () -> RedisKvBackend.builder(URI_).maxTotalBytes(0));
    assertThrows(IllegalArgumentException.class,
        () -> RedisKvBackend.builder(URI_).sweepInterval(Duration.ofMillis(1)));
    assertThrows(IllegalArgumentException.class,
        () -> RedisKvBackend.builder(URI_).commandTimeout(Duration.ofHours(1)));
  }

  @Test
  void build_noRedisListening_buildsAndClosesWithoutConnecting() {
    RedisKvBackend b = RedisKvBackend.builder(URI_).build();
    b.close();
    b.close();

    assertThrows(IllegalStateException.class, () -> b.get(new KvKey("ns", "k")));
  }

  @Test
  void cursor_roundTripAndForeign_decodedOrRefused() {
    assertEquals("todo:\u00e9/1", RedisKvBackend.decodeCursor(RedisKvBackend.encodeCursor("todo:\u00e9/1")));
    assertThrows(IllegalArgumentException.class, () -> RedisKvBackend.decodeCursor("k1.YQ"));
    assertThrows(IllegalArgumentException.class, () -> RedisKvBackend.decodeCursor("r1.!!"));
    assertThrows(IllegalArgumentException.class, () -> RedisKvBackend.decodeCursor("r1." + "A".repeat(2000)));
  }

  @Test
  void weight_valueIdAndOverhead() {
    assertEquals(10 + "acme/ns/k".length() + RedisKvBackend.ENTRY_OVERHEAD,
        RedisKvBackend.weight(new KvKey("acme", "ns", "k"), 10));
  }
}
