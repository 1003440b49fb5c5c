package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

abstract class DocumentStoreTest {

  @RegisterExtension
  final TestDatabase db;

  DocumentStoreTest(TestDatabase.Kind kind) {
    db = new TestDatabase(kind);
  }

  RecordingPublisher events;
  DocumentStore store;
  Collection todos;

  @BeforeEach
  void open() {
    events = new RecordingPublisher();
    store = db.open(events);
    todos = store.collection("todos");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static List<String> ids(List<Document> docs) {
    return docs.stream().map(Document::id).toList();
  }

  @Test
  void insertOne_withoutId_generatesTimeOrderedIdsAndCreatedEvents() {
    String a = todos.insertOne(obj("{'title':'a'}"));
    String b = todos.insertOne(obj("{'title':'b'}"));
    assertTrue(a.compareTo(b) < 0, a + " < " + b);
    assertEquals(24, a.length());
    Document doc = todos.get(a).orElseThrow();
    assertEquals(1, doc.revision());
    assertEquals(node("{'_id':'" + a + "','title':'a'}"), doc.json());
    List<RenEvent> ev = events.events();
    assertEquals(2, ev.size());
    assertEquals(EventTypes.DB_CREATED, ev.get(0).t());
    assertEquals("todos", ev.get(0).ns());
    assertEquals(a, ev.get(0).k());
    assertEquals("1", ev.get(0).v());
  }

  @Test
  void insertOne_duplicateId_throwsAndPublishesNothing() {
    todos.insertOne(obj("{'_id':'x','v':1}"));
    events.drain();
    assertThrows(DuplicateIdException.class, () -> todos.insertOne(obj("{'_id':'x','v':2}")));
    assertEquals(1, todos.get("x").orElseThrow().json().get("v").intValue());
    assertTrue(events.events().isEmpty());
  }

  @Test
  void insertOne_badIdOrFieldName_rejected() {
    assertThrows(IllegalArgumentException.class, () -> todos.insertOne(obj("{'_id':5}")));
    assertThrows(IllegalArgumentException.class, () -> todos.insertOne(obj("{'_id':''}")));
    assertThrows(IllegalArgumentException.class, () -> todos.insertOne(obj("{'$set':1}")));
    assertThrows(IllegalArgumentException.class, () -> store.collection("bad name"));
    assertThrows(IllegalArgumentException.class, () -> store.collection("x".repeat(65)));
    assertTrue(todos.find(null).isEmpty());
    assertTrue(events.events().isEmpty());
  }

  @Test
  void find_filtersSortSkipLimit_returnExpectedDocuments() {
    for (int i = 0; i < 10; i++) {
      todos.insertOne(obj("{'_id':'d" + i + "','n':" + i + ",'even':" + (i % 2 == 0) + ",'meta':{'p':" + (9 - i)
          + "}}"));
    }
    assertEquals(List.of("d0", "d2", "d4", "d6", "d8"), ids(todos.find(node("{'even':true}"))));
    assertEquals(List.of("d8", "d6"), ids(todos.find(node("{'even':true}"),
        FindOptions.limit(2).withSort("n", false))));
    assertEquals(List.of("d3", "d4"), ids(todos.find(node("{'n':{'$gte':2}}"),
        FindOptions.limit(2).withSkip(1).withSort("meta.p", false))));
    assertEquals(List.of("d1"), ids(todos.find(node("{'meta.p':8}"))));
    assertEquals(List.of("d0", "d9"), ids(todos.find(node("{'$or':[{'n':0},{'n':{'$gt':8}}]}"))));
    assertEquals("d5", todos.findOne(node("{'n':{'$in':[7,5]}}")).orElseThrow().id());
    assertTrue(todos.findOne(node("{'n':'5'}")).isEmpty());
    assertEquals(List.of("d3"), ids(todos.find(node("{'_id':'d3'}"))));
    assertEquals(List.of("d3", "d4"), ids(todos.find(node("{'_id':{'$gte':'d3','$lt':'d5'}}"))));
  }

  @Test
  void find_unknownOperator_throwsNamingIt() {
    var e = assertThrows(IllegalArgumentException.class, () -> todos.find(node("{'a':{'$foo':1}}")));
    assertTrue(e.getMessage().contains("$foo"));
  }

  @Test
  void updateOne_operators_bumpRevisionAndPublishUpdated() {
    String id = todos.insertOne(obj("{'n':1,'tmp':true}"));
    events.drain();
    UpdateResult r = todos.updateOne(node("{'_id':'" + id + "'}"),
        node("{'$inc':{'n':2},'$set':{'a.b':'x'},'$unset':{'tmp':''}}"));
    assertEquals(new UpdateResult(1, 1), r);
    Document d = todos.get(id).orElseThrow();
    assertEquals(2, d.revision());
    assertEquals(node("{'_id':'" + id + "','n':3,'a':{'b':'x'}}"), d.json());
    List<RenEvent> ev = events.drain();
    assertEquals(1, ev.size());
    assertEquals(EventTypes.DB_UPDATED, ev.get(0).t());
    assertEquals("2", ev.get(0).v());
  }

  @Test
  void updateOne_noOp_matchesButModifiesAndPublishesNothing() {
    String id = todos.insertOne(obj("{'n':1}"));
    events.drain();
    assertEquals(new UpdateResult(1, 0), todos.updateOne(node("{'n':1}"), node("{'$set':{'n':1}}")));
    assertEquals(new UpdateResult(0, 0), todos.updateOne(node("{'n':2}"), node("{'$set':{'n':3}}")));
    assertEquals(1, todos.get(id).orElseThrow().revision());
    assertTrue(events.events().isEmpty());
  }

  @Test
  void updateOne_wholeDocument_replacesAndKeepsId() {
    String id = todos.insertOne(obj("{'a':1,'b':2}"));
    todos.updateOne(node("{'a':1}"), node("{'c':3}"));
    assertEquals(node("{'_id':'" + id + "','c':3}"), todos.get(id).orElseThrow().json());
    todos.replaceOne(node("{'c':3}"), obj("{'_id':'" + id + "','d':4}"));
    assertEquals(node("{'_id':'" + id + "','d':4}"), todos.get(id).orElseThrow().json());
    assertThrows(IllegalArgumentException.class, () -> todos.replaceOne(node("{}"), obj("{'_id':'other'}")));
    assertEquals(3, todos.get(id).orElseThrow().revision());
  }

  @Test
  void updateOne_badUpdate_throwsAndWritesNothing() {
    String id = todos.insertOne(obj("{'s':'text'}"));
    events.drain();
    var e = assertThrows(IllegalArgumentException.class, () -> todos.updateOne(node("{}"), node("{'$rename':{}}")));
    assertTrue(e.getMessage().contains("$rename"));
    assertThrows(IllegalArgumentException.class, () -> todos.updateOne(node("{}"), node("{'$inc':{'s':1}}")));
    assertEquals(1, todos.get(id).orElseThrow().revision());
    assertTrue(events.events().isEmpty());
  }

  @Test
  void updateMany_failureOnOneDocument_rollsBackAllAndPublishesNothing() {
    todos.insertOne(obj("{'_id':'a','n':1}"));
    todos.insertOne(obj("{'_id':'b','n':'not a number'}"));
    events.drain();
    assertThrows(IllegalArgumentException.class, () -> todos.updateMany(node("{}"), node("{'$inc':{'n':1}}")));
    assertEquals(1, todos.get("a").orElseThrow().json().get("n").intValue());
    assertTrue(events.events().isEmpty());
  }

  @Test
  void updateMany_changesEveryMatch_oneEventEach() {
    for (int i = 0; i < 5; i++) {
      todos.insertOne(obj("{'_id':'d" + i + "','done':false,'n':" + i + "}"));
    }
    events.drain();
    assertEquals(new UpdateResult(3, 3), todos.updateMany(node("{'n':{'$lt':3}}"), node("{'$set':{'done':true}}")));
    List<RenEvent> ev = events.drain();
    assertEquals(List.of("d0", "d1", "d2"), ev.stream().map(RenEvent::k).toList());
    assertEquals(3, todos.find(node("{'done':true}")).size());
  }

  @Test
  void updateOne_staleExpectedRevision_throwsConflict() {
    String id = todos.insertOne(obj("{'n':1}"));
    todos.updateOne(node("{}"), node("{'$inc':{'n':1}}"), 1);
    RevisionConflictException e = assertThrows(RevisionConflictException.class,
        () -> todos.updateOne(node("{}"), node("{'$inc':{'n':1}}"), 1));
    assertEquals(2, e.actual());
    assertThrows(RevisionConflictException.class, () -> todos.deleteOne(node("{}"), 1));
    assertThrows(RevisionConflictException.class, () -> todos.replaceOne(node("{}"), obj("{}"), 1));
    assertEquals(2, todos.get(id).orElseThrow().json().get("n").intValue());
  }

  @Test
  void delete_oneAndMany_publishDeletedWithIdOnly() {
    for (int i = 0; i < 4; i++) {
      todos.insertOne(obj("{'_id':'d" + i + "','secret':'s" + i + "'}"));
    }
    events.drain();
    assertEquals(new DeleteResult(1), todos.deleteOne(node("{'_id':'d1'}")));
    assertEquals(new DeleteResult(0), todos.deleteOne(node("{'_id':'d1'}")));
    assertEquals(new DeleteResult(3), todos.deleteMany(node("{}")));
    List<RenEvent> ev = events.drain();
    assertEquals(4, ev.size());
    assertEquals(EventTypes.DB_DELETED, ev.get(0).t());
    assertEquals("d1", ev.get(0).k());
    assertEquals("2", ev.get(0).v());
    assertEquals(null, ev.get(0).data());
    assertTrue(todos.find(null).isEmpty());
  }

  @Test
  void insertOne_storesRealJsonNotAQuotedString() throws Exception {
    todos.insertOne(obj("{'_id':'a','x':[1,2],'big':1e300,'b':true}"));
    store.close(); // an H2 file is opened by one pool at a time
    String isObject = db.kind() == TestDatabase.Kind.H2 ? "doc IS JSON OBJECT" : "json_typeof(doc) = 'object'";
    try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(
             "SELECT " + isObject + ", CAST(doc AS VARCHAR) FROM ren_documents WHERE id = 'a'")) {
      assertTrue(rs.next());
      assertTrue(rs.getBoolean(1), "stored as a JSON object");
      // as written: fields in their order, numbers as spelled (PostgreSQL's JSONB would change both)
      assertEquals("{\"_id\":\"a\",\"x\":[1,2],\"big\":1.0E300,\"b\":true}", rs.getString(2));
    }
  }

