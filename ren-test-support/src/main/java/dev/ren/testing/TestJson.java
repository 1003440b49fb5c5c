package dev.ren.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON for tests: parse text into a tree, write a value as text. Tests use this rather than any module's mapper,
 * so no test can change how a module reads or writes JSON.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class TestJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TestJson() {}

  /** The tree of {@code json}; an {@link IllegalArgumentException} if it is not JSON. */
  public static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage() + " in " + json, e);
    }
  }

  /** {@code value} as compact JSON text. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value + " as JSON", e);
    }
  }
}
