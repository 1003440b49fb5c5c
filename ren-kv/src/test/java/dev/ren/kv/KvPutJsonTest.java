package dev.ren.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.EventTypes;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hardening leftover (issue 15): a value given as JSON text ({@link KvNamespace#putJson}, what the HTTP binding
 * hands in) is checked and compacted by a streaming copy and stored without a Jackson tree ever being built for it.
 * The stored bytes equal what a put of the same value as a tree stores; bad text is refused with
 * {@link KvInvalidJsonException} and an oversized value with its exact size as stored, neither storing nor
 * publishing anything.
 */
class KvPutJsonTest {

  private final RecordingPublisher rec = new RecordingPublisher();
  private final FakeTime time = new FakeTime();
  private final List<KvStore> stores = new ArrayList<>();

  @AfterEach
  void close() {
    stores.forEach(KvStore::close);
  }

  private KvNamespace ns(long maxValueBytes) {
    KvStore s = KvStore.builder(rec).maxValueBytes(maxValueBytes).ticker(time).scheduler(time)
        .executor(Runnable::run).build();
    stores.add(s);
    return s.namespace("demo");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String stored(KvNamespace ns, String key) {
    return new String(ns.get(key).orElseThrow().json(), StandardCharsets.UTF_8);
  }

  /** {@code [{},{},...]} of about {@code bytes} bytes. */
  private static String emptyObjects(int bytes) {
    StringBuilder sb = new StringBuilder(bytes).append("[{}");
    while (sb.length() < bytes - 1) {
      sb.append(",{}");
    }
    return sb.append(']').toString();
  }

  @Test
  void putJson_anyText_storesTheBytesAPutOfTheTreeStores() {
    KvNamespace ns = ns(1 << 20);
    List<String> texts = List.of("1", "-0", "1.0", "1E2", "0.1e1", "1e-400", "123456789012345678901234567890",
        "9223372036854775808", "2147483648", "3.4028235e38", "true", "null", "\"\"", "\"\\ud800 lone\"",
        "\"\\u00e9\\n\\u2028\\/\"", " [ 1 , 2.5 , { \"x\" : \"é\" } ]\n", "{\"a\":{\"b\":[[],{}]}}", "\ufeff{}");

    for (String text : texts) {
      ns.putJson("text", utf8(text));
      ns.put("tree", TestJson.parse(text.replace("\ufeff", "")));

      assertEquals(stored(ns, "tree"), stored(ns, "text"), text);
      assertEquals(ns.get("tree").orElseThrow().value(), ns.get("text").orElseThrow().value(), text);
    }
  }

  @Test
  void putJson_spacedText_storedCompactAndPublishedOnce() {
    KvNamespace ns = ns(1000);
    String airy = "{" + " ".repeat(5000) + "\"a\"  :  [ 1 ,\t2 ]\r\n" + " ".repeat(5000) + "}";

    long v = ns.putJson("k", utf8(airy));

    assertEquals("{\"a\":[1,2]}", stored(ns, "k"));
    assertEquals(1, rec.ofType(EventTypes.KV_PUT).size(), rec.events().toString());
    assertEquals(1, rec.size());
    assertEquals(Long.toString(v), rec.events().get(0).v());
  }

  @Test
  void putJson_repeatedName_keptAsSentAndReadBackAsATreeHoldsIt() {
    KvNamespace ns = ns(1000);

    ns.putJson("k", utf8("{\"a\":1,\"b\":2,\"a\":3}"));

    assertEquals("{\"a\":1,\"b\":2,\"a\":3}", stored(ns, "k"));
    assertEquals(TestJson.parse("{\"a\":3,\"b\":2}"), ns.get("k").orElseThrow().value());
  }

  @Test
  void putJson_withTtl_expiresLikeAPut() {
    KvNamespace ns = ns(1000);

    ns.putJson("k", utf8("{\"n\":1}"), Duration.ofSeconds(5));

    assertNotNull(ns.get("k").orElseThrow().expiration());
    time.advance(Duration.ofSeconds(6));
    assertTrue(ns.get("k").isEmpty());
  }

  @Test
  void putJson_notOneJsonValue_throwsInvalidJsonStoresNothingPublishesNothing() {
    KvNamespace ns = ns(1 << 20);
    ns.put("k", "original");
    rec.drain();
    List<String> bad = List.of("", "   \n", "{\"a\":", "not json", "{'a':1}", "{\"a\":1} xyz", "{} {}", "1 2",
        "[1,]", "NaN", "Infinity", "1e400", "-1e400", "[1e999]", "{\"a\":1}}", "\"unterminated", "01",
        "[".repeat(101) + "]".repeat(101));

    for (String text : bad) {
      KvInvalidJsonException e = assertThrows(KvInvalidJsonException.class, () -> ns.putJson("k", utf8(text)),
          text);
      assertTrue(e.getMessage().startsWith("value "), e.getMessage());
    }

    assertEquals("original", ns.getString("k").orElseThrow());
    assertTrue(rec.events().isEmpty(), rec.events().toString());
  }

  @Test
  void putJson_nestedAHundredDeep_accepted() {
    KvNamespace ns = ns(1 << 20);
    String deepest = "[".repeat(100) + "]".repeat(100);

    ns.putJson("k", utf8(deepest));

    assertEquals(deepest, stored(ns, "k"));
  }

  @Test
  void putJson_notFiniteNumber_namesTheRule() {
    KvNamespace ns = ns(1000);

    KvInvalidJsonException e = assertThrows(KvInvalidJsonException.class, () -> ns.putJson("k", utf8("[1e400]")));

    assertTrue(e.getMessage().contains("not finite"), e.getMessage());
  }

  @Test
  void put_treeWithNumberNotFinite_throwsInvalidJsonInsteadOfStoringAString() {
    KvNamespace ns = ns(1000);

    for (JsonNode bad : List.of(DoubleNode.valueOf(Double.NaN), FloatNode.valueOf(Float.POSITIVE_INFINITY),
        JsonNodeFactory.instance.arrayNode().add(Double.NEGATIVE_INFINITY))) {
      assertThrows(KvInvalidJsonException.class, () -> ns.put("k", bad), bad.toString());
    }

    assertTrue(ns.get("k").isEmpty());
    assertTrue(rec.events().isEmpty(), rec.events().toString());
  }

  @Test
  void putJson_overValueLimitAsStored_throwsTooLargeWithExactSize() {
    KvNamespace ns = ns(1000);
    String compact = "[" + "1,".repeat(999) + "1]"; // 2,001 bytes

    KvValueTooLargeException e = assertThrows(KvValueTooLargeException.class,
        () -> ns.putJson("k", utf8(compact)));

    assertEquals(2001, e.size(), "measured to its end, not only to the limit");
    assertEquals(1000, e.limit());
    assertTrue(ns.get("k").isEmpty());
    assertTrue(rec.events().isEmpty(), rec.events().toString());
  }

  @Test
  void putJson_textLongerThanLimitCompactAtLimit_accepted() {
    KvNamespace ns = ns(100);
    String exactly = "\"" + "x".repeat(98) + "\""; // 100 bytes compact
    String spaced = " ".repeat(10_000) + exactly + " ".repeat(10_000);

    ns.putJson("k", utf8(spaced));

    assertEquals(exactly, stored(ns, "k"));
    assertThrows(KvValueTooLargeException.class, () -> ns.putJson("k", utf8("\"" + "x".repeat(99) + "\"")));
  }

  @Test
  void putJson_megabyteOfEmptyObjects_allocatesAboutItsTextNotATree() {
    KvNamespace ns = ns(2 << 20);
    byte[] text = utf8(emptyObjects((1 << 20) - 1));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ns.putJson("warm", text); // class loading and Jackson's first-use tables are not the value's cost
    ns.put("warm", TestJson.parse(new String(text, StandardCharsets.UTF_8)));
    long id = Thread.currentThread().getId();

    long before = threads.getThreadAllocatedBytes(id);
    ns.putJson("text", text);
    long streamed = threads.getThreadAllocatedBytes(id) - before;

    before = threads.getThreadAllocatedBytes(id);
    ns.put("tree", TestJson.parse(new String(text, StandardCharsets.UTF_8)));
    long viaTree = threads.getThreadAllocatedBytes(id) - before;

    // the stored copy is the text's size; the copy itself adds buffers of a few kilobytes
    assertTrue(streamed < 3L * text.length, "putJson allocated " + streamed + " bytes for " + text.length);
    assertTrue(viaTree > 10L * text.length, "a tree of it costs " + viaTree + " bytes (the measure is sound)");
    assertArrayEquals(text, ns.get("text").orElseThrow().json());
  }

  @Test
  void put_valuesLongerThanAChunk_keptInChunksAndReadBackWhole() throws Exception {
    KvStore s = KvStore.builder(rec).maxValueBytes(2 << 20).ticker(time).scheduler(time).executor(Runnable::run)
        .build();
    stores.add(s);
    KvNamespace ns = s.namespace("demo");
    CaffeineKvBackend backend = (CaffeineKvBackend) ((EventingKvStore) s).backend();
    // a two-byte character on every chunk boundary, and a value of exactly one chunk
    String text = "\"" + "é".repeat(300_000) + "\"";
    String objects = emptyObjects((1 << 20) + 1);
    String oneChunk = "\"" + "x".repeat(KvText.CHUNK_BYTES - 2) + "\"";

    ns.putJson("text", utf8(text));
    ns.putJson("objects", utf8(objects));
    ns.put("tree", TestJson.parse(objects));
    ns.putJson("one", utf8(oneChunk));

    for (String k : List.of("text", "objects", "tree", "one")) {
      KvText stored = backend.stored(new KvKey("demo", k)).json;
      assertTrue(stored.longestChunk() <= KvText.CHUNK_BYTES, k + ": a chunk of " + stored.longestChunk());
    }
    KvEntry e = ns.get("text").orElseThrow();
    assertEquals(utf8(text).length, e.jsonLength());
    assertEquals(text, new String(e.json(), StandardCharsets.UTF_8));
    assertEquals("é".repeat(300_000), e.stringValue());
    assertEquals(TestJson.parse(text), e.value());
    java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
    ns.get("objects").orElseThrow().writeJson(written);
    assertEquals(objects, written.toString(StandardCharsets.UTF_8));
    assertEquals(ns.get("tree").orElseThrow().value(), ns.get("objects").orElseThrow().value());
    assertEquals(ns.get("objects").orElseThrow().json().length, ns.get("tree").orElseThrow().jsonLength());
    assertEquals(oneChunk, stored(ns, "one"));
  }

  @Test
  void entryOf_byBackend_copiesAndChunksTheText() {
    byte[] json = utf8(emptyObjects(200_001));
    KvEntry a = KvEntry.of(new KvKey("demo", "k"), json, 1, null);
    KvEntry b = KvEntry.of(new KvKey("demo", "k"), json.clone(), 1, null);

    json[1] = '[';

    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals('{', a.json()[1], "the entry holds its own copy");
  }

  @Test
  void putJson_afterClose_throwsIllegalState() {
    KvNamespace ns = ns(1000);
    stores.get(0).close();

    assertThrows(IllegalStateException.class, () -> ns.putJson("k", utf8("1")));
  }
}
