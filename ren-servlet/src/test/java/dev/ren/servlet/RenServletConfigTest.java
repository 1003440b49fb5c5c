package dev.ren.servlet;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RenServletConfigTest {

  @Test
  void builder_settingGivenTwice_refusedNamingTheFirstValue() {
    RenServletConfig.Builder b = RenServletConfig.builder().heartbeat(Duration.ofSeconds(15)).maxStreams(10);
    assertEquals("heartbeat was already set to PT15S",
        assertThrows(IllegalStateException.class, () -> b.heartbeat(Duration.ofSeconds(5))).getMessage());
    assertEquals("maxStreams was already set to 10",
        assertThrows(IllegalStateException.class, () -> b.maxStreams(20)).getMessage());
    b.access(RenAccess.allowAll());
    assertThrows(IllegalStateException.class, () -> b.access(RenAccess.allowAll()));
  }

  @Test
  void builder_invalidValue_refusedAndNotRecorded() {
    RenServletConfig.Builder b = RenServletConfig.builder();
    assertThrows(IllegalArgumentException.class, () -> b.maxUnsentBytes(10));
    assertEquals(4096, b.maxUnsentBytes(4096).build().maxUnsentBytes());
  }

  @Test
  void presenceProbe_defaultTwoSeconds_boundedAndGivenOnce() {
    assertEquals(Duration.ofSeconds(2), RenServletConfig.defaults().presenceProbe());
    RenServletConfig.Builder b = RenServletConfig.builder();
    assertEquals("presenceProbe must be in [100 ms, 1 min], was PT0.05S",
        assertThrows(IllegalArgumentException.class, () -> b.presenceProbe(Duration.ofMillis(50))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.presenceProbe(Duration.ofMinutes(2)));
    assertEquals(Duration.ofMillis(500), b.presenceProbe(Duration.ofMillis(500)).build().presenceProbe());
    assertEquals("presenceProbe was already set to PT0.5S",
        assertThrows(IllegalStateException.class, () -> b.presenceProbe(Duration.ofSeconds(1))).getMessage());
  }
}
