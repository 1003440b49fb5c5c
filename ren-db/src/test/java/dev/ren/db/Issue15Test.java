package dev.ren.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15 (hardening), the document store's part: bad values are refused as bad input and nothing is stored. */
abstract class Issue15Test {

  @RegisterExtension
  final TestDatabase db;

  Issue15Test(TestDatabase.Kind kind) {
    db = new TestDatabase(kind);
  }

  RecordingPublisher events;
  DocumentStore store;
  Collection c;

  @BeforeEach
  void open() {
    events = new RecordingPublisher();
    store = db.open(events);
    c = store.collection("docs");
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void insertOne_loneSurrogateInValueOrName_illegalArgumentAndNothingStored() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.insertOne(JsonNodeFactory.instance.objectNode().put("a", "x\ud800")));
    assertTrue(e.getMessage().contains("lone surrogate") && e.getMessage().contains("'a'"), e.getMessage());
    ObjectNode nested = JsonNodeFactory.instance.objectNode();
    nested.putObject("o").putArray("list").add("\udc00");
    e = assertThrows(IllegalArgumentException.class, () -> c.insertOne(nested));
    assertTrue(e.getMessage().contains("o.list[0]"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> c.insertOne(JsonNodeFactory.instance.objectNode().put("k\ud800", 1)));
    // a pair is fine
    String ok = c.insertOne(JsonNodeFactory.instance.objectNode().put("_id", "ok").put("a", "\ud83d\ude00"));
    assertEquals("\ud83d\ude00", c.get(ok).orElseThrow().json().get("a").textValue());
    // and an update may not bring one in either
    assertThrows(IllegalArgumentException.class, () -> c.updateOne(node("{'_id':'ok'}"),
        JsonNodeFactory.instance.objectNode().set("$set", JsonNodeFactory.instance.objectNode().put("a", "\ud800"))));
    assertEquals(1, c.find(null).size());
    assertEquals(1L, c.get("ok").orElseThrow().revision());
    assertEquals(1, events.drain().size());
  }

  @Test
  void updateOne_incOverflowsToInfinity_illegalArgumentAndNothingStored() {
    c.insertOne(obj("{'_id':'big','n':1.7e308}"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.updateOne(node("{'_id':'big'}"), node("{'$inc':{'n':1.7e308}}")));
    assertTrue(e.getMessage().contains("$inc") && e.getMessage().contains("'n'"), e.getMessage());
    Document d = c.get("big").orElseThrow();
    assertEquals(1L, d.revision());
    assertTrue(d.json().get("n").isNumber(), d.json().toString());
    assertEquals(1.7e308, d.json().get("n").doubleValue());
  }

  @Test
  void insertOne_nonFiniteNumber_illegalArgumentAndNothingStored() {
    for (double bad : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> c.insertOne(JsonNodeFactory.instance.objectNode().put("n", bad)));
      assertTrue(e.getMessage().contains("finite"), e.getMessage());
    }
    assertTrue(c.find(null).isEmpty());
  }
}
