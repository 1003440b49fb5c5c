package dev.ren.sse;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.RenEvent;
import dev.ren.json.EventJson;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The one encoder every byte on the SSE wire goes through.
 *
 * <ul>
 *   <li>Output is UTF-8 without a BOM, produced here, never by a servlet writer's default charset.</li>
 *   <li>{@code id}, {@code event} and {@code retry} values containing CR, LF or NUL are rejected before anything is
 *       written, so no value can add a field or an event to the stream.</li>
 *   <li>Data is split on every line terminator the SSE spec knows ({@code \r\n}, {@code \n} and a bare
 *       {@code \r}) into one {@code data:} line each, so a spec-compliant parser reads back the exact value.</li>
 *   <li>Event JSON is compact, absent fields omitted, fields in schema order {@code t r k ns v ts src ch data uid}.
 *       A lone UTF-16 surrogate is written as its JSON escape ({@code \ud800}), so it round-trips exactly
 *       instead of corrupting the UTF-8 stream.</li>
 *   <li>Every frame ends with a blank line.</li>
 * </ul>
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class SseFrames {

  /** For control frames only; private, configured once. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final byte[] HEARTBEAT = ":ping\n\n".getBytes(StandardCharsets.US_ASCII);

  private SseFrames() {}

  /** The compact JSON of an event ({@link EventJson#encode}). */
  public static byte[] json(RenEvent e) {
    return EventJson.encode(e);
  }

  /** Compact JSON of a map or tree (for control frames such as {@code ren.meta}), as UTF-8. */
  public static byte[] json(Object value) {
    try {
      return utf8(MAPPER.writeValueAsString(value));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /**
   * A complete frame: {@code id:} (when not null), {@code event:} and the JSON on one {@code data:} line.
   * The JSON must come from {@link #json}: compact JSON never contains a raw line terminator.
   */
  public static byte[] frame(@Nullable String id, String event, byte[] json) {
    // ids and types are ASCII in practice: their chars are copied straight in, with no byte[] per field
    int idLen = id == null ? 0 : asciiFieldLength("id", id);
    int eventLen = asciiFieldLength("event", event);
    byte[] idBytes = id != null && idLen < 0 ? utf8(id) : null;
    byte[] eventBytes = eventLen < 0 ? utf8(event) : null;
    int len = (id == null ? 0 : ID.length + (idBytes == null ? idLen : idBytes.length) + 1)
        + EVENT.length + (eventBytes == null ? eventLen : eventBytes.length) + 1 + DATA.length + json.length + 2;
    byte[] out = new byte[len];
    int p = 0;
    if (id != null) {
      p = put(out, p, ID);
      p = idBytes == null ? putAscii(out, p, id) : put(out, p, idBytes);
      out[p++] = '\n';
    }
    p = put(out, p, EVENT);
    p = eventBytes == null ? putAscii(out, p, event) : put(out, p, eventBytes);
    out[p++] = '\n';
    p = put(out, p, DATA);
    p = put(out, p, json);
    out[p++] = '\n';
    out[p] = '\n';
    return out;
  }

  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

  private static int put(byte[] out, int p, byte[] b) {
    System.arraycopy(b, 0, out, p, b.length);
    return p + b.length;
  }

  private static int putAscii(byte[] out, int p, String ascii) {
    int n = ascii.length();
    for (int i = 0; i < n; i++) {
      out[p + i] = (byte) ascii.charAt(i);
    }
    return p + n;
  }

  /**
   * Checks an SSE field value for CR, LF and NUL (as {@link #checkField}); returns its length when it is all
   * ASCII, else -1.
   */
  private static int asciiFieldLength(String name, String value) {
    checkField(name, value);
    int n = value.length();
    for (int i = 0; i < n; i++) {
      if (value.charAt(i) >= 0x80) {
        return -1;
      }
    }
    return n;
  }

  /**
   * A frame with arbitrary text data: one {@code data:} line per line of {@code data}, whatever its line
   * terminators.
   */
  public static byte[] textFrame(@Nullable String id, @Nullable String event, String data) {
    StringBuilder sb = new StringBuilder(data.length() + 32);
    if (id != null) {
      checkField("id", id);
      sb.append("id: ").append(id).append('\n');
    }
    if (event != null) {
      checkField("event", event);
      sb.append("event: ").append(event).append('\n');
    }
    int start = 0;
    int n = data.length();
    for (int i = 0; i < n; i++) {
      char c = data.charAt(i);
      if (c == '\r' || c == '\n') {
        sb.append("data: ").append(data, start, i).append('\n');
        if (c == '\r' && i + 1 < n && data.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    sb.append("data: ").append(data, start, n).append("\n\n");
    return utf8(sb.toString());
  }

  /** The {@code retry:} field telling the client how long to wait before reconnecting. */
  public static byte[] retry(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("retry must be >= 0 ms, was " + millis);
    }
    return ("retry: " + millis + "\n\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** The heartbeat comment {@code :ping}. */
  public static byte[] heartbeat() {
    return HEARTBEAT.clone();
  }

  /** A {@code ren.meta} frame carrying the given fields after {@code t} and {@code r}. */
  public static byte[] meta(@Nullable String id, Map<String, ?> fields) {
    var node = MAPPER.createObjectNode();
    node.put("t", "ren.meta");
    node.put("r", "ren");
    for (Map.Entry<String, ?> f : fields.entrySet()) {
      node.set(f.getKey(), MAPPER.valueToTree(f.getValue()));
    }
    return frame(id, "ren.meta", json((Object) node));
  }

  /** Throws if {@code value} cannot be written as the SSE field {@code name} (CR, LF or NUL). */
  public static void checkField(String name, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        throw new IllegalArgumentException("SSE " + name + " must not contain CR, LF or NUL (found U+"
            + String.format("%04X", (int) c) + " at index " + i + ")");
      }
    }
  }

  /**
   * UTF-8 bytes of JSON text; a lone surrogate (only possible inside a JSON string) becomes its 6-character JSON
   * escape instead of the '?' a plain encoder would write.
   */
  static byte[] utf8(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && !Character.isSurrogate(s.charAt(i))) {
      i++;
    }
    if (i == n) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    StringBuilder sb = new StringBuilder(n + 16).append(s, 0, i);
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

}