  @Test
  void createIndex_findUsesSqlIndex_andDropIndexFallsBackToScan() {
    JdbcCollection c = (JdbcCollection) todos;
    for (int i = 0; i < 50; i++) {
      todos.insertOne(obj("{'status':'s" + (i % 5) + "','n':" + i + "}"));
    }
    assertFalse(db.readsIndexEntries(c.explain(node("{'status':'s1'}"))), c.explain(node("{'status':'s1'}")));
    String name = todos.createIndex(List.of("status"));
    assertEquals("status_1", name);
    assertEquals(name, todos.createIndex(List.of("status")), "idempotent");
    assertEquals(List.of(new IndexInfo("status_1", List.of("status"))), todos.listIndexes());
    String plan = c.explain(node("{'status':'s1','n':{'$gt':3}}"));
    assertTrue(db.readsIndexEntries(plan), plan);
    if (db.kind() == TestDatabase.Kind.H2) {
      assertFalse(plan.contains("tableScan"), plan);
    }
    assertEquals(10, todos.find(node("{'status':'s1'}")).size());
    todos.createIndex(List.of("n"));
    String range = c.explain(node("{'n':{'$gte':10,'$lt':20}}"));
    assertTrue(db.readsIndexEntries(range), range);
    assertEquals(10, todos.find(node("{'n':{'$gte':10,'$lt':20}}")).size());
    assertTrue(db.readsPrimaryKey(c.explain(node("{'_id':'x'}"))), c.explain(node("{'_id':'x'}")));
    assertTrue(todos.dropIndex("status_1"));
    assertFalse(todos.dropIndex("status_1"));
    assertFalse(db.readsIndexEntries(c.explain(node("{'status':'s1'}"))));
    assertEquals(10, todos.find(node("{'status':'s1'}")).size());
  }

