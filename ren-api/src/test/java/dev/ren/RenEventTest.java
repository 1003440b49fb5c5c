package dev.ren;

import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

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
  void constructor_anyType_acceptedExactlyWhenTheDocumentedPatternMatches() {
    Pattern documented = Pattern.compile("[a-z0-9_-]{1,32}(\\.[a-z0-9_-]{1,32}){1,4}");
    String seg32 = "a".repeat(32);
    List<String> corpus = new ArrayList<>(List.of("kv.put", "a.b", "a_b-9.c", "a.b.c.d.e", "a.b.c.d.e.f",
        seg32 + ".x", seg32 + "a.x", "x." + seg32, "x." + seg32 + "b", "a.", "a..b", ".a", "a.b.", "é.b", "a.B",
        "a.b c", "a/b.c", "a.b\u0000", "-._", "0.0.0.0.0", "kv.put\t"));
    Random random = new Random(42);
    char[] alphabet = {'a', 'z', '0', '9', '_', '-', '.', '.', 'A', ' ', '/', '\u00e9', '`', '{'};
    for (int n = 0; n < 20_000; n++) {
      char[] c = new char[1 + random.nextInt(12)];
      for (int i = 0; i < c.length; i++) {
        c[i] = alphabet[random.nextInt(alphabet.length)];
      }
      corpus.add(new String(c));
    }
    for (String type : corpus) {
      int dot = type.indexOf('.');
      String domain = dot > 0 ? type.substring(0, dot) : type;
      boolean accepted;
      try {
        new RenEvent(type, domain, null, null, null, 0, null, null, null, null);
        accepted = true;
      } catch (IllegalArgumentException e) {
        accepted = false;
      }
      assertEquals(documented.matcher(type).matches(), accepted, () -> "type '" + type + "'");
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
