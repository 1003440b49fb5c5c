package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A parsed Mongo-style filter: equality, {@code $eq $ne $gt $gte $lt $lte $in $nin $exists}, {@code $and $or},
 * dotted paths into nested objects. Parsing builds a closed structure and rejects anything it does not know,
 * naming it; nothing in a filter is ever turned into SQL text.
 *
 * <p>Semantics: equality against an array field also matches when an element is equal ({@code {tags:"a"}}
 * matches {@code {tags:["a","b"]}}); {@code {f:null}} matches a missing field; range operators compare values of
 * the same JSON type only (a number never matches {@code $gt:"a"}). Paths do not descend into arrays.
 *
 * <p>Thread-safety: immutable.
 */
final class Filter {

  /** Default {@link Limits#maxDepth}: filters nested deeper than this are rejected. */
  static final int DEFAULT_MAX_DEPTH = 32;
  /** Default {@link Limits#maxBranches}. */
  static final int DEFAULT_MAX_BRANCHES = 256;
  /** Default {@link Limits#maxIn}. */
  static final int DEFAULT_MAX_IN = 1_000;
  /** Default {@link Limits#maxNodes}. */
  static final int DEFAULT_MAX_NODES = 4_096;

  /**
   * The bounds on one filter, checked before any of it is parsed or matched; each is a setting of
   * {@link DocumentStore.Builder}, whose name the refusal gives.
   *
   * @param maxDepth    JSON levels of nesting ({@code maxFilterDepth})
   * @param maxBranches branches of all {@code $and}/{@code $or} arrays together; a filter's cost grows with them
   *                    ({@code maxFilterBranches})
   * @param maxIn       values of one {@code $in}/{@code $nin} list ({@code maxFilterInValues})
   * @param maxNodes    JSON values in the whole filter: bounds the work of matching it against each document
   *                    ({@code maxFilterValues})
   */
  record Limits(int maxDepth, int maxBranches, int maxIn, int maxNodes) {
    static final Limits DEFAULT = new Limits(DEFAULT_MAX_DEPTH, DEFAULT_MAX_BRANCHES, DEFAULT_MAX_IN,
        DEFAULT_MAX_NODES);
  }

  enum Op { EQ, NE, GT, GTE, LT, LTE, IN, NIN, EXISTS }

  sealed interface Node permits All, Any, Field {
    boolean test(JsonNode doc);
  }

  record All(List<Node> nodes) implements Node {
    @Override
    public boolean test(JsonNode doc) {
      for (Node n : nodes) {
        if (!n.test(doc)) {
          return false;
        }
      }
      return true;
    }
  }

  record Any(List<Node> nodes) implements Node {
    @Override
    public boolean test(JsonNode doc) {
      for (Node n : nodes) {
        if (n.test(doc)) {
          return true;
        }
      }
      return false;
    }
  }

  /** A condition on one field: {@code value} is the operand ({@code $in}/{@code $nin}: an array). */
  record Cond(Op op, JsonNode value) {}

  record Field(String path, String[] parts, List<Cond> conds) implements Node {
    @Override
    public boolean test(JsonNode doc) {
      JsonNode v = Json.at(doc, parts);
      for (Cond c : conds) {
        if (!matches(v, c)) {
          return false;
        }
      }
      return true;
    }
  }

  private static final Filter ALL = new Filter(new All(List.of()));

  private final All root;

  private Filter(All root) {
    this.root = root;
  }

  /** Matches every document. */
  static Filter all() {
    return ALL;
  }

  /** {@link #parse(JsonNode, Limits)} with the default limits. */
  static Filter parse(@Nullable JsonNode json) {
    return parse(json, Limits.DEFAULT);
  }

  /**
   * Parses a filter; null, JSON null or {@code {}} match everything.
   *
   * @throws IllegalArgumentException naming the offending operator, path or value, or the bound of {@code limits}
   *     the filter exceeds
   */
  static Filter parse(@Nullable JsonNode json, Limits limits) {
    if (json == null || json.isNull() || json.isMissingNode()) {
      return ALL;
    }
    if (!json.isObject()) {
      throw new IllegalArgumentException("filter must be a JSON object, was " + json.getNodeType());
    }
    checkSize(json, limits);
    return new Filter(parseObject(json));
  }

