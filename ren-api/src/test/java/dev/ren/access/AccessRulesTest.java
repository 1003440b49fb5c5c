package dev.ren.access;

import dev.ren.RenEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessRulesTest {

  static final RenCaller ANON = RenCaller.anonymous();
  static final RenCaller READER = RenCaller.user("rita", Set.of("reader"), null);
  static final RenCaller WRITER = RenCaller.user("will", Set.of("writer"), null);
  static final RenCaller ADMIN = RenCaller.user("ada", Set.of("admin"), null);

  final AccessRules rules = AccessRules.builder()
      .read("kv", "todos", "reader", "writer")
      .write("kv", "todos", "writer")
      .readWrite("db", "notes", AccessRules.AUTHENTICATED)
      .owned("db", "notes")
      .read("realtime", "public-*", AccessRules.ANYONE)
      .admin("admin")
      .build();

  @Test
  void allows_readGrant_coversReadsAndEventsNotWrites() {
    assertTrue(rules.allows(READER, RenOperation.KV_GET, RenResource.kv("todos", "t1")));
    assertTrue(rules.allows(READER, RenOperation.KV_LIST, RenResource.kv("todos", null)));
    assertTrue(rules.allows(READER, RenOperation.EVENT, RenResource.of(RenEvent.kvPut("todos", "t1", "1"))));
    assertFalse(rules.allows(READER, RenOperation.KV_PUT, RenResource.kv("todos", "t1")));
    assertTrue(rules.allows(WRITER, RenOperation.KV_PUT, RenResource.kv("todos", "t1")));
  }

  @Test
  void allows_noGrant_refusesOtherNamespacesDomainsAndAnonymous() {
    assertFalse(rules.allows(WRITER, RenOperation.KV_GET, RenResource.kv("secret", "x")));
    assertFalse(rules.allows(WRITER, RenOperation.EVENT, RenResource.of(RenEvent.kvPut("secret", "x", "1"))));
    assertFalse(rules.allows(ANON, RenOperation.KV_GET, RenResource.kv("todos", "t1")));
    assertFalse(rules.allows(WRITER, RenOperation.BLOB_GET, RenResource.storage("default", "a", null)));
  }

  @Test
  void allows_namespaceIsStructured_prefixAndExactDoNotLeak() {
    assertFalse(rules.allows(READER, RenOperation.KV_GET, RenResource.kv("todos2", "t1")));
    assertFalse(rules.allows(READER, RenOperation.KV_GET, RenResource.kv("todo", "s:t1")));
    assertTrue(rules.allows(ANON, RenOperation.EVENT,
        RenResource.of(RenEvent.realtimeMessage("public-lobby", null, null))));
    assertFalse(rules.allows(ANON, RenOperation.EVENT,
        RenResource.of(RenEvent.realtimeMessage("private-x", null, null))));
    assertFalse(rules.allows(ANON, RenOperation.REALTIME_CHANNELS, RenResource.channel(null)));
  }

  @Test
  void allows_ownedNamespace_onlyTheOwnerReachesAnOwnedResource() {
    RenCaller bob = RenCaller.user("bob", Set.of(), null);
    assertTrue(rules.allows(WRITER, RenOperation.DB_INSERT, RenResource.db("notes", null, null)));
    assertTrue(rules.allows(WRITER, RenOperation.DB_UPDATE, RenResource.db("notes", "n1", "will")));
    assertFalse(rules.allows(bob, RenOperation.DB_UPDATE, RenResource.db("notes", "n1", "will")));
    RenEvent created = RenEvent.dbCreated("notes", "n1", "1").withUid("will");
    assertTrue(rules.allows(WRITER, RenOperation.EVENT, RenResource.of(created)));
    assertFalse(rules.allows(bob, RenOperation.EVENT, RenResource.of(created)));
    assertTrue(rules.allows(ADMIN, RenOperation.DB_DELETE, RenResource.db("notes", "n1", "will")));
    assertTrue(rules.isOwned("db", "notes"));
    assertFalse(rules.isOwned("kv", "notes"));
  }

  @Test
  void builder_badPatternsAndEmptyRoles_areRefusedNamingTheRule() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> AccessRules.builder().read("kv", "a*b", "r"))
        .getMessage().contains("prefix ending in *"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> AccessRules.builder().read("kv", "a"))
        .getMessage().contains("at least one role"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> AccessRules.builder().read("K V", "a", "r"))
        .getMessage().contains("domain"));
    assertFalse(AccessRules.builder().build().allows(ADMIN, RenOperation.KV_GET, RenResource.kv("a", "b")));
  }

  @Test
  void open_allowsEverythingAndSaysSo() {
    assertTrue(AccessPolicy.open().isOpen());
    assertTrue(AccessPolicy.open().allows(ANON, RenOperation.BLOB_DELETE, RenResource.storage("b", "k", "x")));
    assertFalse(rules.isOpen());
  }

  @Test
  void caller_tenantUserAndExpiry_areValidated() {
    assertThrows(IllegalArgumentException.class, () -> RenCaller.user("a", Set.of(), "bad tenant"));
    assertThrows(IllegalArgumentException.class, () -> RenCaller.user("a\nb", Set.of(), null));
    assertThrows(IllegalArgumentException.class, () -> new RenCaller(null, Set.of("admin"), null, null));
    RenCaller t = RenCaller.user("a", Set.of(), "acme").withExpiresAt(Instant.ofEpochSecond(100));
    assertTrue(t.expired(Instant.ofEpochSecond(100)));
    assertFalse(t.expired(Instant.ofEpochSecond(99)));
    assertEquals("acme", t.tenant());
  }

  @Test
  void event_tenant_isHiddenFromClientJsonUnlessAsked() {
    RenEvent e = RenEvent.kvPut("todos", "t1", "1").withTenant("acme");
    String plain = new String(dev.ren.json.EventJson.encode(e), java.nio.charset.StandardCharsets.UTF_8);
    String shown = new String(dev.ren.json.EventJson.encode(e, true), java.nio.charset.StandardCharsets.UTF_8);
    assertFalse(plain.contains("acme"), plain);
    assertTrue(shown.endsWith(",\"tn\":\"acme\"}"), shown);
    assertEquals(e, dev.ren.json.EventJson.decode(shown));
    assertThrows(IllegalArgumentException.class, () -> e.withTenant("no spaces"));
  }
}
