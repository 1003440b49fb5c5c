package dev.ren.kv;

/**
 * A value given as JSON text ({@link KvNamespace#putJson}) that is not exactly one JSON value: empty, malformed,
 * followed by more content, nested deeper than 100 levels, or holding a number that is not finite (also thrown for
 * a tree holding such a number). Nothing was stored and nothing was published. It is bad input, so it is an
 * {@link IllegalArgumentException}; over HTTP it is {@code 400 invalid_json}.
 *
 * <p>Thread-safety: immutable.
 */
public final class KvInvalidJsonException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** A value refused for the reason {@code message} gives. */
  public KvInvalidJsonException(String message) {
    super(message);
  }

  /** A value refused for the reason {@code message} gives, found by the parser's {@code cause}. */
  public KvInvalidJsonException(String message, Throwable cause) {
    super(message, cause);
  }
}