  @Test
  void find_idRangeAcrossSurrogatePairs_matchesAsJavaComparesStrings() {
    // UTF-16 order (Java, H2): "a\ud83d\ude00" < "a\ue000" < "a\ufffd"; code point order puts the emoji last
    for (String id : List.of("a\ud83d\ude00", "a\ufffd", "b")) {
      todos.insertOne(obj("{'_id':'" + id + "'}"));
    }
    assertEquals(List.of("a\ud83d\ude00", "a\ufffd"), ids(todos.find(node("{'_id':{'$gte':'a','$lt':'a\uffff'}}"))));
    assertEquals(List.of("a\ufffd", "b"), ids(todos.find(node("{'_id':{'$gte':'a\ue000'}}"))));
    assertEquals(List.of("a\ud83d\ude00"), ids(todos.find(node("{'_id':{'$lt':'a\ue000'}}"))));
  }

  @Test
  void find_withIndex_returnsSameAsScan_forRandomDocumentsAndFilters() {
    Random rnd = new Random(42);
    store.close();
    store = db.open(events);
    Collection plain = store.collection("plain");
    Collection indexed = store.collection("indexed");
    indexed.createIndex(List.of("v"));
    indexed.createIndex(List.of("o.k"));
    String[] values = {"1", "2", "2.5", "-1", "1e300", "9007199254740993", "'a'", "'b'", "'ab'", "''", "true",
        "false", "null", "[1,'a']", "[2,3]", "{'x':1}",
        "'a\\u0000'", "'a\\u0000b'", "'\\ud83d\\ude00'", "'\\ufffd'",
        "'" + "z".repeat(300) + "'", "'" + "z".repeat(301) + "'"};
    for (int i = 0; i < 150; i++) {
      String v = values[rnd.nextInt(values.length)];
      String doc = rnd.nextInt(10) == 0 ? "{'_id':'d" + i + "'}"
          : "{'_id':'d" + i + "','v':" + v + ",'o':{'k':" + values[rnd.nextInt(values.length)] + "}}";
      plain.insertOne(obj(doc));
      indexed.insertOne(obj(doc));
    }
    String[] ops = {"$eq", "$gt", "$gte", "$lt", "$lte", "$ne"};
    for (int i = 0; i < 200; i++) {
      String field = rnd.nextBoolean() ? "v" : "o.k";
      String q = values[rnd.nextInt(values.length)];
      String filter = switch (rnd.nextInt(4)) {
        case 0 -> "{'" + field + "':" + q + "}";
        case 1 -> "{'" + field + "':{'" + ops[rnd.nextInt(ops.length)] + "':" + q + "}}";
        case 2 -> "{'" + field + "':{'$in':[" + q + "," + values[rnd.nextInt(values.length)] + "]}}";
        default -> "{'" + field + "':{'$gt':" + q + ",'$lte':" + values[rnd.nextInt(values.length)] + "}}";
      };
      JsonNode f = node(filter);
      assertEquals(ids(plain.find(f)), ids(indexed.find(f)), filter);
    }
    // index entries follow updates and deletes
    plain.updateMany(node("{'v':1}"), node("{'$set':{'v':'moved'}}"));
    indexed.updateMany(node("{'v':1}"), node("{'$set':{'v':'moved'}}"));
    plain.deleteMany(node("{'v':'a'}"));
    indexed.deleteMany(node("{'v':'a'}"));
    for (String q : new String[] {"{'v':1}", "{'v':'moved'}", "{'v':'a'}", "{'v':{'$gte':'a'}}"}) {
      assertEquals(ids(plain.find(node(q))), ids(indexed.find(node(q))), q);
    }
  }

