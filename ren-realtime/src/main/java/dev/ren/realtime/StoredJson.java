package dev.ren.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The form in which realtime keeps payloads and metadata: compact JSON bytes. A Jackson tree costs far more than
 * its JSON (an empty object is a node and a map, ~30 times its two bytes), so everything kept beyond a call is kept
 * as bytes, measured as kept, and decoded when read.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
final class StoredJson {

  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private StoredJson() {}

  /**
   * The compact JSON of {@code node}.
   *
   * @throws PayloadTooLargeException when it is more than {@code max} bytes
   */
  static byte[] encode(String what, JsonNode node, int max) {
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
    if (bytes.length > max) {
      throw new PayloadTooLargeException(what, bytes.length, max);
    }
    return bytes;
  }

  /** The tree of bytes {@link #encode} wrote. */
  static JsonNode decode(byte[] bytes) {
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("stored JSON cannot be read back", e); // we wrote it: a bug, not input
    }
  }
}