  boolean matches(JsonNode doc) {
    return root.test(doc);
  }

  boolean matchesAll() {
    return root.nodes().isEmpty();
  }

  /** The field conditions that every match must satisfy (top level and top-level {@code $and}). */
  List<Field> conjuncts() {
    List<Field> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  private static void collect(Node n, List<Field> out) {
    if (n instanceof Field f) {
      out.add(f);
    } else if (n instanceof All a) {
      for (Node c : a.nodes()) {
        collect(c, out);
      }
    }
  }

  // ---------------------------------------------------------------- parsing

  /**
   * Bounds a filter before any of it is parsed or evaluated, so a client cannot make matching expensive (a 60,000
   * branch {@code $or} took seconds of CPU, and as an update it held the collection's write lock meanwhile).
   */
  private static void checkSize(JsonNode json, Limits limits) {
    int[] count = new int[2]; // nodes, branches
    checkSize(json, 0, count, limits);
  }

  private static void checkSize(JsonNode n, int depth, int[] count, Limits limits) {
    if (depth > limits.maxDepth()) {
      throw new IllegalArgumentException("filter is nested deeper than " + limits.maxDepth()
          + " levels (maxFilterDepth)");
    }
    if (++count[0] > limits.maxNodes()) {
      throw new IllegalArgumentException("filter has more than " + limits.maxNodes() + " values (maxFilterValues)");
    }
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> f : n.properties()) {
        JsonNode v = f.getValue();
        String key = f.getKey();
        if ((key.equals("$and") || key.equals("$or")) && v.isArray()) {
          count[1] += v.size();
          if (count[1] > limits.maxBranches()) {
            throw new IllegalArgumentException("filter has more than " + limits.maxBranches()
                + " $and/$or branches (maxFilterBranches)");
          }
        } else if ((key.equals("$in") || key.equals("$nin")) && v.isArray() && v.size() > limits.maxIn()) {
          throw new IllegalArgumentException(key + " has " + v.size() + " values; at most " + limits.maxIn()
              + " (maxFilterInValues)");
        }
        checkSize(v, depth + 1, count, limits);
      }
    } else if (n.isArray()) {
      for (JsonNode c : n) {
        checkSize(c, depth + 1, count, limits);
      }
    }
  }

  private static All parseObject(JsonNode obj) {
    List<Node> nodes = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = obj.properties().iterator();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (key.startsWith("$")) {
        switch (key) {
          case "$and" -> nodes.add(new All(parseList(key, value)));
          case "$or" -> nodes.add(new Any(parseList(key, value)));
          default -> throw new IllegalArgumentException("unknown top-level filter operator '" + key
              + "'; supported: $and, $or");
        }
      } else {
        nodes.add(parseField(key, value));
      }
    }
    return new All(List.copyOf(nodes));
  }

  private static List<Node> parseList(String op, JsonNode value) {
    if (!value.isArray() || value.isEmpty()) {
      throw new IllegalArgumentException(op + " needs a non-empty array of filter objects");
    }
    List<Node> out = new ArrayList<>();
    for (JsonNode c : value) {
      if (!c.isObject()) {
        throw new IllegalArgumentException(op + " elements must be filter objects, found " + c.getNodeType());
      }
      out.add(parseObject(c));
    }
    return List.copyOf(out);
  }

  static String[] parsePath(String path, String what) {
    if (path.isEmpty() || path.length() > 512) {
      throw new IllegalArgumentException(what + " '" + shorten(path) + "' must be 1 to 512 characters");
    }
    String[] parts = path.split("\\.", -1);
    for (String p : parts) {
      if (p.isEmpty()) {
        throw new IllegalArgumentException(what + " '" + shorten(path) + "' has an empty segment");
      }
      if (p.startsWith("$")) {
        throw new IllegalArgumentException(what + " '" + shorten(path) + "' has a segment starting with '$'");
      }
    }
    return parts;
  }

  private static Field parseField(String path, JsonNode value) {
    String[] parts = parsePath(path, "field path");
    List<Cond> conds = new ArrayList<>();
    if (value.isObject() && value.size() > 0 && isOperatorObject(path, value)) {
      Iterator<Map.Entry<String, JsonNode>> it = value.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        conds.add(parseCond(path, e.getKey(), e.getValue()));
      }
    } else {
      conds.add(new Cond(Op.EQ, value));
    }
    return new Field(path, parts, List.copyOf(conds));
  }

  private static boolean isOperatorObject(String path, JsonNode value) {
    int ops = 0;
    Iterator<String> names = value.fieldNames();
    while (names.hasNext()) {
      if (names.next().startsWith("$")) {
        ops++;
      }
    }
    if (ops != 0 && ops != value.size()) {
      throw new IllegalArgumentException("condition on '" + shorten(path)
          + "' mixes operators and plain fields; use either {\"$op\": value} or a whole object to compare");
    }
    return ops > 0;
  }

  private static Cond parseCond(String path, String op, JsonNode operand) {
    return switch (op) {
      case "$eq" -> new Cond(Op.EQ, operand);
      case "$ne" -> new Cond(Op.NE, operand);
      case "$gt" -> new Cond(Op.GT, operand);
      case "$gte" -> new Cond(Op.GTE, operand);
      case "$lt" -> new Cond(Op.LT, operand);
      case "$lte" -> new Cond(Op.LTE, operand);
      case "$in", "$nin" -> {
        if (!operand.isArray()) {
          throw new IllegalArgumentException(op + " on '" + shorten(path) + "' needs an array, was "
              + operand.getNodeType());
        }
        yield new Cond(op.equals("$in") ? Op.IN : Op.NIN, operand);
      }
      case "$exists" -> {
        if (!operand.isBoolean()) {
          throw new IllegalArgumentException("$exists on '" + shorten(path) + "' needs true or false, was "
              + operand);
        }
        yield new Cond(Op.EXISTS, operand);
      }
      default -> throw new IllegalArgumentException("unknown filter operator '" + shorten(op) + "' on '"
          + shorten(path) + "'; supported: $eq $ne $gt $gte $lt $lte $in $nin $exists");
    };
  }

  // ---------------------------------------------------------------- evaluation

  static boolean matches(@Nullable JsonNode v, Cond c) {
    return switch (c.op()) {
      case EQ -> eq(v, c.value());
      case NE -> !eq(v, c.value());
      case IN -> in(v, c.value());
      case NIN -> !in(v, c.value());
      case EXISTS -> (v != null && !v.isMissingNode()) == c.value().booleanValue();
      case GT, GTE, LT, LTE -> range(v, c.op(), c.value());
    };
  }

  private static boolean eq(@Nullable JsonNode v, JsonNode q) {
    if (q.isNull() && Json.rank(v) == Json.RANK_MISSING) {
      return true;
    }
    if (Json.equal(v, q)) {
      return true;
    }
    if (v != null && v.isArray() && !q.isArray()) {
      for (JsonNode el : v) {
        if (Json.equal(el, q)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean in(@Nullable JsonNode v, JsonNode list) {
    for (JsonNode q : list) {
      if (eq(v, q)) {
        return true;
      }
    }
    return false;
  }

  private static boolean range(@Nullable JsonNode v, Op op, JsonNode q) {
    if (v == null || v.isMissingNode()) {
      return false;
    }
    if (rangeOne(v, op, q)) {
      return true;
    }
    if (v.isArray()) {
      for (JsonNode el : v) {
        if (rangeOne(el, op, q)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean rangeOne(JsonNode v, Op op, JsonNode q) {
    if (Json.rank(v) != Json.rank(q)) {
      return false;
    }
    int c = Json.compare(v, q);
    return switch (op) {
      case GT -> c > 0;
      case GTE -> c >= 0;
      case LT -> c < 0;
      default -> c <= 0;
    };
  }

  static String shorten(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }
}
