package dev.ren.bench.load;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseParserTest {

  private final List<String> events = new ArrayList<>();
  private int comments;
  private final SseParser parser = new SseParser(new SseParser.Listener() {
    @Override
    public void onEvent(byte[] event, int eventLen, byte[] data, int dataLen, byte[] id, int idLen) {
      events.add(new String(id, 0, idLen, StandardCharsets.UTF_8) + "|" + new String(event, 0, eventLen,
          StandardCharsets.UTF_8) + "|" + new String(data, 0, dataLen, StandardCharsets.UTF_8));
    }

    @Override
    public void onComment() {
      comments++;
    }
  });

  private void feed(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    parser.feed(b, 0, b.length);
  }

  @Test
  void feed_wholeFrames_dispatchesEachEventWithIdTypeAndData() {
    feed("id: 1\nevent: kv.put\ndata: {\"a\":1}\n\n:ping\n\nid: 2\nevent: x\ndata: y\n\n");
    assertEquals(List.of("1|kv.put|{\"a\":1}", "2|x|y"), events);
    assertEquals(1, comments);
  }

  @Test
  void feed_byteAtATimeWithCrLfAndBareCr_parsesTheSameEvents() {
    String s = "id: 7\r\nevent: a\rdata: one\r\ndata:two\n\r\ndata: three\r\r";
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      parser.feed(new byte[] {b}, 0, 1);
    }
    assertEquals(List.of("7|a|one\ntwo", "7|message|three"), events);
  }

  @Test
  void feed_blankLineWithoutData_dispatchesNothing() {
    feed("event: only\n\nretry: 10\n\n");
    assertEquals(List.of(), events);
  }

  @Test
  void longField_findsTheNumberAfterTheKey() {
    byte[] d = "{\"t\":\"x\",\"data\":{\"sent\":1764333531123456,\"seq\":3}}".getBytes(StandardCharsets.UTF_8);
    assertEquals(1764333531123456L, SseParser.longField(d, d.length, "\"sent\":".getBytes(StandardCharsets.UTF_8)));
    assertEquals(3, SseParser.longField(d, d.length, "\"seq\":".getBytes(StandardCharsets.UTF_8)));
    assertEquals(-1, SseParser.longField(d, d.length, "\"nope\":".getBytes(StandardCharsets.UTF_8)));
  }
}
