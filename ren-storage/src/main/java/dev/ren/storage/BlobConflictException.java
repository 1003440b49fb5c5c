package dev.ren.storage;

/**
 * A conditional write ({@link PutOptions#ifMatch}) found a different version: nothing was stored. Also thrown
 * when a key cannot exist beside another one (a filesystem cannot hold both {@code a} and {@code a/b}).
 *
 * <p>Thread-safety: immutable.
 */
public final class BlobConflictException extends RuntimeException {
  public BlobConflictException(String message) {
    super(message);
  }
}
