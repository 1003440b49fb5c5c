package dev.ren.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsAndPrintableTest {

  @Test
  void once_secondTime_refusedNamingTheFirstValue() {
    Settings s = new Settings();
    assertEquals(15, s.once("heartbeat", 15));
    assertTrue(s.isSet("heartbeat"));
    assertFalse(s.isSet("maxStreams"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.once("heartbeat", 20));
    assertEquals("heartbeat was already set to 15", e.getMessage());
  }

  @Test
  void of_controlsAndSurrogates_escaped() {
    assertEquals("a\\u000ab\\u0000c\\u0085d\\ud800", Printable.of("a\nb\u0000c\u0085d\ud800"));
    assertEquals("null", Printable.of(null));
  }

  @Test
  void of_longValue_cutAt80() {
    String p = Printable.of("x".repeat(500));
    assertEquals("x".repeat(80) + "...", p);
  }
}
