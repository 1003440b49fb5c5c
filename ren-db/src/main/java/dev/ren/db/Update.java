package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A parsed update: either operators ({@code $set $unset $inc}) or a whole replacement document. Unknown operators
 * and a mix of operators and plain fields are rejected, naming the culprit.
 *
 * <p>Thread-safety: immutable; {@link #apply} never modifies its argument.
 */
final class Update {

  private record Step(String op, String path, String[] parts, JsonNode value) {}

  private final @org.jspecify.annotations.Nullable ObjectNode replacement;
  private final List<Step> steps;

  private Update(@org.jspecify.annotations.Nullable ObjectNode replacement, List<Step> steps) {
    this.replacement = replacement;
    this.steps = steps;
  }

  static Update replacement(JsonNode doc) {
    if (doc == null || !doc.isObject()) {
      throw new IllegalArgumentException("a replacement document must be a JSON object");
    }
    Documents.checkFieldNames((ObjectNode) doc);
    return new Update(((ObjectNode) doc).deepCopy(), List.of());
  }

  static Update parse(JsonNode update) {
    if (update == null || !update.isObject()) {
      throw new IllegalArgumentException("update must be a JSON object with $set/$unset/$inc or a whole document");
    }
    if (update.isEmpty()) {
      throw new IllegalArgumentException("update is empty; give $set/$unset/$inc or a whole document");
    }
    int ops = 0;
    Iterator<String> names = update.fieldNames();
    while (names.hasNext()) {
      if (names.next().startsWith("$")) {
        ops++;
      }
    }
    if (ops == 0) {
      return replacement(update);
    }
    if (ops != update.size()) {
      throw new IllegalArgumentException("update mixes operators and plain fields; use only $set/$unset/$inc"
          + " or only a whole document");
    }
    List<Step> steps = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = update.properties().iterator();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String op = e.getKey();
      if (!op.equals("$set") && !op.equals("$unset") && !op.equals("$inc")) {
        throw new IllegalArgumentException("unknown update operator '" + Filter.shorten(op)
            + "'; supported: $set $unset $inc");
      }
      if (!e.getValue().isObject() || e.getValue().isEmpty()) {
        throw new IllegalArgumentException(op + " needs a non-empty object of {path: value}");
      }
      Iterator<Map.Entry<String, JsonNode>> fields = e.getValue().properties().iterator();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String path = f.getKey();
        String[] parts = Filter.parsePath(path, op + " path");
        if (parts[0].equals(Documents.ID) && !op.equals("$set")) {
          throw new IllegalArgumentException(op + " cannot change _id");
        }
        if (op.equals("$inc") && !f.getValue().isNumber()) {
          throw new IllegalArgumentException("$inc on '" + Filter.shorten(path) + "' needs a number, was "
              + f.getValue().getNodeType());
        }
        for (String other : paths) {
          if (other.equals(path) || other.startsWith(path + ".") || path.startsWith(other + ".")) {
            throw new IllegalArgumentException("update paths '" + Filter.shorten(other) + "' and '"
                + Filter.shorten(path) + "' conflict");
          }
        }
        paths.add(path);
        steps.add(new Step(op, path, parts, f.getValue()));
      }
    }
    return new Update(null, List.copyOf(steps));
  }

  /** The new document; {@code current} must carry its string {@code _id}. */
  ObjectNode apply(ObjectNode current) {
    String id = current.get(Documents.ID).textValue();
    if (replacement != null) {
      ObjectNode next = Documents.withId(replacement, id);
      JsonNode owner = current.get(DocumentStore.OWNER_FIELD);
      if (owner != null && !next.has(DocumentStore.OWNER_FIELD)) {
        next.set(DocumentStore.OWNER_FIELD, owner.deepCopy()); // a replacement keeps the owner as it keeps _id
      }
      return next;
    }
    ObjectNode doc = current.deepCopy();
    for (Step s : steps) {
      if (s.parts[0].equals(Documents.ID)) {
        if (s.parts.length != 1 || !s.value.isTextual() || !s.value.textValue().equals(id)) {
          throw new IllegalArgumentException("$set cannot change _id");
        }
        continue;
      }
      ObjectNode parent = parentOf(doc, s, !s.op.equals("$unset"));
      if (parent == null) {
        continue; // $unset of a path that is not there
      }
      String leaf = s.parts[s.parts.length - 1];
      switch (s.op) {
        case "$set" -> parent.set(leaf, s.value.deepCopy());
        case "$unset" -> parent.remove(leaf);
        default -> parent.set(leaf, add(parent.get(leaf), s.value, s.path));
      }
    }
    return doc;
  }

  private static @org.jspecify.annotations.Nullable ObjectNode parentOf(ObjectNode doc, Step s, boolean create) {
    ObjectNode cur = doc;
    for (int i = 0; i < s.parts.length - 1; i++) {
      JsonNode next = cur.get(s.parts[i]);
      if (next == null || next.isNull() && create) {
        if (!create) {
          return null;
        }
        next = cur.putObject(s.parts[i]);
      } else if (!next.isObject()) {
        if (!create) {
          return null;
        }
        throw new IllegalArgumentException(s.op + " on '" + Filter.shorten(s.path) + "' cannot descend into '"
            + s.parts[i] + "', which is " + next.getNodeType() + ", not an object");
      }
      cur = (ObjectNode) next;
    }
    return cur;
  }

  private static JsonNode add(@org.jspecify.annotations.Nullable JsonNode current, JsonNode by, String path) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (current == null || current.isNull()) {
      return by.deepCopy();
    }
    if (!current.isNumber()) {
      throw new IllegalArgumentException("$inc on '" + Filter.shorten(path) + "' needs a number there, found "
          + current.getNodeType());
    }
    if (current.canConvertToExactIntegral() && by.canConvertToExactIntegral() && current.canConvertToLong()
        && by.canConvertToLong() && !current.isFloatingPointNumber() && !by.isFloatingPointNumber()) {
      try {
        return f.numberNode(Math.addExact(current.longValue(), by.longValue()));
      } catch (ArithmeticException overflow) {
        return f.numberNode(BigDecimal.valueOf(current.longValue()).add(BigDecimal.valueOf(by.longValue())));
      }
    }
    if (current.isBigDecimal() || by.isBigDecimal() || current.isBigInteger() || by.isBigInteger()) {
      return f.numberNode(current.decimalValue().add(by.decimalValue()));
    }
    double sum = current.doubleValue() + by.doubleValue();
    if (!Double.isFinite(sum)) {
      throw new IllegalArgumentException("$inc on '" + Filter.shorten(path) + "' overflows: " + current + " + " + by
          + " is not a finite number");
    }
    return f.numberNode(sum);
  }
}
