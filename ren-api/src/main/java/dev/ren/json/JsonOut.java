package dev.ren.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * A minimal UTF-8 JSON writer for the hot path (one event encoded once per publish): writes straight into a byte
 * array, escapes as JSON requires, and writes a lone UTF-16 surrogate as its {@code \\uXXXX} escape so it
 * round-trips instead of being replaced.
 *
 * <p>Each thread keeps one writer whose buffer is reused from one encoding to the next ({@link #acquire},
 * {@link #release}); only the finished bytes are allocated per event.
 *
 * <p>Thread-safety: not thread-safe; one instance per encoding, used by one thread.
 */
final class JsonOut {

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int INITIAL = 512;
  /** A buffer grown past this by a large payload is dropped on release rather than kept by the thread. */
  private static final int KEEP_AT_MOST = 16 * 1024;
  private static final ThreadLocal<JsonOut> SCRATCH = ThreadLocal.withInitial(JsonOut::new);

  private byte[] buf = new byte[INITIAL];
  private int len;
  private boolean inUse;

  private JsonOut() {}

  /** An empty writer: the calling thread's own when it is free, else (re-entrant use) a new one. */
  static JsonOut acquire() {
    JsonOut o = SCRATCH.get();
    if (o.inUse) {
      o = new JsonOut();
    }
    o.inUse = true;
    o.len = 0;
    return o;
  }

  /** Hands the writer back to its thread; call once per {@link #acquire}, after {@link #toBytes}. */
  void release() {
    inUse = false;
    if (buf.length > KEEP_AT_MOST) {
      buf = new byte[INITIAL];
    }
  }

  byte[] toBytes() {
    return Arrays.copyOf(buf, len);
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }

  JsonOut raw(char c) {
    ensure(1);
    buf[len++] = (byte) c;
    return this;
  }

  /** ASCII text known to need no escaping (field names, numbers, literals). */
  JsonOut ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
    return this;
  }

  /** A non-negative integer in decimal. */
  JsonOut digits(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("expected a non-negative number, was " + v);
    }
    ensure(20); // Long.MAX_VALUE has 19 digits: write them backwards from the end of that room, then move down
    int end = len + 20;
    int p = end;
    do {
      buf[--p] = (byte) ('0' + (int) (v % 10));
      v /= 10;
    } while (v != 0);
    int n = end - p;
    System.arraycopy(buf, p, buf, len, n);
    len += n;
    return this;
  }

  JsonOut field(String name) {
    ensure(name.length() + 4);
    if (buf[len - 1] != '{') {
      buf[len++] = ',';
    }
    buf[len++] = '"';
    ascii(name);
    buf[len++] = '"';
    buf[len++] = ':';
    return this;
  }

  JsonOut string(String s) {
    int n = s.length();
    ensure(n + 2);
    buf[len++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ensure(1);
        buf[len++] = (byte) c;
      } else if (c < 0x80) {
        escapeAscii(c);
      } else if (c < 0x800) {
        ensure(2);
        buf[len++] = (byte) (0xC0 | (c >> 6));
        buf[len++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        ensure(4);
        buf[len++] = (byte) (0xF0 | (cp >> 18));
        buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        buf[len++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        unicodeEscape(c);
      } else {
        ensure(3);
        buf[len++] = (byte) (0xE0 | (c >> 12));
        buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        buf[len++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    ensure(1);
    buf[len++] = '"';
    return this;
  }

  private void escapeAscii(char c) {
    ensure(6);
    switch (c) {
      case '"' -> { buf[len++] = '\\'; buf[len++] = '"'; }
      case '\\' -> { buf[len++] = '\\'; buf[len++] = '\\'; }
      case '\n' -> { buf[len++] = '\\'; buf[len++] = 'n'; }
      case '\r' -> { buf[len++] = '\\'; buf[len++] = 'r'; }
      case '\t' -> { buf[len++] = '\\'; buf[len++] = 't'; }
      case '\b' -> { buf[len++] = '\\'; buf[len++] = 'b'; }
      case '\f' -> { buf[len++] = '\\'; buf[len++] = 'f'; }
      default -> unicodeEscape(c);
    }
  }

  private void unicodeEscape(char c) {
    ensure(6);
    buf[len++] = '\\';
    buf[len++] = 'u';
    buf[len++] = HEX[(c >> 12) & 0xF];
    buf[len++] = HEX[(c >> 8) & 0xF];
    buf[len++] = HEX[(c >> 4) & 0xF];
    buf[len++] = HEX[c & 0xF];
  }

  /** Writes a Jackson tree; containers and strings here, scalars through Jackson's own JSON text. */
  JsonOut node(JsonNode n) {
    switch (n.getNodeType()) {
      case OBJECT -> {
        raw('{');
        boolean first = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          if (!first) {
            raw(',');
          }
          first = false;
          string(f.getKey()).raw(':').node(f.getValue());
        }
        raw('}');
      }
      case ARRAY -> {
        raw('[');
        for (int i = 0; i < n.size(); i++) {
          if (i > 0) {
            raw(',');
          }
          node(n.get(i));
        }
        raw(']');
      }
      case STRING -> string(n.textValue());
      case NUMBER, BOOLEAN, NULL -> ascii(n.toString());
      default -> {
        try {
          byte[] b = EventJson.MAPPER.writeValueAsBytes(n); // rare node kinds (POJO, binary)
          ensure(b.length);
          System.arraycopy(b, 0, buf, len, b.length);
          len += b.length;
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException("data cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
      }
    }
    return this;
  }
}
