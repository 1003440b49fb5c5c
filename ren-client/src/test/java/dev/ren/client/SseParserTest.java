package dev.ren.client;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SseParserTest {

  /** Records everything the parser reports, as strings easy to compare. */
  static final class Recorder implements SseParser.Handler {
    final List<String> events = new ArrayList<>();
    final List<String> comments = new ArrayList<>();
    final List<Long> retries = new ArrayList<>();
    final List<String> ids = new ArrayList<>();

    @Override
    public void onEvent(String lastEventId, String type, String data) {
      events.add(lastEventId + "|" + type + "|" + data);
    }

    @Override
    public void onComment(String comment) {
      comments.add(comment);
    }

    @Override
    public void onRetry(long millis) {
      retries.add(millis);
    }

    @Override
    public void onLastEventId(String lastEventId) {
      ids.add(lastEventId);
    }
  }

  private static Recorder parse(String stream) {
    Recorder r = new Recorder();
    new SseParser(r).feed(stream.getBytes(StandardCharsets.UTF_8));
    return r;
  }

  @Test
  void feed_crLfAndCrlfLineEnds_allEndLines() {
    Recorder r = parse("id: 1\nevent: a\ndata: x\n\nid: 2\revent: b\rdata: y\r\rid: 3\r\nevent: c\r\ndata: z\r\n\r\n");
    assertEquals(List.of("1|a|x", "2|b|y", "3|c|z"), r.events);
  }

  @Test
  void feed_multipleDataLines_joinedWithLf() {
    Recorder r = parse("data: one\ndata:two\ndata:  three\ndata\n\n");
    assertEquals(List.of("|message|one\ntwo\n three\n"), r.events);
  }

  @Test
  void feed_idContainingNul_ignored() {
    Recorder r = parse("id: good\ndata: a\n\nid: ba\0d\ndata: b\n\n");
    assertEquals(List.of("good|message|a", "good|message|b"), r.events);
  }

  @Test
  void feed_idPersistsAcrossEvents_asInBrowsers() {
    Recorder r = parse("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
    assertEquals(List.of("7|message|a", "7|message|b", "|message|c"), r.events);
  }

  @Test
  void feed_retryNumericOnly_othersIgnored() {
    Recorder r = parse("retry: 1500\n\nretry: 15x\n\nretry: -1\n\nretry:\n\nretry: 99999999999999999999\n\n");
    assertEquals(List.of(1500L), r.retries);
    assertEquals(List.of(), r.events);
  }

  @Test
  void feed_commentsAndUnknownFields_reportedOrIgnored() {
    Recorder r = parse(":ping\n\nfoo: bar\ndata: x\n\n");
    assertEquals(List.of("ping"), r.comments);
    assertEquals(List.of("|message|x"), r.events);
  }

  @Test
  void feed_eventWithoutData_notDispatchedButIdRecorded() {
    Recorder r = parse("id: 5\nevent: lonely\n\ndata: after\n\n");
    assertEquals(List.of("5|message|after"), r.events); // the event type does not leak into the next event
    assertEquals(List.of("5", "5"), r.ids);
  }

  @Test
  void feed_unterminatedEventAtEnd_neverDispatched() {
    Recorder r = parse("id: 1\ndata: whole\n\nid: 2\ndata: cut off");
    assertEquals(List.of("1|message|whole"), r.events);
    assertEquals(List.of("1"), r.ids); // id 2 never reached a dispatch point: not resumable from
  }

  @Test
  void feed_leadingBom_skippedOnce() {
    Recorder r = parse("\uFEFFdata: a\n\n");
    assertEquals(List.of("|message|a"), r.events);
  }

  @Test
  void feed_noSpaceAfterColon_valueKeptWhole() {
    Recorder r = parse("event:x\ndata:v: w\n\n");
    assertEquals(List.of("|x|v: w"), r.events);
  }

  @Test
  void feed_crlfSplitAcrossChunks_oneLineEnd() {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    p.feed("data: a\r".getBytes(StandardCharsets.US_ASCII));
    p.feed("\ndata: b\r".getBytes(StandardCharsets.US_ASCII));
    p.feed("\n\r".getBytes(StandardCharsets.US_ASCII));
    p.feed("\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals(List.of("|message|a\nb"), r.events);
  }

  @Test
  void feed_utf8SequenceSplitAcrossChunks_decodedExactly() {
    byte[] bytes = "data: caf\u00e9 \ud83d\ude00\n\n".getBytes(StandardCharsets.UTF_8);
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    for (byte b : bytes) {
      p.feed(ByteBuffer.wrap(new byte[] {b}));
    }
    assertEquals(List.of("|message|caf\u00e9 \ud83d\ude00"), r.events);
  }

  @Test
  void feed_everyChunkSplit_sameResultAsWhole() {
    String stream = ":ping\r\nid: 1\r\nevent: kv.put\r\ndata: {\"t\":\"kv.put\"}\r\n\r\n"
        + "id: 2\revent: x.y\rdata: a\rdata: \u00fc\r\r"
        + "retry: 250\nid: 3\ndata: last\n\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    Recorder whole = new Recorder();
    new SseParser(whole).feed(bytes);
    assertEquals(3, whole.events.size());
    Random random = new Random(42);
    for (int trial = 0; trial < 300; trial++) {
      Recorder r = new Recorder();
      SseParser p = new SseParser(r);
      int pos = 0;
      while (pos < bytes.length) {
        int n = Math.min(bytes.length - pos, 1 + random.nextInt(7));
        p.feed(bytes, pos, n);
        pos += n;
      }
      assertEquals(whole.events, r.events, "trial " + trial);
      assertEquals(whole.retries, r.retries, "trial " + trial);
      assertEquals(whole.comments, r.comments, "trial " + trial);
    }
  }

  @Test
  void feed_lineOverLimit_fails() {
    SseParser p = new SseParser(new Recorder(), "", 64);
    byte[] big = new byte[100];
    java.util.Arrays.fill(big, (byte) 'a');
    assertThrows(IllegalStateException.class, () -> p.feed(big));
  }

  @Test
  void constructor_initialLastEventId_usedUntilServerSendsOne() {
    Recorder r = new Recorder();
    new SseParser(r, "41", 1024).feed("data: a\n\nid: 42\ndata: b\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("41|message|a", "42|message|b"), r.events);
  }
}
