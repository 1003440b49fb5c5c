package dev.ren.redis;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration checks: no Redis needed (building connects to nothing). */
class RedisEventLogBuilderTest {

  private static final URI LOCAL = URI.create("redis://127.0.0.1:6379");

  @Test
  void builder_badUri_illegalArgumentNamingTheRule() {
    IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
        () -> RedisEventLog.builder(URI.create("http://127.0.0.1:6379")));
    assertTrue(scheme.getMessage().contains("'http'") && scheme.getMessage().contains("redis or rediss"),
        scheme.getMessage());
    IllegalArgumentException host = assertThrows(IllegalArgumentException.class,
        () -> RedisEventLog.builder(URI.create("redis:///0")));
    assertTrue(host.getMessage().contains("host"), host.getMessage());
  }

  @Test
  void builder_badSettings_illegalArgumentNamingTheValue() {
    RedisEventLog.Builder b = RedisEventLog.builder(LOCAL);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.streamPrefix("has space"))
        .getMessage().contains("'has space'"));
    assertThrows(IllegalArgumentException.class, () -> b.streamPrefix(""));
    assertThrows(IllegalArgumentException.class, () -> b.streamPrefix("x".repeat(65)));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.retention(0)).getMessage().contains("0"));
    assertThrows(IllegalArgumentException.class, () -> b.commandTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.commandTimeout(Duration.ofMinutes(2)));
    assertThrows(IllegalArgumentException.class, () -> b.maxReconnectBackoff(Duration.ofMillis(1)));
  }

  @Test
  void builder_settingGivenTwice_illegalStateNamingTheFirstValue() {
    RedisEventLog.Builder b = RedisEventLog.builder(LOCAL).streamPrefix("app1").retention(50)
        .commandTimeout(Duration.ofSeconds(3)).maxReconnectBackoff(Duration.ofSeconds(1));
    assertEquals("streamPrefix was already set to app1",
        assertThrows(IllegalStateException.class, () -> b.streamPrefix("app2")).getMessage());
    assertEquals("retention was already set to 50",
        assertThrows(IllegalStateException.class, () -> b.retention(50)).getMessage());
    assertEquals("commandTimeout was already set to PT3S",
        assertThrows(IllegalStateException.class, () -> b.commandTimeout(Duration.ofSeconds(1))).getMessage());
    assertEquals("maxReconnectBackoff was already set to PT1S",
        assertThrows(IllegalStateException.class, () -> b.maxReconnectBackoff(Duration.ofSeconds(2))).getMessage());
    b.nanoTime(System::nanoTime).tailPause(Tail.Pause.PARK);
    assertTrue(assertThrows(IllegalStateException.class, () -> b.nanoTime(System::nanoTime)).getMessage()
        .startsWith("nanoTime was already set to "));
    assertTrue(assertThrows(IllegalStateException.class, () -> b.tailPause(Tail.Pause.PARK)).getMessage()
        .startsWith("tailPause was already set to "));
  }

  @Test
  void builder_invalidValue_isNotRecordedAsGiven() {
    RedisEventLog.Builder b = RedisEventLog.builder(LOCAL);
    assertThrows(IllegalArgumentException.class, () -> b.retention(0));
    assertThrows(IllegalArgumentException.class, () -> b.streamPrefix("has space"));
    RedisEventLog log = b.retention(10).streamPrefix("app1").build();
    log.close();
  }

  @Test
  void describe_uriWithPassword_doesNotLeakIt() {
    RedisEventLog log = RedisEventLog.builder(URI.create("redis://:s3cret-pw@127.0.0.1:6390/2"))
        .streamPrefix("app1").build();
    try {
      String d = log.describe();
      assertFalse(d.contains("s3cret"), d);
      assertEquals("redis 127.0.0.1:6390/2 app1:stream", d);
      // not started: no epoch known, so no id parses and formatted ids are foreign
      assertEquals(null, log.parse(log.format(dev.ren.log.Position.ZERO)));
    } finally {
      log.close();
      log.close(); // idempotent
    }
  }
}
