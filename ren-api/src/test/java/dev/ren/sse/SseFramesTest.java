package dev.ren.sse;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.ren.RenEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SseFramesTest {

  @Test
  void json_event_isCompactInSchemaOrderWithAbsentFieldsOmitted() {
    RenEvent e = RenEvent.builder("realtime.message").channel("room").data(parse("{\"a\":[1,2]}"))
        .userId("u1").src("c1").ts(7).build();
    assertEquals("{\"t\":\"realtime.message\",\"r\":\"realtime\",\"ts\":7,\"src\":\"c1\",\"ch\":\"room\","
        + "\"data\":{\"a\":[1,2]},\"uid\":\"u1\"}", new String(SseFrames.json(e), StandardCharsets.UTF_8));
  }

  @Test
  void json_loneSurrogate_isEscapedAndRoundTrips() {
    String v = "x\uD800y\uDFFFz";
    RenEvent e = RenEvent.builder("kv.put").key(v).data(TextNode.valueOf(v)).build();
    String text = new String(SseFrames.json(e), StandardCharsets.UTF_8);
    assertEquals(v, parse(text).get("k").asText());
    assertEquals(v, parse(text).get("data").asText());
    assertEquals(-1, text.indexOf('\uFFFD'));
  }

  @Test
  void json_arbitraryData_matchesJacksonTree() {
    String doc = "{\"n\":[1,-2.5,1e300,12345678901234567890,true,false,null],\"s\":\"q\\\"b\\\\s\\u0001\\t\u00e9\u4e2d"
        + "\\ud83d\\ude00\",\"o\":{\"\u00fc\\n\":{}},\"e\":[]}";
    var data = parse(doc);
    RenEvent e = RenEvent.builder("custom.thing").data(data).build();
    assertEquals(data, parse(new String(SseFrames.json(e), StandardCharsets.UTF_8)).get("data"));
  }

  @Test
  void frame_hasIdEventDataAndBlankLine() {
    byte[] f = SseFrames.frame("e.1", "kv.put", "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals("id: e.1\nevent: kv.put\ndata: {}\n\n", new String(f, StandardCharsets.UTF_8));
  }

  @Test
  void frame_nonAsciiIdOrNoId_isUtf8OrOmitted() {
    byte[] f = SseFrames.frame("é\uD83D\uDE00.1", "kv.put", "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals("id: é\uD83D\uDE00.1\nevent: kv.put\ndata: {}\n\n", new String(f, StandardCharsets.UTF_8));
    assertEquals("event: kv.put\ndata: {}\n\n",
        new String(SseFrames.frame(null, "kv.put", "{}".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
  }

  @Test
  void json_manyEventsOnOneThread_eachResultKeepsItsOwnBytes() {
    // the encoder reuses one buffer per thread: earlier results must not change, a large payload must not leak
    // into a later small one, and every timestamp width must be written in decimal
    long[] stamps = {1, 9, 10, 99, 1_700_000_000_000L, Long.MAX_VALUE};
    List<byte[]> results = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (long ts : stamps) {
      String big = "x".repeat(ts == 10 ? 100_000 : 3);
      RenEvent e = RenEvent.builder("kv.put").key(big).ts(ts).build();
      results.add(SseFrames.json(e));
      expected.add("{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":\"" + big + "\",\"ts\":" + ts + "}");
    }
    for (int i = 0; i < stamps.length; i++) {
      assertEquals(expected.get(i), new String(results.get(i), StandardCharsets.UTF_8));
    }
  }

  @Test
  void frame_idOrEventWithCrLfNul_isRejectedBeforeWriting() {
    for (String bad : new String[] {"a\nb", "a\rb", "a\u0000b"}) {
      assertThrows(IllegalArgumentException.class, () -> SseFrames.frame(bad, "kv.put", new byte[0]));
      assertThrows(IllegalArgumentException.class, () -> SseFrames.frame("1", bad, new byte[0]));
      assertThrows(IllegalArgumentException.class, () -> SseFrames.textFrame(null, bad, "x"));
    }
  }

  @Test
  void textFrame_everyLineTerminator_becomesOneDataLine() {
    assertEquals("data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n",
        new String(SseFrames.textFrame(null, null, "a\r\nb\nc\rd\n"), StandardCharsets.UTF_8));
  }

  @Test
  void meta_andRetryAndHeartbeat_areWellFormed() {
    assertEquals("id: x.0\nevent: ren.meta\ndata: {\"t\":\"ren.meta\",\"r\":\"ren\",\"reset\":true}\n\n",
        new String(SseFrames.meta("x.0", Map.of("reset", true)), StandardCharsets.UTF_8));
    assertEquals("retry: 1500\n\n", new String(SseFrames.retry(1500), StandardCharsets.US_ASCII));
    assertEquals(":ping\n\n", new String(SseFrames.heartbeat(), StandardCharsets.US_ASCII));
    assertThrows(IllegalArgumentException.class, () -> SseFrames.retry(-1));
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
