package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.testing.TestJson;

/** JSON written with single quotes, for readable filters and documents in tests. */
final class TestDocs {

  private TestDocs() {}

  /** The object {@code json} with {@code '} read as {@code "}. */
  static ObjectNode obj(String json) {
    return (ObjectNode) node(json);
  }

  /** The tree of {@code json} with {@code '} read as {@code "}. */
  static JsonNode node(String json) {
    return TestJson.parse(json.replace('\'', '"'));
  }
}
