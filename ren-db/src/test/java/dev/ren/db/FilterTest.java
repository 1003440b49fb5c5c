package dev.ren.db;

import dev.ren.testing.TestJson;
import org.junit.jupiter.api.Test;

import static dev.ren.db.TestDocs.node;
import static dev.ren.db.TestDocs.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilterTest {

  private static boolean m(String filter, String doc) {
    return Filter.parse(node(filter)).matches(obj(doc));
  }

  @Test
  void parse_equalityAndOperators_matchLikeMongo() {
    String doc = "{'_id':'a','n':5,'s':'x','b':true,'nested':{'k':{'z':1}},'tags':['red','blue'],'nul':null}";
    assertTrue(m("{'n':5}", doc));
    assertTrue(m("{'n':5.0}", doc));
    assertFalse(m("{'n':'5'}", doc));
    assertTrue(m("{'n':{'$gt':4,'$lte':5}}", doc));
    assertFalse(m("{'n':{'$gt':5}}", doc));
    assertFalse(m("{'n':{'$gt':'a'}}", doc), "a number is never greater than a string");
    assertTrue(m("{'s':{'$gte':'x','$lt':'y'}}", doc));
    assertTrue(m("{'n':{'$ne':6}}", doc));
    assertTrue(m("{'n':{'$in':[1,5]}}", doc));
    assertFalse(m("{'n':{'$nin':[1,5]}}", doc));
    assertTrue(m("{'missing':{'$exists':false},'n':{'$exists':true}}", doc));
    assertTrue(m("{'nested.k.z':1}", doc));
    assertTrue(m("{'nested.k':{'z':1}}", doc));
    assertFalse(m("{'nested.k.z.deeper':1}", doc));
    assertTrue(m("{'tags':'red'}", doc), "equality matches an array element");
    assertTrue(m("{'tags':['red','blue']}", doc));
    assertFalse(m("{'tags':['blue','red']}", doc));
    assertTrue(m("{'missing':null}", doc));
    assertTrue(m("{'nul':null}", doc));
    assertFalse(m("{'n':null}", doc));
    assertTrue(m("{'$or':[{'n':1},{'b':true}]}", doc));
    assertFalse(m("{'$and':[{'n':5},{'b':false}]}", doc));
    assertTrue(m("{}", doc));
  }

  @Test
  void parse_unknownOperator_throwsNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Filter.parse(node("{'n':{'$regex':'x'}}")));
    assertTrue(e.getMessage().contains("$regex"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("{'$where':'1'}")));
    assertTrue(e.getMessage().contains("$where"), e.getMessage());
  }

  @Test
  void parse_malformedOperands_throw() {
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("{'n':{'$in':5}}")));
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("{'n':{'$exists':1}}")));
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("{'$or':[]}")));
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("{'$and':[1]}")));
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("{'a..b':1}")));
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("{'n':{'$gt':1,'x':2}}")));
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(node("[1]")));
  }

  @Test
  void parse_nestedDeeperThan32_throws() {
    Filter.parse(node("{'$or':[".repeat(10) + "{'x':1}" + "]}".repeat(10)));
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      deep.append("{'$or':[");
    }
    deep.append("{'x':1}");
    for (int i = 0; i < 20; i++) {
      deep.append("]}");
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Filter.parse(node(deep.toString())));
    assertTrue(e.getMessage().contains("32"), e.getMessage());
  }

  @Test
  void update_operators_applyAndRejectUnknown() {
    var doc = obj("{'_id':'a','n':1,'o':{'x':1},'gone':true}");
    var out = Update.parse(node("{'$set':{'o.y':2,'new.deep':3},'$inc':{'n':2.5},'$unset':{'gone':1}}")).apply(doc);
    assertEquals(node("{'_id':'a','n':3.5,'o':{'x':1,'y':2},'new':{'deep':3}}"), out);
    assertEquals(node("{'_id':'a','n':1,'o':{'x':1},'gone':true}"), doc, "input untouched");
    var e = assertThrows(IllegalArgumentException.class, () -> Update.parse(node("{'$push':{'a':1}}")));
    assertTrue(e.getMessage().contains("$push"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Update.parse(node("{'$set':{'a':1},'b':2}")));
    assertThrows(IllegalArgumentException.class, () -> Update.parse(node("{'$inc':{'a':'x'}}")));
    assertThrows(IllegalArgumentException.class, () -> Update.parse(node("{'$set':{'a':1,'a.b':2}}")));
    assertThrows(IllegalArgumentException.class, () -> Update.parse(node("{'$set':{'_id':'b'}}")).apply(doc));
    assertThrows(IllegalArgumentException.class, () -> Update.parse(node("{'$inc':{'o':1}}")).apply(doc));
    assertEquals(node("{'_id':'a','z':1}"), Update.parse(node("{'z':1}")).apply(doc));
  }

  @Test
  void update_incOnLongs_staysIntegral() {
    var out = Update.parse(node("{'$inc':{'n':1}}")).apply(obj("{'_id':'a','n':9007199254740993}"));
    assertEquals("9007199254740994", out.get("n").toString());
  }

  @Test
  void parse_orWithTooManyBranches_refusedBeforeEvaluation() {
    StringBuilder f = new StringBuilder("{\"$or\":[");
    for (int i = 0; i < 60_000; i++) {
      f.append(i == 0 ? "" : ",").append("{\"a\":").append(i).append('}');
    }
    f.append("]}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Filter.parse(TestJson.parse(f.toString())));
    assertTrue(e.getMessage().contains("branches"), e.getMessage());
  }

  @Test
  void parse_inListTooLong_refused() {
    StringBuilder f = new StringBuilder("{\"a\":{\"$in\":[");
    for (int i = 0; i <= Filter.DEFAULT_MAX_IN; i++) {
      f.append(i == 0 ? "" : ",").append(i);
    }
    f.append("]}}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Filter.parse(TestJson.parse(f.toString())));
    assertTrue(e.getMessage().contains("$in has 1001 values"), e.getMessage());
  }

  @Test
  void parse_tooManyValuesOverall_refused() {
    StringBuilder f = new StringBuilder("{");
    for (int i = 0; i < 5_000; i++) {
      f.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
    }
    f.append('}');
    assertThrows(IllegalArgumentException.class, () -> Filter.parse(TestJson.parse(f.toString())));
  }

  @Test
  void parse_withinBounds_accepted() {
    StringBuilder f = new StringBuilder("{\"$or\":[");
    for (int i = 0; i < Filter.DEFAULT_MAX_BRANCHES; i++) {
      f.append(i == 0 ? "" : ",").append("{\"a\":").append(i).append('}');
    }
    f.append("]}");
    assertTrue(Filter.parse(TestJson.parse(f.toString())).matches(obj("{'a':3}")));
  }
}
