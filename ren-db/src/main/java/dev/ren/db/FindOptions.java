package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Options of {@link Collection#find}: at most {@code limit} documents (0 = no limit) after skipping
 * {@code skip}, ordered by {@code sort} (dotted path → ascending or not; ties and the default order are by
 * {@code _id}, which is time-ordered for generated ids).
 *
 * <pre>{@code
 * FindOptions.limit(20).withSkip(40).withSort("priority", false)
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param limit maximum number of documents returned, 0 for all
 * @param skip  matching documents skipped first
 * @param sort  sort keys, most significant first
 */
public record FindOptions(int limit, int skip, List<SortKey> sort) {

  /** No limit, no skip, {@code _id} order. */
  public static final FindOptions DEFAULT = new FindOptions(0, 0, List.of());

  /** One sort key. */
  public record SortKey(String path, boolean ascending) {
    public SortKey {
      Filter.parsePath(path, "sort path");
    }
  }

  public FindOptions {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, was " + limit);
    }
    if (skip < 0) {
      throw new IllegalArgumentException("skip must be >= 0, was " + skip);
    }
    sort = List.copyOf(sort);
  }

  public static FindOptions limit(int limit) {
    return new FindOptions(limit, 0, List.of());
  }

  public FindOptions withSkip(int n) {
    return new FindOptions(limit, n, sort);
  }

  public FindOptions withLimit(int n) {
    return new FindOptions(n, skip, sort);
  }

  public FindOptions withSort(String path, boolean ascending) {
    List<SortKey> s = new ArrayList<>(sort);
    s.add(new SortKey(path, ascending));
    return new FindOptions(limit, skip, s);
  }

  /**
   * Parses {@code {limit, skip, sort:{path: 1|-1}}} (the HTTP shape); null or JSON null gives the defaults.
   *
   * @throws IllegalArgumentException naming the bad option
   */
  public static FindOptions fromJson(@Nullable JsonNode json) {
    if (json == null || json.isNull() || json.isMissingNode()) {
      return DEFAULT;
    }
    if (!json.isObject()) {
      throw new IllegalArgumentException("options must be a JSON object");
    }
    int limit = 0;
    int skip = 0;
    List<SortKey> sort = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = json.properties().iterator();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "limit" -> limit = nonNegativeInt("limit", v);
        case "skip" -> skip = nonNegativeInt("skip", v);
        case "sort" -> {
          if (v.isNull()) {
            break;
          }
          if (!v.isObject()) {
            throw new IllegalArgumentException("sort must be an object of {path: 1 or -1}");
          }
          Iterator<Map.Entry<String, JsonNode>> keys = v.properties().iterator();
          while (keys.hasNext()) {
            Map.Entry<String, JsonNode> k = keys.next();
            JsonNode dir = k.getValue();
            if (!dir.isIntegralNumber() || (dir.intValue() != 1 && dir.intValue() != -1)) {
              throw new IllegalArgumentException("sort direction of '" + Filter.shorten(k.getKey())
                  + "' must be 1 or -1, was " + dir);
            }
            sort.add(new SortKey(k.getKey(), dir.intValue() == 1));
          }
        }
        default -> throw new IllegalArgumentException("unknown find option '" + Filter.shorten(e.getKey())
            + "'; supported: limit, skip, sort");
      }
    }
    return new FindOptions(limit, skip, sort);
  }

  private static int nonNegativeInt(String name, JsonNode v) {
    if (v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
      throw new IllegalArgumentException(name + " must be a non-negative integer, was " + v);
    }
    return v.intValue();
  }
}
