package dev.ren.db;

/**
 * A write lost a race: the document changed since the caller read it (its revision is not the expected one),
 * or concurrent writers kept winning until the retries ran out. Nothing was written; read again and retry.
 *
 * <p>Thread-safety: immutable.
 */
public final class RevisionConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String collection;
  private final String id;
  private final long expected;
  private final long actual;

  public RevisionConflictException(String collection, String id, long expected, long actual) {
    super("document '" + id + "' in '" + collection + "' is at revision " + actual + ", expected " + expected);
    this.collection = collection;
    this.id = id;
    this.expected = expected;
    this.actual = actual;
  }

  public RevisionConflictException(String collection, String message) {
    super(message);
    this.collection = collection;
    this.id = "";
    this.expected = -1;
    this.actual = -1;
  }

  public String collection() { return collection; }
  public String id() { return id; }
  /** The revision the writer expected, or -1 when the conflict came from exhausted retries. */
  public long expected() { return expected; }
  /** The revision found, or -1 when unknown. */
  public long actual() { return actual; }
}
