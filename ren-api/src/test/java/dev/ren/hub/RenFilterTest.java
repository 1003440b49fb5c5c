package dev.ren.hub;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenFilterTest {

  @Test
  void parse_starOrEmpty_acceptsAll() {
    assertTrue(RenFilter.parse(null).isAll());
    assertTrue(RenFilter.parse("").isAll());
    assertTrue(RenFilter.parse("*").isAll());
    assertTrue(RenFilter.parse("kv,*").isAll());
  }

  @Test
  void test_domainTypeAndNamespace_matchAsDocumented() {
    RenFilter f = RenFilter.parse("kv:demo,db.document.deleted,storage,realtime:room-1,presence.join");
    assertTrue(f.test(RenEvent.kvPut("demo", "a", "1")));
    assertFalse(f.test(RenEvent.kvPut("other", "a", "1")));
    assertTrue(f.test(RenEvent.dbDeleted("todos", "1", "1")));
    assertFalse(f.test(RenEvent.dbCreated("todos", "1", "1")));
    assertTrue(f.test(RenEvent.storagePut("b", "k", "e")));
    assertTrue(f.test(RenEvent.realtimeMessage("room-1", TextNode.valueOf("x"), null)));
    assertFalse(f.test(RenEvent.realtimeMessage("room-2", TextNode.valueOf("x"), null)));
    assertTrue(f.test(RenEvent.presence(EventTypes.PRESENCE_JOIN, "any", "u", null)));
    assertFalse(f.test(RenEvent.presence(EventTypes.PRESENCE_LEAVE, "any", "u", null)));
  }

  @Test
  void test_typePrefix_matchesOnlyAtDotBoundary() {
    RenFilter f = RenFilter.parse("db.document");
    assertTrue(f.test(RenEvent.dbCreated("c", "1", "1")));
    RenFilter g = RenFilter.parse("kv.put");
    assertFalse(g.test(RenEvent.builder("kv.putting").build()));
  }

  @Test
  void test_channelWithColon_isNarrowedByWholeChannel() {
    RenFilter f = RenFilter.parse("realtime:chat:lobby");
    assertTrue(f.test(RenEvent.realtimeMessage("chat:lobby", null, null)));
    assertFalse(f.test(RenEvent.realtimeMessage("chat", null, null)));
  }

  @Test
  void test_customDomain_isAccepted() {
    assertTrue(RenFilter.parse("billing").test(RenEvent.builder("billing.invoice.paid").build()));
  }

  @Test
  void parse_duplicates_collapse() {
    assertEquals("kv,db:todos", RenFilter.parse("kv, kv,db:todos,db:todos").toString());
  }

  @Test
  void parse_malformed_rejectedWithReason() {
    String[][] cases = {
        {"KV", "domain"}, {"kv:", "after ':'"}, {"kv,,db", "empty clause"}, {"kv:a b", "after ':'"},
        {"kv.\nx", "type"}, {"kv.put;drop", "type"}, {"a".repeat(2049), "characters"}, {"kv:" + "x".repeat(129), "after"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RenFilter.parse(c[0]));
      assertTrue(e.getMessage().contains(c[1]), c[0].length() > 30 ? c[0].substring(0, 30) : c[0] + " -> "
          + e.getMessage());
    }
  }

  @Test
  void parse_moreThan32Clauses_rejected() {
    StringBuilder s = new StringBuilder("kv:n0");
    for (int i = 1; i < 33; i++) {
      s.append(",kv:n").append(i);
    }
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RenFilter.parse(s.toString())).getMessage()
        .contains("32"));
    StringBuilder ok = new StringBuilder("kv:n0");
    for (int i = 1; i < 32; i++) {
      ok.append(",kv:n").append(i);
    }
    assertFalse(RenFilter.parse(ok.toString()).isAll());
  }
}
