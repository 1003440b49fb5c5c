package dev.ren.db;

/**
 * A bound on what a {@link DocumentStore} holds was reached: a write would have created one collection more than
 * {@link DocumentStore.Builder#maxCollections} allows. The write was refused before anything was written, so nothing
 * changed and no event was published; it may succeed once a collection is emptied (a collection exists while it
 * holds a document or an index). The HTTP binding answers it with {@code 507 insufficient_storage}, naming the
 * setting.
 *
 * <p>Thread-safety: immutable.
 */
public final class DocumentStoreFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String setting;
  private final long limit;

  /**
   * @param setting the {@link DocumentStore.Builder} setting whose bound was reached, e.g. {@code maxCollections}
   * @param limit   its value
   * @param message what was refused
   */
  public DocumentStoreFullException(String setting, long limit, String message) {
    super(message + " (" + setting + " = " + limit + ")");
    this.setting = setting;
    this.limit = limit;
  }

  /** The {@link DocumentStore.Builder} setting whose bound was reached, e.g. {@code maxCollections}. */
  public String setting() {
    return setting;
  }

  /** The value of that setting. */
  public long limit() {
    return limit;
  }
}
