package dev.ren.db;

import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16: tenants of a document store, and document owners carried by events. */
abstract class Issue16TenantTest {

  @RegisterExtension
  final TestDatabase db;

  Issue16TenantTest(TestDatabase.Kind kind) {
    db = new TestDatabase(kind);
  }

  RecordingPublisher events;
  DocumentStore store;

  @BeforeEach
  void open() {
    events = new RecordingPublisher();
    store = db.open(events);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void tenant_sameCollectionAndIdInTwoTenants_areTwoDocuments() {
    Collection a = store.tenant("acme").collection("todos");
    Collection b = store.tenant("globex").collection("todos");
    a.insertOne(obj("{'_id':'x','title':'acme'}"));
    b.insertOne(obj("{'_id':'x','title':'globex'}"));
    store.collection("todos").insertOne(obj("{'_id':'x','title':'default'}"));

    assertEquals("acme", a.get("x").orElseThrow().json().path("title").asText());
    assertEquals("globex", b.get("x").orElseThrow().json().path("title").asText());
    assertEquals("default", store.collection("todos").get("x").orElseThrow().json().path("title").asText());

    a.deleteOne(node("{'_id':'x'}"));
    assertTrue(a.get("x").isEmpty());
    assertEquals(1, b.find(node("{}")).size());
    assertEquals(1, store.collection("todos").find(node("{}")).size());
  }

  @Test
  void tenant_writes_eventsCarryTheTenantAndTheCollectionName() {
    Collection a = store.tenant("acme").collection("todos");
    a.insertOne(obj("{'_id':'x'}"));
    a.updateOne(node("{'_id':'x'}"), node("{'$set':{'done':true}}"));
    a.deleteOne(node("{'_id':'x'}"));
    store.collection("todos").insertOne(obj("{'_id':'y'}"));

    List<RenEvent> all = events.events();
    assertEquals(4, all.size());
    for (RenEvent e : all.subList(0, 3)) {
      assertEquals("acme", e.tenant());
      assertEquals("todos", e.ns());
      assertEquals("x", e.k());
    }
    assertNull(all.get(3).tenant());
    assertEquals("todos", all.get(3).ns());
  }

  @Test
  void collectionNames_ofATenant_listsOnlyItsOwn() {
    store.tenant("acme").collection("todos").insertOne(obj("{}"));
    store.tenant("acme").collection("notes").createIndex(List.of("title"));
    store.tenant("globex").collection("secrets").insertOne(obj("{}"));
    store.collection("public").insertOne(obj("{}"));

    assertEquals(List.of("notes", "todos"), store.tenant("acme").collectionNames());
    assertEquals(List.of("secrets"), store.tenant("globex").collectionNames());
    assertEquals(List.of("public"), store.collectionNames());
    assertEquals(List.of(), store.tenant("initech").collectionNames());
  }

  @Test
  void tenant_idsThatLookAlikeWhenJoined_neverShareACollection() {
    // joined with '.' these would all be "a.b.c": tenant a.b + c, tenant a + b.c, default tenant's a.b.c
    store.tenant("a.b").collection("c").insertOne(obj("{'_id':'1','who':'a.b'}"));
    store.tenant("a").collection("b.c").insertOne(obj("{'_id':'1','who':'a'}"));
    store.collection("a.b.c").insertOne(obj("{'_id':'1','who':'default'}"));

    assertEquals("a.b", store.tenant("a.b").collection("c").get("1").orElseThrow().json().path("who").asText());
    assertEquals("a", store.tenant("a").collection("b.c").get("1").orElseThrow().json().path("who").asText());
    assertEquals("default", store.collection("a.b.c").get("1").orElseThrow().json().path("who").asText());
    assertTrue(store.tenant("a").collection("c").get("1").isEmpty());
    assertTrue(store.tenant("a.b").collection("b.c").get("1").isEmpty());
    assertEquals(List.of("c"), store.tenant("a.b").collectionNames());
    assertEquals(List.of("b.c"), store.tenant("a").collectionNames());
    assertEquals(List.of("a.b.c"), store.collectionNames());
  }

  @Test
  void tenant_null_isTheStoreItself() {
    assertSame(store, store.tenant(null));
    assertEquals(List.of(), store.tenant("acme").tenant(null).collectionNames());
  }

  @Test
  void tenant_invalidId_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> store.tenant("x".repeat(65)));
    assertThrows(IllegalArgumentException.class, () -> store.tenant("a/b"));
    assertThrows(IllegalArgumentException.class, () -> store.tenant(""));
    store.tenant("x".repeat(64)).collection("c".repeat(64)).insertOne(obj("{'_id':'1'}"));
    assertEquals(List.of("c".repeat(64)), store.tenant("x".repeat(64)).collectionNames());
  }

  @Test
  void tenantIndexes_areTheTenantsOwn() {
    store.tenant("acme").collection("todos").createIndex(List.of("done"));
    assertEquals(1, store.tenant("acme").collection("todos").listIndexes().size());
    assertEquals(0, store.tenant("globex").collection("todos").listIndexes().size());
    assertEquals(0, store.collection("todos").listIndexes().size());
    store.tenant("acme").collection("todos").insertOne(obj("{'done':false}"));
    store.tenant("globex").collection("todos").insertOne(obj("{'done':false}"));
    assertEquals(1, store.tenant("acme").collection("todos").find(node("{'done':false}")).size());
  }

  @Test
  void ownedDocument_events_carryTheOwnerAsUid() {
    Collection notes = store.tenant("acme").collection("notes");
    notes.insertOne(obj("{'_id':'n','_owner':'alice','text':'hi'}"));
    notes.replaceOne(node("{'_id':'n'}"), obj("{'text':'replaced'}"));
    notes.deleteOne(node("{'_id':'n'}"));
    store.collection("plain").insertOne(obj("{'_id':'p'}"));

    List<RenEvent> all = events.events();
    assertEquals(List.of("alice", "alice", "alice"), all.subList(0, 3).stream().map(RenEvent::uid).toList());
    assertNull(all.get(3).uid());
  }

  @Test
  void replaceOne_ofAnOwnedDocument_keepsItsOwner() {
    Collection notes = store.collection("notes");
    notes.insertOne(obj("{'_id':'n','_owner':'alice','text':'hi'}"));
    notes.replaceOne(node("{'_id':'n'}"), obj("{'text':'replaced'}"));
    assertEquals("alice", notes.get("n").orElseThrow().json().path("_owner").asText());
  }

  @Test
  void open_aDatabaseMadeBeforeTenants_widensItsColumnsAndKeepsItsData() throws Exception {
    store.close(); // left closed: @AfterEach closes it again, which does nothing
    DataSource ds = db.dataSource();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE ren_documents, ren_indexes, ren_index_entries"); // as made by the store just closed
      s.execute("CREATE TABLE ren_documents (collection VARCHAR(64) NOT NULL, id VARCHAR(256) NOT NULL, "
          + "rev BIGINT NOT NULL, doc JSON NOT NULL, PRIMARY KEY (collection, id))");
      s.execute("CREATE TABLE ren_indexes (collection VARCHAR(64) NOT NULL, name VARCHAR(600) NOT NULL, "
          + "fields VARCHAR(4000) NOT NULL, PRIMARY KEY (collection, name))");
      s.execute("CREATE TABLE ren_index_entries (collection VARCHAR(64) NOT NULL, index_name VARCHAR(600) NOT NULL,"
          + " type_rank INT NOT NULL, num DOUBLE PRECISION, str VARCHAR(256), id VARCHAR(256) NOT NULL)");
      s.execute("INSERT INTO ren_documents VALUES ('todos', 'x', 1, '{\"_id\":\"x\",\"title\":\"old\"}'"
          + (db.kind() == TestDatabase.Kind.H2 ? " FORMAT JSON)" : ")"));
    }
    try (DocumentStore old = DocumentStore.jdbc(ds, events)) {
      assertEquals("old", old.collection("todos").get("x").orElseThrow().json().path("title").asText());
      old.tenant("y".repeat(64)).collection("todos").insertOne(obj("{'_id':'x','title':'new'}"));
      assertEquals(List.of("todos"), old.collectionNames());
      assertEquals("new", old.tenant("y".repeat(64)).collection("todos").get("x").orElseThrow().json()
          .path("title").asText());
    }
  }
}
