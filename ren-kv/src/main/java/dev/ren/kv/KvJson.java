package dev.ren.kv;

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
 * The form values are kept in: compact UTF-8 JSON text, as Jackson writes a tree with default settings (no
 * whitespace, object fields in insertion order). A tree of small nodes costs ~30 times its text on the heap
 * (issue 15: a 1 MB body of {@code [{},{},...]} held ~29 MB); the text costs its length (the store keeps it in
 * chunks, {@link KvText}, so a large value is not stored as a G1 humongous array either), so the store's byte
 * accounting is the memory it holds. A read parses the text back into a new tree, which also makes every
 * {@link KvEntry#value()} the caller's own copy.
 *
 * <p>Two ways in, one form out. {@link #encode} writes a tree. {@link #compact} turns JSON text into the same bytes
 * without building a tree: a streaming copy, token by token, from a parser to a generator, so a value given as text
 * (an HTTP body) never costs more than its text while it is checked. Numbers are copied as a tree holds them
 * (integers exactly, other numbers as doubles, {@code 1E2} becomes {@code 100.0}), strings with the generator's
 * escaping, so both ways give equal bytes for equal JSON. One difference: a name repeated in one object is kept as
 * sent (a tree keeps its last value); every JSON reader, Jackson's and a browser's {@code JSON.parse}, reads such
 * text back as the tree would have held it (last value, first position).
 *
 * <p>Either way, a number that is not finite ({@code NaN}, or {@code 1e400}, which a double holds as infinity) is
 * refused: Jackson would write it as a string ({@code "Infinity"}), and a stored value must read back as the value
 * that was put.
 *
 * <p>Thread-safety: thread-safe (the mapper and the factory are configured here once and never exposed).
 */
final class KvJson {

  /**
   * Deepest nesting of a value given as text: {@code JsonServlet.MAX_JSON_DEPTH}, the bound of every JSON body of
   * the HTTP bindings, which this module cannot see (it does not depend on the servlet API).
   */
  static final int MAX_TEXT_DEPTH = 100;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Reads values given as text: the HTTP bindings' depth rule, Jackson's other read constraints. */
  private static final JsonFactory TEXT = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_TEXT_DEPTH).build())
      .build();

  private KvJson() {}

  /**
   * The compact JSON text of {@code value}.
   *
   * @throws KvInvalidJsonException if the tree holds a number that is not finite
   * @throws IllegalArgumentException if the tree holds something else that cannot be written as JSON (a POJO
   *     node)
   */
  static byte[] encode(JsonNode value) {
    Capped out = new Capped(Long.MAX_VALUE, 256);
    try (JsonGenerator g = generator(out)) {
      MAPPER.writeTree(g, value);
    } catch (JsonProcessingException e) {
      if (e.getCause() instanceof KvInvalidJsonException refused) {
        throw refused; // the serializer wrapped our own refusal
      }
      throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory fails only by a generation error
    }
    return out.toByteArray();
  }

  /**
   * Checks that {@code text} (UTF-8) is exactly one JSON value, nested at most {@value #MAX_TEXT_DEPTH} deep, and
   * returns its compact form: the bytes {@link #encode} writes for that value, built without a tree. The result is
   * measured while it is written: past {@code maxBytes} the copy only counts, so a value over the limit costs no
   * more than {@code maxBytes} on top of its text before it is refused, with its exact size.
   *
   * @throws KvInvalidJsonException if {@code text} is empty, not JSON, followed by more content, nested too deep, or
   *     holds a number that is not finite
   * @throws KvValueTooLargeException if the compact form is longer than {@code maxBytes}
   */
  static byte[] compact(byte[] text, long maxBytes) {
    Capped out = new Capped(maxBytes, text.length);
    try (JsonParser p = TEXT.createParser(text);
         JsonGenerator g = generator(out)) {
      if (p.nextToken() == null) {
        throw new KvInvalidJsonException("value is empty; expected one JSON value");
      }
      g.copyCurrentStructure(p);
      JsonToken after = p.nextToken();
      if (after != null) {
        throw new KvInvalidJsonException("value is not valid JSON: more content (" + after
            + ") follows the value at " + describe(p));
      }
    } catch (JsonProcessingException e) {
      throw new KvInvalidJsonException("value is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array fails only by a parse error
    }
    if (out.count > maxBytes) {
      throw new KvValueTooLargeException(out.count, maxBytes);
    }
    return out.toByteArray();
  }

  /** A generator for one value; an unfinished value is not completed on close (it is thrown away). */
  private static JsonGenerator generator(OutputStream out) throws IOException {
    return new FiniteNumbers(MAPPER.getFactory().createGenerator(out)
        .disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT));
  }

  private static String describe(JsonParser p) {
    return "line " + p.currentTokenLocation().getLineNr() + ", column " + p.currentTokenLocation().getColumnNr();
  }

  /** Parses text this class wrote (or a backend returned) into a new tree. */
  static JsonNode decode(KvText json) {
    try {
      byte[] single = json.single();
      return single != null ? MAPPER.readTree(single) : MAPPER.readTree(json.stream());
    } catch (IOException e) {
      // the store wrote this text itself; only a broken backend gets here
      throw new UncheckedIOException("stored KV value is not valid JSON", e);
    }
  }

  /** The text of a JSON string, parsed from its compact form. */
  static String decodeString(KvText json) {
    return decode(json).textValue();
  }

  /**
   * A generator that refuses a number that is not finite instead of writing it as a string. Built without
   * delegating the copy methods, so {@code copyCurrentStructure} writes each number through the checks below.
   */
  private static final class FiniteNumbers extends JsonGeneratorDelegate {
    FiniteNumbers(JsonGenerator g) {
      super(g, false);
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

    private static KvInvalidJsonException notFinite(String v) {
      return new KvInvalidJsonException("value holds a number that is not finite (" + v + " as a double); JSON"
          + " numbers must stay within the range of a double");
    }
  }

  /**
   * The generator's output: keeps the first {@code max} bytes and only counts the rest, so an oversized value is
   * measured to its end without being held. Confined to one call.
   */
  private static final class Capped extends OutputStream {
    private final long max;
    private byte[] buf;
    private int size;
    long count;

    Capped(long max, int expected) {
      this.max = max;
      this.buf = new byte[(int) Math.max(16, Math.min(expected, Math.min(max, Integer.MAX_VALUE - 16)))];
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
        long needed = (long) size + len;
        if (needed > Integer.MAX_VALUE - 16) {
          throw new IllegalArgumentException("value is over 2 GiB as JSON");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(Math.max(buf.length * 2L, needed),
            Math.min(max, Integer.MAX_VALUE - 16)));
      }
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    byte[] toByteArray() {
      return size == buf.length ? buf : Arrays.copyOf(buf, size);
    }
  }
}
