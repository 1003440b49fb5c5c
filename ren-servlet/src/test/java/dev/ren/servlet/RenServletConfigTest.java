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
}
