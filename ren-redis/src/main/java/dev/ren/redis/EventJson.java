package dev.ren.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import dev.ren.sse.SseFrames;
import org.jspecify.annotations.Nullable;

import java.io.IOException;

/**
 * Rebuilds a {@link RenEvent} from the compact JSON another node encoded, so a node that tails an entry keeps the
 * original bytes for the wire and still has the event for filters and access checks.
 *
 * <p>Thread-safety: stateless.
 */
final class EventJson {

  private EventJson() {}

  /**
   * The event encoded in {@code json}.
   *
   * @throws IllegalArgumentException if the bytes are not an event object
   */
  static RenEvent decode(byte[] json) {
    JsonNode n;
    try {
      n = SseFrames.MAPPER.readTree(json);
    } catch (IOException ex) {
      throw new IllegalArgumentException("stream entry is not JSON: " + ex.getMessage(), ex);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("stream entry must be a JSON object");
    }
    JsonNode t = n.get("t");
    JsonNode r = n.get("r");
    if (t == null || !t.isTextual() || r == null || !r.isTextual()) {
      throw new IllegalArgumentException("stream entry lacks the string fields 't' and 'r'");
    }
    JsonNode ts = n.get("ts");
    JsonNode data = n.get("data");
    return new RenEvent(t.asText(), r.asText(), text(n, "k"), text(n, "ns"), text(n, "v"),
        ts == null || !ts.canConvertToLong() ? 0 : ts.asLong(), text(n, "src"), text(n, "ch"),
        data == null || data.isNull() ? null : data, text(n, "uid"));
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw new IllegalArgumentException("stream entry field '" + field + "' must be a string");
    }
    return v.asText();
  }
}
