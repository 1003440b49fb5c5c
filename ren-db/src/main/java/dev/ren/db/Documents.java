package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.internal.Printable;

import java.util.Iterator;
import java.util.regex.Pattern;

/** Document and name rules shared by the store and its collections. Thread-safety: stateless. */
final class Documents {

  static final String ID = "_id";
  static final int MAX_ID_LENGTH = 256;
  private static final Pattern COLLECTION = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private Documents() {}

  static String checkCollection(String name) {
    if (name == null || !COLLECTION.matcher(name).matches()) {
      throw new IllegalArgumentException("collection name '" + Filter.shorten(String.valueOf(name))
          + "' must match [A-Za-z0-9_.-]{1,64}");
    }
    return name;
  }

  static String checkId(JsonNode id) {
    if (!id.isTextual()) {
      throw new IllegalArgumentException("_id must be a string, was " + id.getNodeType());
    }
    return checkId(id.textValue());
  }

  static String checkId(String id) {
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("_id must be 1 to " + MAX_ID_LENGTH + " characters, was " + id.length());
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i))) {
        throw new IllegalArgumentException("_id must not contain control characters");
      }
    }
    return id;
  }

  /** Top-level field names may not start with '$' (they would read as operators). */
  static void checkFieldNames(ObjectNode doc) {
    Iterator<String> names = doc.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (n.startsWith("$")) {
        throw new IllegalArgumentException("document field '" + Filter.shorten(n) + "' must not start with '$'");
      }
    }
  }

  /**
   * Checks that {@code doc} can be stored as JSON and read back as the same value: every string and field name is
   * well-formed UTF-16 (a lone surrogate has no UTF-8 form; the database refused it with an internal error) and
   * every number is finite (Jackson would write {@code Infinity} or {@code NaN} as a string, so a number would
   * come back as text: a {@code $inc} past {@code 1.8e308} or a literal {@code 1e400} in the request).
   *
   * @throws IllegalArgumentException naming the path of the first offending value
   */
  static void checkStorable(JsonNode doc) {
    checkStorable(doc, "");
  }

  private static void checkStorable(JsonNode n, String path) {
    if (n.isTextual()) {
      checkText(n.textValue(), path, "string");
    } else if (n.isFloatingPointNumber() && !n.isBigDecimal() && !Double.isFinite(n.doubleValue())) {
      throw new IllegalArgumentException("number at '" + shortPath(path) + "' is " + n.doubleValue()
          + "; JSON numbers must be finite (the value may have overflowed)");
    } else if (n.isObject()) {
      Iterator<java.util.Map.Entry<String, JsonNode>> it = n.properties().iterator();
      while (it.hasNext()) {
        java.util.Map.Entry<String, JsonNode> e = it.next();
        String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        checkText(e.getKey(), child, "field name");
        checkStorable(e.getValue(), child);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        checkStorable(n.get(i), path + "[" + i + "]");
      }
    }
  }

  private static void checkText(String s, String path, String what) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        throw new IllegalArgumentException(what + " at '" + shortPath(path) + "' has a lone surrogate (U+"
            + Integer.toHexString(ch).toUpperCase(java.util.Locale.ROOT) + " at index " + i
            + "); text must be well-formed Unicode");
      }
    }
  }

  private static String shortPath(String path) {
    return Printable.of(path);
  }

  /** A copy of {@code doc} whose first field is {@code _id = id}. */
  static ObjectNode withId(ObjectNode doc, String id) {
    JsonNode existing = doc.get(ID);
    if (existing != null && !(existing.isTextual() && existing.textValue().equals(id))) {
      throw new IllegalArgumentException("_id cannot be changed (document has _id " + existing + ", expected \""
          + id + "\")");
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put(ID, id);
    Iterator<java.util.Map.Entry<String, JsonNode>> it = doc.properties().iterator();
    while (it.hasNext()) {
      java.util.Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals(ID)) {
        out.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    return out;
  }
}
