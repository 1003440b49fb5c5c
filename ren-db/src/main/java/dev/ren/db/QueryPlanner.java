package dev.ren.db;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/**
 * Query planning: which rows a query reads. A primary-key lookup for {@code _id} conditions, a probe of
 * {@code ren_index_entries} when a conjunct of the filter is on the first field of a declared index, a scan of
 * the collection otherwise. A plan only narrows what is read; every row it yields is then checked against the
 * whole filter in Java (the residual), so a plan may select a superset but never misses a match.
 *
 * <p>Thread-safety: stateless; plans are immutable.
 */
final class QueryPlanner {

  /** Longer {@code $in} lists are not worth one probe per element: such a condition is left to a scan. */
  static final int MAX_IN_PROBES = 256;

  /** How candidates are fetched. */
  sealed interface Plan permits Scan, IdProbes, IndexProbes {}

  /** Reads every document of the collection in {@code _id} order. */
  record Scan() implements Plan {}

  /** Reads rows by primary key: each probe's string bounds bound {@code _id}. */
  record IdProbes(List<IndexKeys.Probe> probes) implements Plan {}

  /** Reads rows through the entries of the declared index {@code index}. */
  record IndexProbes(String index, List<IndexKeys.Probe> probes) implements Plan {}

  private QueryPlanner() {}

  /** The plan for {@code filter}, given the collection's {@code declared} indexes. */
  static Plan plan(Filter filter, List<IndexInfo> declared) {
    List<Filter.Field> conj = filter.conjuncts();
    // _id conditions use the primary key
    for (Filter.Field f : conj) {
      if (f.path().equals(Documents.ID)) {
        List<IndexKeys.Probe> probes = idProbes(f.conds());
        if (probes != null) {
          return new IdProbes(probes);
        }
      }
    }
    if (declared.isEmpty()) {
      return new Scan();
    }
    IndexProbes rangePlan = null;
    for (Filter.Field f : conj) {
      IndexInfo ix = indexFor(declared, f.path());
      if (ix == null) {
        continue;
      }
      List<IndexKeys.Probe> points = pointProbes(f.conds());
      if (points != null) {
        return new IndexProbes(ix.name(), points);
      }
      IndexKeys.Probe range = IndexKeys.range(f.conds());
      if (range != null && rangePlan == null) {
        rangePlan = new IndexProbes(ix.name(), List.of(range));
      }
    }
    return rangePlan != null ? rangePlan : new Scan();
  }

  /** The index whose first field is {@code path}, or null. */
  private static @Nullable IndexInfo indexFor(List<IndexInfo> declared, String path) {
    for (IndexInfo ix : declared) {
      if (ix.fields().get(0).equals(path)) {
        return ix;
      }
    }
    return null;
  }

  /** Point probes for an {@code $eq}/equality or {@code $in} of probe-able scalars; null if none. */
  private static @Nullable List<IndexKeys.Probe> pointProbes(List<Filter.Cond> conds) {
    for (Filter.Cond c : conds) {
      if (c.op() == Filter.Op.EQ) {
        IndexKeys.Probe p = IndexKeys.point(c.value());
        if (p != null) {
          return List.of(p);
        }
      } else if (c.op() == Filter.Op.IN && c.value().size() <= MAX_IN_PROBES) {
        List<IndexKeys.Probe> ps = inPointProbes(c.value());
        if (ps != null) {
          return ps; // an empty $in matches nothing: no probes, no rows
        }
      }
    }
    return null;
  }

  /** One point probe per distinct element of an {@code $in} list; null if any element cannot be probed. */
  private static @Nullable List<IndexKeys.Probe> inPointProbes(JsonNode values) {
    List<IndexKeys.Probe> ps = new ArrayList<>();
    for (JsonNode q : values) {
      IndexKeys.Probe p = IndexKeys.point(q);
      if (p == null) {
        return null;
      }
      if (!ps.contains(p)) {
        ps.add(p);
      }
    }
    return ps;
  }

  /** Probes on the primary key for string conditions on {@code _id}; ids are stored whole, so bounds are exact. */
  private static @Nullable List<IndexKeys.Probe> idProbes(List<Filter.Cond> conds) {
    for (Filter.Cond c : conds) {
      if (c.op() == Filter.Op.EQ && c.value().isTextual()) {
        return List.of(idPoint(c.value().textValue()));
      }
      if (c.op() == Filter.Op.IN && c.value().size() <= MAX_IN_PROBES) {
        List<IndexKeys.Probe> ps = inIdProbes(c.value());
        if (ps != null) {
          return ps;
        }
      }
    }
    IndexKeys.Probe range = IndexKeys.range(conds);
    if (range != null && range.rank() == Json.RANK_STRING) {
      return List.of(range);
    }
    return null;
  }

  /** One primary-key probe per element of an {@code $in} list; null unless every element is a string. */
  private static @Nullable List<IndexKeys.Probe> inIdProbes(JsonNode values) {
    List<IndexKeys.Probe> ps = new ArrayList<>();
    for (JsonNode q : values) {
      if (!q.isTextual()) {
        return null;
      }
      ps.add(idPoint(q.textValue()));
    }
    return ps;
  }

  private static IndexKeys.Probe idPoint(String id) {
    return new IndexKeys.Probe(Json.RANK_STRING, null, null, id, id);
  }
}
