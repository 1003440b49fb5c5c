package dev.ren.bench.load;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkedDecoderTest {

  @Test
  void feed_splitAnywhere_yieldsThePayloadAndTheEnd() {
    String wire = "5\r\nhello\r\n1a;ext=1\r\n abcdefghijklmnopqrstuvwxy\r\n0\r\nX-T: 1\r\n\r\nNEXT";
    byte[] b = wire.getBytes(StandardCharsets.US_ASCII);
    for (int split = 1; split < b.length; split++) {
      ChunkedDecoder d = new ChunkedDecoder();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int end1 = d.feed(b, 0, split, out::write);
      int end = end1 >= 0 ? end1 : d.feed(b, split, b.length - split, out::write);
      assertEquals("hello abcdefghijklmnopqrstuvwxy", out.toString(StandardCharsets.US_ASCII), "split " + split);
      assertEquals(b.length - 4, end, "split " + split);
      assertTrue(d.done());
    }
  }

  @Test
  void feed_openEndedStream_neverReportsTheEnd() {
    ChunkedDecoder d = new ChunkedDecoder();
    byte[] b = "a\r\n0123456789\r\n".getBytes(StandardCharsets.US_ASCII);
    assertEquals(-1, d.feed(b, 0, b.length, (x, o, l) -> { }));
    assertFalse(d.done());
  }
}
