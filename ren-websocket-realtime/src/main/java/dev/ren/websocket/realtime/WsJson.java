package dev.ren.websocket.realtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.realtime.StoredMessage;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The server-to-client frames of the protocol, written by a streaming generator (payloads as trees the hub already
 * holds, or history's stored text as it is).
 *
 * <p>Thread-safety: stateless.
 */
final class WsJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory JSON = MAPPER.getFactory();

  private WsJson() {}

  @FunctionalInterface
  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  static String object(String event, Body body) {
    StringWriter w = new StringWriter(128);
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("event", event);
      body.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  /** A hub event of a subscribed channel: {@code message} or {@code presence:join|update|leave}. */
  static String event(String id, RenEvent e, long seq) {
    boolean message = EventTypes.REALTIME_MESSAGE.equals(e.t());
    String name = message ? "message" : "presence:" + e.t().substring(EventTypes.PRESENCE.length() + 1);
    return object(name, g -> {
      g.writeStringField("channel", String.valueOf(e.ch()));
      JsonNode data = e.data();
      if (message) {
        g.writeStringField("id", id);
        if (seq > 0) {
          g.writeNumberField("seq", seq);
        }
        g.writeFieldName("data");
        if (data == null) {
          g.writeNull();
        } else {
          MAPPER.writeTree(g, data);
        }
      } else if (data != null) {
        g.writeFieldName("metadata");
        MAPPER.writeTree(g, data);
      }
      optional(g, "userId", e.uid());
      optional(g, "from", e.src());
      g.writeNumberField("ts", e.ts());
    });
  }

  /** A message read from history, as the live frame of it would be. */
  static String history(StoredMessage m) {
    return object("message", g -> {
      g.writeStringField("channel", m.channel());
      optional(g, "id", m.id());
      g.writeNumberField("seq", m.seq());
      g.writeFieldName("data");
      byte[] data = m.dataJson();
      if (data == null) {
        g.writeNull();
      } else {
        g.writeRawValue(new String(data, StandardCharsets.UTF_8)); // stored compact JSON, checked when published
      }
      optional(g, "userId", m.userId());
      optional(g, "from", m.src());
      g.writeNumberField("ts", m.ts());
    });
  }

  static String error(String code, String message, @Nullable String action, @Nullable String channel) {
    return object("error", g -> {
      g.writeStringField("code", code);
      g.writeStringField("message", message);
      optional(g, "action", action);
      optional(g, "channel", channel);
    });
  }

  static void optional(JsonGenerator g, String field, @Nullable String value) throws IOException {
    if (value != null) {
      g.writeStringField(field, value);
    }
  }
}
