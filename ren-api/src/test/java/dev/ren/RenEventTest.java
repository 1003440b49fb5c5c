package dev.ren;

import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenEventTest {

  @Test
  void factories_setTypeDomainAndFields() {
    RenEvent e = RenEvent.kvPut("demo", "todo:1", "3");
    assertEquals("kv.put", e.t());
    assertEquals("kv", e.r());
    assertEquals("demo", e.ns());
    assertEquals("todo:1", e.k());
    assertEquals("3", e.v());
    assertNull(e.src());
    assertEquals("db.document.deleted", RenEvent.dbDeleted("todos", "1", "2").t());
    assertEquals("presence.join", RenEvent.presence(EventTypes.PRESENCE_JOIN, "room", "u1", null).t());
    assertEquals("realtime", RenEvent.realtimeMessage("room", TextNode.valueOf("x"), "u").r());
  }

  @Test
  void builder_customDomain_derivesDomainFromType() {
    RenEvent e = RenEvent.builder("billing.invoice.paid").key("inv-7").build();
    assertEquals("billing", e.r());
    assertEquals("billing.invoice.paid", e.t());
  }

  @Test
  void constructor_typeWithCrLfOrNul_isRejectedNamingTheValue() {
    for (String bad : new String[] {"kv.put\n", "kv.put\r\nevent: x", "kv.\u0000put", "KV.put", "kv", ".put", "kv..put",
        "kv.put extra", ""}) {
      IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> RenEvent.builder(bad).build(),
          bad);
      assertTrue(ex.getMessage().contains("event type") || ex.getMessage().contains("domain"), ex.getMessage());
      assertTrue(!ex.getMessage().contains("\n"), "message escapes control characters");
    }
  }

  @Test
  void constructor_typeNotStartingWithDomain_isRejected() {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
        () -> new RenEvent("kv.put", "db", null, null, null, 0, null, null, null, null));
    assertTrue(ex.getMessage().contains("must start with its domain"));
  }

  @Test
  void transform_wrongType_isRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> RenEvent.transform("kv.put", "out.png", TextNode.valueOf("x")));
  }

  @Test
  void withSrcAndTs_returnCopies() {
    RenEvent e = RenEvent.kvDelete("ns", "k");
    RenEvent s = e.withSrc("c1").withTs(5);
    assertNull(e.src());
    assertEquals("c1", s.src());
    assertEquals(5, s.ts());
    assertThrows(IllegalArgumentException.class, () -> e.withTs(-1));
  }

  @Test
  void origin_scope_setsAndRestores() {
    assertNull(RenOrigin.current());
    try (RenOrigin.Scope a = RenOrigin.open("a")) {
      assertEquals("a", RenOrigin.current());
      try (RenOrigin.Scope b = RenOrigin.open("b")) {
        assertEquals("b", RenOrigin.current());
      }
      assertEquals("a", RenOrigin.current());
    }
    assertNull(RenOrigin.current());
    assertThrows(IllegalArgumentException.class, () -> RenOrigin.open("bad id"));
    assertThrows(IllegalArgumentException.class, () -> RenOrigin.open("x".repeat(65)));
  }
}
