package dev.ren.kv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The form values are kept in: compact UTF-8 JSON text, as Jackson writes a tree with default settings (no
 * whitespace, object fields in insertion order). A tree of small nodes costs ~30 times its text on the heap
 * (issue 15: a 1 MB body of {@code [{},{},...]} held ~29 MB); the text costs its length, so the store's byte
 * accounting is the memory it holds. A read parses the text back into a new tree, which also makes every
 * {@link KvEntry#value()} the caller's own copy.
 *
 * <p>Thread-safety: thread-safe (the mapper is configured here once and never exposed).
 */
final class KvJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private KvJson() {}

  /**
   * The compact JSON text of {@code value}.
   *
   * @throws IllegalArgumentException if the tree holds something that cannot be written as JSON (a POJO node)
   */
  static byte[] encode(JsonNode value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Parses text this class wrote (or a backend returned) into a new tree. */
  static JsonNode decode(byte[] json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      // the store wrote this text itself; only a broken backend gets here
      throw new UncheckedIOException("stored KV value is not valid JSON", e);
    }
  }

  /** The text of a JSON string, parsed from its compact form. */
  static String decodeString(byte[] json) {
    return decode(json).textValue();
  }
}
