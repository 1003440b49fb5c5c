package dev.ren.realtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The form in which realtime keeps payloads and metadata: compact JSON bytes. A Jackson tree costs far more than
 * its JSON (an empty object is a node and a map, ~30 times its two bytes), so everything kept beyond a call is kept
 * as bytes, measured as kept, and decoded only where a tree is needed (the event handed to the publisher).
 *
 * <p>Two ways in, one form out: {@link #encode} writes a tree; {@link #compact} turns JSON text into the same bytes
 * by a streaming copy (parser to generator, token by token), so text is checked and measured against the limit
 * before any tree exists. Numbers are copied as a tree holds them (integers exactly, others as doubles), so both
 * ways give equal bytes for equal JSON; a name repeated in one object is kept as sent (readers take its last value,
 * as a tree would). A number that is not finite ({@code NaN}, {@code 1e400}) is refused either way, rather than
 * written as the string {@code "Infinity"}.
 *
 * <p>The same streaming copy lives in ren-kv's {@code KvJson}: the two modules share only ren-api.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
final class StoredJson {

  /** Deepest nesting of text given to {@link #compact}: {@code JsonServlet.MAX_JSON_DEPTH}, the HTTP bodies' bound. */
  static final int MAX_TEXT_DEPTH = 100;

  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final JsonFactory TEXT = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_TEXT_DEPTH).build())
      .build();

  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private StoredJson() {}

  /**
   * The compact JSON of {@code node}.
   *
   * @throws PayloadTooLargeException when it is more than {@code max} bytes
   * @throws IllegalArgumentException when it cannot be written as JSON (a number that is not finite, a POJO)
   */
  static byte[] encode(String what, JsonNode node, int max) {
    Capped out = new Capped(max, 256);
    try (JsonGenerator g = generator(what, out)) {
      MAPPER.writeTree(g, node);
    } catch (JsonProcessingException e) {
      if (e.getCause() instanceof IllegalArgumentException refused) {
        throw refused; // the serializer wrapped our own refusal
      }
      throw new IllegalArgumentException(what + " cannot be written as JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory fails only by a generation error
    }
    return out.bytes(what);
  }

  /**
   * Checks that {@code text} (UTF-8) is exactly one JSON value nested at most {@value #MAX_TEXT_DEPTH} deep and
   * returns its compact form, as {@link #encode} writes the same value, without building a tree. Measured while
   * written: past {@code max} the copy only counts, so an oversized value costs no more than {@code max} bytes on top
   * of its text before it is refused, with its exact size.
   *
   * @throws IllegalArgumentException when {@code text} is empty, not JSON, followed by more content, nested too
   *     deep, or holds a number that is not finite
   * @throws PayloadTooLargeException when the compact form is more than {@code max} bytes
   */
  static byte[] compact(String what, byte[] text, int max) {
    Capped out = new Capped(max, text.length);
    try (JsonParser p = TEXT.createParser(text);
         JsonGenerator g = generator(what, out)) {
      if (p.nextToken() == null) {
        throw new IllegalArgumentException(what + " is empty; expected one JSON value");
      }
      g.copyCurrentStructure(p);
      JsonToken after = p.nextToken();
      if (after != null) {
        throw new IllegalArgumentException(what + " is not valid JSON: more content (" + after
            + ") follows the value at line " + p.currentTokenLocation().getLineNr() + ", column "
            + p.currentTokenLocation().getColumnNr());
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array fails only by a parse error
    }
    return out.bytes(what);
  }

  /** Whether {@code json} (compact) is the JSON literal {@code null}. */
  static boolean isNull(byte[] json) {
    return Arrays.equals(json, NULL);
  }

  /** The tree of bytes {@link #encode} or {@link #compact} wrote. */
  static JsonNode decode(byte[] bytes) {
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("stored JSON cannot be read back", e); // we wrote it: a bug, not input
    }
  }

  /** A generator for one value; an unfinished value is not completed on close (it is thrown away). */
  private static JsonGenerator generator(String what, OutputStream out) throws IOException {
    return new FiniteNumbers(what, MAPPER.getFactory().createGenerator(out)
        .disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT));
  }

  /**
   * Refuses a number that is not finite instead of writing it as a string. Built without delegating the copy
   * methods, so {@code copyCurrentStructure} writes each number through these checks.
   */
  private static final class FiniteNumbers extends JsonGeneratorDelegate {
    private final String what;

    FiniteNumbers(String what, JsonGenerator g) {
      super(g, false);
      this.what = what;
    }

    @Override
    public void writeNumber(double v) throws IOException {
      if (!Double.isFinite(v)) {
        throw notFinite(Double.toString(v));
      }
      super.writeNumber(v);
    }

    @Override
    public void writeNumber(float v) throws IOException {
      if (!Float.isFinite(v)) {
        throw notFinite(Float.toString(v));
      }
      super.writeNumber(v);
    }

    private IllegalArgumentException notFinite(String v) {
      return new IllegalArgumentException(what + " holds a number that is not finite (" + v + " as a double); JSON"
          + " numbers must stay within the range of a double");
    }
  }

  /** Keeps the first {@code max} bytes written and only counts the rest. Confined to one call. */
  private static final class Capped extends OutputStream {
    private final int max;
    private byte[] buf;
    private int size;
    private long count;

    Capped(int max, int expected) {
      this.max = max;
      this.buf = new byte[Math.max(16, Math.min(expected, max))];
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
      if (count > max) {
        return; // over the limit: refused once the copy ends, with the whole count
      }
      if (size + len > buf.length) {
        buf = Arrays.copyOf(buf, (int) Math.min(Math.max(buf.length * 2L, (long) size + len), max));
      }
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    /** What was written, or {@link PayloadTooLargeException} with the whole count. */
    byte[] bytes(String what) {
      if (count > max) {
        throw new PayloadTooLargeException(what, count, max);
      }
      return size == buf.length ? buf : Arrays.copyOf(buf, size);
    }
  }
}
