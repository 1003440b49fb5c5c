package dev.ren.kv;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16: tenant views of one store: separate values, listings and events; the default tenant as before. */
class KvTenantTest {

  private final RecordingPublisher rec = new RecordingPublisher();
  private final FakeTime time = new FakeTime();
  private final KvStore store = KvStore.builder(rec).ticker(time).scheduler(time).executor(Runnable::run).build();
  private final KvNamespace acme = store.tenant("acme").namespace("demo");
  private final KvNamespace globex = store.tenant("globex").namespace("demo");
  private final KvNamespace defaults = store.namespace("demo");

  @AfterEach
  void close() {
    store.close();
  }

  private static List<String> names(KvNamespace ns) {
    return ns.list("", 100, null).keys().stream().map(KvPage.Item::name).toList();
  }

  @Test
  void put_sameKeyInTwoTenants_twoValues() {
    acme.put("todo:1", "acme's");
    globex.put("todo:1", "globex's");

    assertEquals("acme's", acme.getString("todo:1").orElseThrow());
    assertEquals("globex's", globex.getString("todo:1").orElseThrow());
    assertTrue(defaults.get("todo:1").isEmpty(), "the default tenant holds neither");
    assertEquals("acme", acme.get("todo:1").orElseThrow().key().tenant());
  }

  @Test
  void delete_inOneTenant_otherTenantKeepsItsValue() {
    acme.put("k", "a");
    globex.put("k", "g");

    assertFalse(store.tenant("other").namespace("demo").delete("k"), "a third tenant has no such key");
    assertTrue(acme.delete("k"));

    assertTrue(acme.get("k").isEmpty());
    assertEquals("g", globex.getString("k").orElseThrow());
  }

  @Test
  void putAndDelete_inTenant_eventsCarryTenant() {
    acme.put("k", "a");
    acme.delete("k");
    defaults.put("k", "d");

    List<RenEvent> events = rec.events();
    assertEquals(List.of(EventTypes.KV_PUT, EventTypes.KV_DELETE, EventTypes.KV_PUT),
        events.stream().map(RenEvent::t).toList());
    assertEquals("acme", events.get(0).tenant());
    assertEquals("acme", events.get(1).tenant());
    assertNull(events.get(2).tenant(), "the default tenant's events carry no tenant, as before");
  }

  @Test
  void expiry_ofTenantEntry_kvExpiredCarriesTenant() {
    long v = acme.put("session", "t", Duration.ofSeconds(5));
    globex.put("session", "t"); // same key, no TTL: must survive
    time.advance(Duration.ofSeconds(7));

    time.runDue();

    List<RenEvent> expired = rec.ofType(EventTypes.KV_EXPIRED);
    assertEquals(1, expired.size(), "only acme's entry expired: " + expired);
    assertEquals("acme", expired.get(0).tenant());
    assertEquals("session", expired.get(0).k());
    assertEquals(Long.toString(v), expired.get(0).v());
    assertTrue(globex.get("session").isPresent());
  }

  @Test
  void eviction_ofTenantEntry_kvEvictedCarriesTenant() {
    try (KvStore bounded = KvStore.builder(rec).maximumSize(1).executor(Runnable::run).build()) {
      bounded.tenant("acme").namespace("demo").put("a", "1");
      bounded.tenant("globex").namespace("demo").put("b", "2");
      if (bounded instanceof EventingKvStore e && e.backend() instanceof CaffeineKvBackend c) {
        c.cleanUp();
      }

      List<RenEvent> evicted = rec.ofType(EventTypes.KV_EVICTED);
      assertEquals(1, evicted.size(), "one of two entries evicted: " + rec.events());
      RenEvent e = evicted.get(0);
      assertEquals(e.k().equals("a") ? "acme" : "globex", e.tenant(), "evicted in its own tenant: " + e);
    }
  }

  @Test
  void list_inTenant_showsOnlyItsOwnKeys() {
    acme.put("a1", "x");
    acme.put("a2", "x");
    globex.put("g1", "x");
    defaults.put("d1", "x");

    assertEquals(List.of("a1", "a2"), names(acme));
    assertEquals(List.of("g1"), names(globex));
    assertEquals(List.of("d1"), names(defaults), "the default tenant's listing shows no tenant's keys");
  }

  @Test
  void list_paginatedInTenant_cursorStaysInTenant() {
    for (int i = 0; i < 5; i++) {
      acme.put("k" + i, "x");
      globex.put("k" + i + "g", "x");
    }
    KvPage p1 = acme.list("k", 2, null);
    KvPage p2 = acme.list("k", 2, p1.cursor());
    KvPage p3 = acme.list("k", 2, p2.cursor());

    assertEquals(List.of("k0", "k1", "k2", "k3", "k4"),
        java.util.stream.Stream.of(p1, p2, p3).flatMap(p -> p.keys().stream()).map(KvPage.Item::name).toList());
    assertNull(p3.cursor());
  }

  @Test
  void tenant_null_isTheStoreItself() {
    assertSame(store, store.tenant(null));
    assertNull(store.tenant());
    assertEquals("acme", store.tenant("acme").tenant());
    assertEquals("globex", store.tenant("acme").tenant("globex").tenant());
  }

  @Test
  void tenant_invalidId_refused() {
    assertThrows(IllegalArgumentException.class, () -> store.tenant(""));
    assertThrows(IllegalArgumentException.class, () -> store.tenant("a/b"));
    assertThrows(IllegalArgumentException.class, () -> store.tenant("x".repeat(65)));
  }

  @Test
  void kvKey_tenantIsOwnComponent_noCollision() {
    assertNotEquals(new KvKey("acme", "demo", "k"), new KvKey("demo", "k"));
    assertNotEquals(new KvKey("acme", "demo", "k"), new KvKey("globex", "demo", "k"));
    assertEquals(new KvKey(null, "demo", "k"), new KvKey("demo", "k"));
    assertTrue(new KvKey("demo", "k").compareTo(new KvKey("acme", "demo", "k")) < 0, "default tenant first");
  }

  @Test
  void close_ofView_closesSharedStore() {
    KvStore view = store.tenant("acme");
    view.close();
    assertThrows(IllegalStateException.class, () -> defaults.get("k"));
  }
}
