package dev.ren.hub;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed subscription filter: the {@code s} query parameter of the SSE stream.
 *
 * <p>Grammar: a comma-separated list of clauses; {@code *} or nothing means every event. A clause is a domain
 * ({@code kv}), optionally narrowed to a type ({@code kv.expired}, {@code db.document} — a prefix at a dot
 * boundary) and/or a namespace ({@code db:todos}; for {@code realtime} and {@code presence} the channel:
 * {@code realtime:room-1}). A storage change carries two names (see {@link StorageEventNames}): {@code storage}
 * selects both, {@code storage.put} / {@code storage.delete} only the table name, {@code storage.object} (or one
 * of {@code storage.object.created|updated|deleted}) only the object name. Clauses are parsed into a closed structure and compared, never evaluated;
 * duplicates collapse; at most {@value #MAX_CLAUSES} clauses and {@value #MAX_LENGTH} characters.
 *
 * <pre>{@code
 * RenFilter f = RenFilter.parse("kv:demo,db.document.deleted,realtime:room-1");
 * f.test(RenEvent.kvPut("demo", "todo:1", "1"));   // true
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class RenFilter {

  public static final int MAX_CLAUSES = 32;
  public static final int MAX_LENGTH = 2048;

  private static final Pattern NARROW = Pattern.compile("[A-Za-z0-9_.:/-]{1,128}");

  private static final RenFilter ALL = new RenFilter(new Clause[0], true);

  private final Clause[] clauses;
  private final boolean all;

  private RenFilter(Clause[] clauses, boolean all) {
    this.clauses = clauses;
    this.all = all;
  }

  /** The filter that accepts every event. */
  public static RenFilter all() {
    return ALL;
  }

  /**
   * Parses the {@code s} grammar.
   *
   * @throws IllegalArgumentException naming the offending clause and the rule it breaks
   */
  public static RenFilter parse(@Nullable String s) {
    if (s == null || s.isBlank() || s.trim().equals("*")) {
      return ALL;
    }
    if (s.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("filter is " + s.length() + " characters; at most " + MAX_LENGTH);
    }
    Set<Clause> set = new LinkedHashSet<>();
    for (String raw : s.split(",", -1)) {
      String c = raw.trim();
      if (c.isEmpty()) {
        throw new IllegalArgumentException("filter '" + shorten(s) + "' has an empty clause");
      }
      if (c.equals("*")) {
        return ALL;
      }
      set.add(parseClause(c));
      if (set.size() > MAX_CLAUSES) {
        throw new IllegalArgumentException("filter has more than " + MAX_CLAUSES + " distinct clauses");
      }
    }
    return new RenFilter(set.toArray(new Clause[0]), false);
  }

  private static Clause parseClause(String c) {
    int colon = c.indexOf(':');
    String head = colon < 0 ? c : c.substring(0, colon);
    String narrow = colon < 0 ? null : c.substring(colon + 1);
    if (narrow != null && !NARROW.matcher(narrow).matches()) {
      throw new IllegalArgumentException("filter clause '" + shorten(c)
          + "': the part after ':' must match [A-Za-z0-9_.:/-]{1,128}");
    }
    int dot = head.indexOf('.');
    String domain = dot < 0 ? head : head.substring(0, dot);
    if (!EventTypes.isDomain(domain)) {
      throw new IllegalArgumentException("filter clause '" + shorten(c)
          + "': domain must match [a-z0-9_-]{1,32} (e.g. kv, db, storage, transform, realtime, presence)");
    }
    String type = null;
    if (dot >= 0) {
      if (!EventTypes.isType(head)) {
        throw new IllegalArgumentException("filter clause '" + shorten(c)
            + "': type must be dot-separated [a-z0-9_-] segments, e.g. kv.expired");
      }
      type = head;
    }
    return new Clause(domain, type, narrow, narrow != null && EventTypes.narrowsByChannel(domain));
  }

  /** Whether the event passes this filter. */
  public boolean test(RenEvent e) {
    if (all) {
      return true;
    }
    for (Clause c : clauses) {
      if (c.test(e)) {
        return true;
      }
    }
    return false;
  }

  /** Whether this filter accepts every event. */
  public boolean isAll() {
    return all;
  }

  /** The canonical form: clauses in first-seen order, duplicates removed. */
  @Override
  public String toString() {
    if (all) {
      return "*";
    }
    List<String> parts = new ArrayList<>(clauses.length);
    for (Clause c : clauses) {
      parts.add(c.toString());
    }
    return String.join(",", parts);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RenFilter f && toString().equals(f.toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  private static String shorten(String s) {
    String clean = s.replaceAll("[\\p{Cntrl}]", "?");
    return clean.length() > 64 ? clean.substring(0, 64) + "..." : clean;
  }

  private record Clause(String domain, @Nullable String type, @Nullable String narrow, boolean byChannel) {
    boolean test(RenEvent e) {
      if (!domain.equals(e.r())) {
        return false;
      }
      if (type != null) {
        String t = e.t();
        if (!(t.equals(type) || (t.length() > type.length() && t.startsWith(type) && t.charAt(type.length()) == '.'))) {
          return false;
        }
      }
      if (narrow != null) {
        return narrow.equals(byChannel ? e.ch() : e.ns());
      }
      return true;
    }

    @Override
    public String toString() {
      String head = type != null ? type : domain;
      return narrow == null ? head : head + ":" + narrow;
    }
  }
}
