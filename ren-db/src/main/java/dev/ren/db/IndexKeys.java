package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/**
 * Index keys: one row per value (and, for an array, per element) in {@code ren_index_entries}, made of a JSON
 * type rank and either a {@code DOUBLE} or a string prefix. Both encodings are monotone (order-preserving up to
 * ties), so a SQL range with inclusive bounds always selects a superset of the matching documents; the filter
 * is then checked exactly in Java.
 *
 * <p>Thread-safety: stateless.
 */
final class IndexKeys {

  /** Strings are indexed by this many leading UTF-16 units; longer ones tie and are told apart in Java. */
  static final int MAX_STR = 200;

  record Key(int rank, @Nullable Double num, @Nullable String str) {}

  /** A SQL probe: rows of {@code rank} with num or str inside the inclusive bounds (null = unbounded). */
  record Probe(int rank, @Nullable Double numLo, @Nullable Double numHi, @Nullable String strLo,
               @Nullable String strHi) {}

  private IndexKeys() {}

  static List<Key> keys(@Nullable JsonNode v) {
    List<Key> out = new ArrayList<>(2);
    out.add(key(v));
    if (v != null && v.isArray()) {
      for (JsonNode el : v) {
        Key k = key(el);
        if (!out.contains(k)) {
          out.add(k);
        }
      }
    }
    return out;
  }

  static Key key(@Nullable JsonNode v) {
    if (v == null) {
      return new Key(Json.RANK_MISSING, null, null);
    }
    int rank = Json.rank(v);
    return switch (rank) {
      case Json.RANK_NUMBER, Json.RANK_BOOLEAN -> new Key(rank, number(v), null);
      case Json.RANK_STRING -> new Key(rank, null, truncate(v.textValue()));
      case Json.RANK_OBJECT, Json.RANK_ARRAY -> new Key(rank, null, truncate(v.toString()));
      default -> new Key(rank, null, null);
    };
  }

  /** The {@code num} of a number or boolean key (booleans as 0 and 1). */
  private static double number(JsonNode v) {
    if (v.isBoolean()) {
      return v.booleanValue() ? 1.0 : 0.0;
    }
    return v.doubleValue();
  }

  /**
   * The key of string {@code s}: its first {@link #MAX_STR} units, and nothing from a NUL character on
   * (PostgreSQL text cannot hold one). Both cuts are monotone, so keys and bounds made by it keep a superset.
   */
  static String truncate(String s) {
    int nul = s.indexOf('\u0000');
    if (nul >= 0 && nul < MAX_STR) {
      return s.substring(0, nul);
    }
    if (s.length() <= MAX_STR) {
      return s;
    }
    // never split a surrogate pair: H2 and Java would then disagree about the string
    int end = Character.isHighSurrogate(s.charAt(MAX_STR - 1)) ? MAX_STR - 1 : MAX_STR;
    return s.substring(0, end);
  }

  /** A point probe for equality with a scalar, or null when {@code q} cannot be probed. */
  static @Nullable Probe point(JsonNode q) {
    int rank = Json.rank(q);
    return switch (rank) {
      case Json.RANK_NUMBER, Json.RANK_BOOLEAN -> {
        double n = number(q);
        yield new Probe(rank, n, n, null, null);
      }
      case Json.RANK_STRING -> {
        String s = truncate(q.textValue());
        yield new Probe(rank, null, null, s, s);
      }
      default -> null; // null matches missing fields too; objects/arrays: scan
    };
  }

  /**
   * A range probe from the range conditions of one field, or null when there are none usable. Only bounds of the
   * first bound's type are used: bounds of other types can match nothing, so ignoring them keeps a superset.
   */
  static @Nullable Probe range(List<Filter.Cond> conds) {
    int rank = -1;
    Double numLo = null;
    Double numHi = null;
    String strLo = null;
    String strHi = null;
    for (Filter.Cond c : conds) {
      boolean lower = c.op() == Filter.Op.GT || c.op() == Filter.Op.GTE;
      boolean upper = c.op() == Filter.Op.LT || c.op() == Filter.Op.LTE;
      if (!lower && !upper) {
        continue;
      }
      int r = Json.rank(c.value());
      if (r != Json.RANK_NUMBER && r != Json.RANK_STRING && r != Json.RANK_BOOLEAN) {
        continue;
      }
      if (rank == -1) {
        rank = r;
      } else if (r != rank) {
        continue;
      }
      // the tightest bound on each side; keys as key() makes them, so bounds and entries compare alike
      if (rank == Json.RANK_STRING) {
        String s = truncate(c.value().textValue());
        if (lower) {
          strLo = strLo == null || s.compareTo(strLo) > 0 ? s : strLo;
        } else {
          strHi = strHi == null || s.compareTo(strHi) < 0 ? s : strHi;
        }
      } else {
        double n = number(c.value());
        if (lower) {
          numLo = numLo == null || n > numLo ? n : numLo;
        } else {
          numHi = numHi == null || n < numHi ? n : numHi;
        }
      }
    }
    return rank == -1 ? null : new Probe(rank, numLo, numHi, strLo, strHi);
  }
}
