package dev.ren.db;

/**
 * An insert named an {@code _id} that is already taken in the collection; nothing was written.
 *
 * <p>Thread-safety: immutable.
 */
public final class DuplicateIdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DuplicateIdException(String collection, String id) {
    super("a document with _id '" + id + "' already exists in '" + collection + "'");
  }
}
