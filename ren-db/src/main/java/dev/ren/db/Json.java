package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import org.jspecify.annotations.Nullable;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON-type-aware comparison shared by filters, sorting and index keys. Types are ordered as MongoDB orders them
 * (missing/null, numbers, strings, objects, arrays, booleans); numbers compare by value whatever their Jackson
 * representation ({@code 1 == 1.0}); strings compare by UTF-16 code unit, as H2 compares {@code VARCHAR}.
 *
 * <p>Thread-safety: stateless.
 */
final class Json {

  /** ren-db's own mapper (documents in and out of SQL), configured once and never exposed. */
  static final ObjectMapper MAPPER = new ObjectMapper();

  static final int RANK_MISSING = 0;
  static final int RANK_NULL = 1;
  static final int RANK_NUMBER = 2;
  static final int RANK_STRING = 3;
  static final int RANK_OBJECT = 4;
  static final int RANK_ARRAY = 5;
  static final int RANK_BOOLEAN = 6;

  private Json() {}

  static int rank(@Nullable JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return RANK_MISSING;
    }
    JsonNodeType t = n.getNodeType();
    return switch (t) {
      case NULL -> RANK_NULL;
      case NUMBER -> RANK_NUMBER;
      case STRING -> RANK_STRING;
      case OBJECT -> RANK_OBJECT;
      case ARRAY -> RANK_ARRAY;
      case BOOLEAN -> RANK_BOOLEAN;
      default -> RANK_STRING; // BINARY, POJO: never produced by parsing JSON text
    };
  }

  /** Total order over JSON values (and missing); used for sorting. */
  static int compare(@Nullable JsonNode a, @Nullable JsonNode b) {
    int ra = rank(a);
    int rb = rank(b);
    if (ra != rb) {
      return Integer.compare(ra, rb);
    }
    if (a == null || b == null) {
      return 0; // same rank as a Java null: both missing
    }
    return switch (ra) {
      case RANK_MISSING, RANK_NULL -> 0;
      case RANK_NUMBER -> compareNumbers(a, b);
      case RANK_STRING -> a.textValue().compareTo(b.textValue());
      case RANK_BOOLEAN -> Boolean.compare(a.booleanValue(), b.booleanValue());
      case RANK_ARRAY -> compareArrays(a, b);
      default -> compareObjects(a, b);
    };
  }

  /** Element by element, then the shorter array first. */
  private static int compareArrays(JsonNode a, JsonNode b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** Field by field in document order (name, then value), then the object with fewer fields first. */
  private static int compareObjects(JsonNode a, JsonNode b) {
    Iterator<Map.Entry<String, JsonNode>> ia = a.properties().iterator();
    Iterator<Map.Entry<String, JsonNode>> ib = b.properties().iterator();
    while (ia.hasNext() && ib.hasNext()) {
      Map.Entry<String, JsonNode> ea = ia.next();
      Map.Entry<String, JsonNode> eb = ib.next();
      int c = ea.getKey().compareTo(eb.getKey());
      if (c == 0) {
        c = compare(ea.getValue(), eb.getValue());
      }
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(ia.hasNext(), ib.hasNext());
  }

  /** JSON equality with numbers compared by value. */
  static boolean equal(@Nullable JsonNode a, @Nullable JsonNode b) {
    int ra = rank(a);
    if (ra != rank(b)) {
      return false;
    }
    if (a == null || b == null) {
      return true; // same rank as a Java null: both missing
    }
    if (ra == RANK_NUMBER) {
      return compareNumbers(a, b) == 0;
    }
    if (ra == RANK_OBJECT) {
      if (a.size() != b.size()) {
        return false;
      }
      Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!b.has(e.getKey()) || !equal(e.getValue(), b.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return compare(a, b) == 0;
  }

  static int compareNumbers(JsonNode a, JsonNode b) {
    if (a.canConvertToLong() && b.canConvertToLong() && a.canConvertToExactIntegral()
        && b.canConvertToExactIntegral()) {
      return Long.compare(a.longValue(), b.longValue());
    }
    boolean big = a.isBigDecimal() || a.isBigInteger() || b.isBigDecimal() || b.isBigInteger()
        || a.isLong() || b.isLong();
    if (!big) {
      double da = a.doubleValue();
      double db = b.doubleValue();
      return da < db ? -1 : da > db ? 1 : 0; // -0.0 equals 0.0 in JSON
    }
    return decimal(a).compareTo(decimal(b));
  }

  private static BigDecimal decimal(JsonNode n) {
    if (n.isDouble() || n.isFloat()) {
      return new BigDecimal(Double.toString(n.doubleValue()));
    }
    return n.decimalValue();
  }

  /** The value at a dotted path inside objects, or null when any step is absent or not an object. */
  static @Nullable JsonNode at(JsonNode doc, String[] path) {
    JsonNode cur = doc;
    for (String p : path) {
      if (cur == null || !cur.isObject()) {
        return null;
      }
      cur = cur.get(p);
    }
    return cur;
  }
}
