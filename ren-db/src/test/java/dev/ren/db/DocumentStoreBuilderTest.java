package dev.ren.db;

import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DocumentStore.Builder}: its settings, their checks, and the filter bounds as settings (issue 15). */
class DocumentStoreBuilderTest {

  @TempDir
  Path dir;

  final RecordingPublisher events = new RecordingPublisher();

  @Test
  void settings_givenTwice_refusedNamingTheFirstValue() {
    DocumentStore.Builder b = DocumentStore.builder(events).maxCollections(5);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.maxCollections(6));
    assertEquals("maxCollections was already set to 5", e.getMessage());
    b.h2(dir);
    e = assertThrows(IllegalStateException.class, b::h2InMemory);
    assertEquals("database was already set to h2(" + dir + ")", e.getMessage());
    for (Function<DocumentStore.Builder, DocumentStore.Builder> setting : List.<Function<DocumentStore.Builder,
        DocumentStore.Builder>>of(x -> x.maxFilterBranches(10), x -> x.maxFilterInValues(10),
        x -> x.maxFilterValues(10), x -> x.maxFilterDepth(10))) {
      DocumentStore.Builder once = setting.apply(DocumentStore.builder(events));
      e = assertThrows(IllegalStateException.class, () -> setting.apply(once));
      assertTrue(e.getMessage().endsWith(" was already set to 10"), e.getMessage());
    }
  }

  @Test
  void settings_outOfRange_refusedNamingTheRange() {
    DocumentStore.Builder b = DocumentStore.builder(events);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.maxCollections(0));
    assertEquals("maxCollections must be in [1, 1000000], was 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.maxFilterBranches(-1));
    assertEquals("maxFilterBranches must be in [1, 1000000], was -1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.maxFilterInValues(0));
    assertTrue(e.getMessage().startsWith("maxFilterInValues must be in [1, "), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.maxFilterValues(10_000_001));
    assertTrue(e.getMessage().startsWith("maxFilterValues must be in [1, 10000000]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.maxFilterDepth(1_001));
    assertEquals("maxFilterDepth must be in [1, 1000], was 1001", e.getMessage());
    // a refused value is not recorded: the setting can still be given
    try (DocumentStore store = b.maxCollections(1).h2InMemory().build()) {
      store.collection("a").insertOne(obj("{}"));
      assertThrows(DocumentStoreFullException.class, () -> store.collection("b").insertOne(obj("{}")));
    }
  }

  @Test
  void build_withoutDatabase_refused() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DocumentStore.builder(events).maxCollections(3).build());
    assertTrue(e.getMessage().contains("h2(dir), h2InMemory() or jdbc(dataSource)"), e.getMessage());
  }

  @Test
  void filterBounds_setOnTheBuilder_refuseLargerFiltersNamingTheSettingBeforeMatching() {
    try (DocumentStore store = DocumentStore.builder(events).h2(dir).maxFilterBranches(2).maxFilterInValues(3)
        .maxFilterValues(12).maxFilterDepth(4).build()) {
      Collection c = store.collection("c");
      c.insertOne(obj("{'_id':'a','n':1}"));
      events.drain();
      assertEquals(1, c.find(node("{'$or':[{'n':1},{'n':2}]}")).size(), "within every bound");
      assertEquals(1, c.find(node("{'n':{'$in':[1,2,3]}}")).size());

      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> c.find(node("{'$or':[{'n':1},{'n':2},{'n':3}]}")));
      assertTrue(e.getMessage().contains("more than 2 $and/$or branches (maxFilterBranches)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> c.find(node("{'n':{'$nin':[1,2,3,4]}}")));
      assertTrue(e.getMessage().contains("$nin has 4 values; at most 3 (maxFilterInValues)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> c.findOne(node("{'a':1,'b':2,'c':3,'d':4,'e':5,'f':6,'g':7,'h':8,'i':9,'j':10,'k':11,'l':12}")));
      assertTrue(e.getMessage().contains("more than 12 values (maxFilterValues)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> c.find(node("{'$and':[{'$or':[{'n':{'$in':[1]}}]}]}")));
      assertTrue(e.getMessage().contains("deeper than 4 levels (maxFilterDepth)"), e.getMessage());

      // refused before any document is read or written: an update or delete changes nothing
      assertThrows(IllegalArgumentException.class,
          () -> c.updateMany(node("{'$or':[{'n':1},{'n':2},{'n':3}]}"), node("{'$set':{'n':9}}")));
      assertThrows(IllegalArgumentException.class, () -> c.deleteMany(node("{'n':{'$in':[1,2,3,4]}}")));
      assertEquals(1L, c.get("a").orElseThrow().revision());
      assertTrue(events.events().isEmpty());
    }
  }

  @Test
  void filterBounds_defaults_sameAsBefore() {
    assertEquals(256, DocumentStore.Builder.DEFAULT_MAX_FILTER_BRANCHES);
    assertEquals(1_000, DocumentStore.Builder.DEFAULT_MAX_FILTER_IN_VALUES);
    assertEquals(4_096, DocumentStore.Builder.DEFAULT_MAX_FILTER_VALUES);
    assertEquals(32, DocumentStore.Builder.DEFAULT_MAX_FILTER_DEPTH);
    assertEquals(1_000, DocumentStore.Builder.DEFAULT_MAX_COLLECTIONS);
    try (DocumentStore store = DocumentStore.h2InMemory(events)) {
      Collection c = store.collection("c");
      StringBuilder or = new StringBuilder("{'$or':[");
      for (int i = 0; i < 257; i++) {
        or.append(i == 0 ? "" : ",").append("{'n':").append(i).append('}');
      }
      String over = or.append("]}").toString();
      String within = over.replace(",{'n':256}", "");
      assertTrue(c.find(node(within)).isEmpty());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.find(node(over)));
      assertTrue(e.getMessage().contains("more than 256 $and/$or branches"), e.getMessage());
    }
  }
}
