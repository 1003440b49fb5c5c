package dev.ren.transform;

/**
 * A transform failed for a reason retrying cannot fix (unsupported format, an image over the pixel limit,
 * corrupt input). {@link java.io.IOException}s from a {@link Transformer} are instead treated as transient and
 * retried.
 *
 * <p>Thread-safety: immutable.
 */
public class TransformException extends RuntimeException {
  public TransformException(String message) {
    super(message);
  }

  public TransformException(String message, Throwable cause) {
    super(message, cause);
  }
}