  @Test
  void reopen_keepsDocumentsRevisionsAndIndexes() {
    String id = todos.insertOne(obj("{'n':1}"));
    todos.updateOne(node("{}"), node("{'$inc':{'n':1}}"));
    todos.createIndex(List.of("n"));
    store.close();
    store.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> todos.get(id));
    store = db.open(events);
    Collection again = store.collection("todos");
    assertEquals(2, again.get(id).orElseThrow().revision());
    assertEquals(List.of("n_1"), again.listIndexes().stream().map(IndexInfo::name).toList());
    assertEquals(1, again.find(node("{'n':2}")).size());
    assertEquals(List.of("todos"), store.collectionNames());
  }

  @Test
  void write_onInterruptedThread_succeedsAndKeepsInterruptFlag() {
    Thread.currentThread().interrupt();
    try {
      String id = todos.insertOne(obj("{'n':1}"));
      assertTrue(Thread.currentThread().isInterrupted(), "flag restored for the caller");
      Thread.interrupted();
      assertEquals(1, todos.find(node("{'_id':'" + id + "'}")).size());
    } finally {
      Thread.interrupted();
    }
    todos.insertOne(obj("{'n':2}"));
    assertEquals(2, todos.find(null).size());
  }

  @Test
  void events_throughRenHub_carryOriginAsSrc() throws Exception {
    store.close(); // the same database, through a store that publishes to a hub
    try (RenHub hub = RenHub.create(); DocumentStore s = db.open(hub)) {
      LinkedBlockingQueue<RenEvent> got = new LinkedBlockingQueue<>();
      try (AutoCloseable l = hub.listen(RenFilter.parse("db:notes"), (id, e) -> got.add(e))) {
        String id;
        try (RenOrigin.Scope scope = RenOrigin.open("client-1")) {
          id = s.collection("notes").insertOne(obj("{'t':'x'}"));
        }
        s.collection("notes").deleteOne(node("{}"));
        RenEvent created = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(created);
        assertEquals(id, created.k());
        assertEquals("client-1", created.src());
        RenEvent deleted = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(deleted);
        assertEquals(EventTypes.DB_DELETED, deleted.t());
        assertEquals(null, deleted.src());
      }
    }
  }


  @Test
  void insertMany_oneTransaction_allOrNothing() {
    List<String> ids = todos.insertMany(List.of(obj("{'n':1}"), obj("{'_id':'m2','n':2}")));
    assertEquals(2, ids.size());
    assertEquals("m2", ids.get(1));
    assertEquals(2, events.drain().size());
    DuplicateIdException e = assertThrows(DuplicateIdException.class,
        () -> todos.insertMany(List.of(obj("{'_id':'m3'}"), obj("{'_id':'m2'}"))));
    assertTrue(e.getMessage().contains("m2"), e.getMessage());
    assertTrue(todos.get("m3").isEmpty(), "the whole batch rolled back");
    assertThrows(DuplicateIdException.class, () -> todos.insertMany(List.of(obj("{'_id':'d'}"), obj("{'_id':'d'}"))));
    assertTrue(events.events().isEmpty());
  }
}
