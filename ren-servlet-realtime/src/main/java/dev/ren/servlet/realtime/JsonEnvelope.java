package dev.ren.servlet.realtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import org.jspecify.annotations.Nullable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The top-level fields of a JSON object body ({@code {channel, data, userId}}, {@code {userId, metadata}}), read by
 * a streaming parser so that no tree of the body is ever built: a string field is kept as its text, the named value
 * fields (a payload, metadata) as their own JSON text, copied exactly (numbers as written), for the store to check,
 * compact and measure; anything else is skipped, noting only its kind. A body of {@code [{},{},...]} would cost about
 * thirty times its size as a tree, however small the part the route uses.
 *
 * <p>The body is held to the rules {@link JsonServlet#readJsonObject} applies: one JSON object, nothing after it,
 * nesting at most {@value JsonServlet#MAX_JSON_DEPTH} deep; anything else is {@code 400 invalid_json} with the same
 * messages. A field given twice counts with its last value, as in a tree.
 *
 * <p>Used by both realtime transports (HTTP bodies, WebSocket frames).
 *
 * <p>Thread-safety: confined to the thread that reads it.
 */
public final class JsonEnvelope {

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonServlet.MAX_JSON_DEPTH).build())
      .build();

  /** The kind of each field read, as a tree would name it (string, number, object, ...); JSON null is absent. */
  private final Map<String, String> kinds = new HashMap<>();
  private final Map<String, String> texts = new HashMap<>();
  private final Map<String, byte[]> values = new HashMap<>();

  private JsonEnvelope() {}

  /**
   * Reads {@code body}, keeping the JSON text of the fields named in {@code valueFields}.
   *
   * @throws HttpError {@code 400 invalid_json} unless the body is one JSON object within the rules above
   */
  public static JsonEnvelope read(byte[] body, Set<String> valueFields) {
    JsonEnvelope e = new JsonEnvelope();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new HttpError(400, "invalid_json", "request body must be a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        e.kinds.remove(name);
        e.texts.remove(name);
        e.values.remove(name);
        if (v == JsonToken.VALUE_NULL) {
          continue; // as absent, which is what every route makes of null
        }
        e.kinds.put(name, kind(v));
        if (valueFields.contains(name)) {
          e.values.put(name, copy(p));
        } else if (v == JsonToken.VALUE_STRING) {
          e.texts.put(name, p.getText());
        } else {
          p.skipChildren(); // parsed, so checked, but not kept
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new HttpError(400, "invalid_json", "request body must be a JSON object");
      }
      JsonToken after = p.nextToken();
      if (after != null) {
        throw new HttpError(400, "invalid_json", "request body is not valid JSON: more content (" + after
            + ") follows the object");
      }
    } catch (JsonProcessingException ex) {
      throw new HttpError(400, "invalid_json", "request body is not valid JSON: " + ex.getOriginalMessage());
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // reading a byte array fails only by a parse error
    }
    return e;
  }

  /** The value the parser is at, as JSON text: exact (numbers as written, no double in between), whitespace gone. */
  private static byte[] copy(JsonParser p) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.copyCurrentStructureExact(p);
    }
    return out.toByteArray();
  }

  private static String kind(JsonToken t) {
    return switch (t) {
      case START_OBJECT -> "object";
      case START_ARRAY -> "array";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      default -> t.name().toLowerCase(Locale.ROOT);
    };
  }

  /**
   * A string field: its text, or null when absent or null and not {@code required}.
   *
   * @throws HttpError {@code 400} when required and absent, or not a string
   */
  public @Nullable String text(String field, boolean required) {
    String kind = kinds.get(field);
    if (kind == null) {
      if (required) {
        throw HttpError.badRequest(field + " is required");
      }
      return null;
    }
    String text = texts.get(field);
    if (text == null) {
      throw HttpError.badRequest(field + " must be a string, was " + kind);
    }
    return text;
  }

  /** A value field's JSON text (UTF-8), or null when absent or JSON null. */
  public byte @Nullable [] json(String field) {
    return values.get(field);
  }
}
