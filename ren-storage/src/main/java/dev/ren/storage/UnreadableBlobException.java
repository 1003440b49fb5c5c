package dev.ren.storage;

import dev.ren.internal.Printable;

import java.io.IOException;

/**
 * A stored object's file is damaged or was not written by this store (bad footer or trailer). The message
 * names the key and the defect, never a filesystem path. A listing skips such an object (and logs it); reading
 * it fails with this exception.
 *
 * <p>Thread-safety: immutable.
 */
public final class UnreadableBlobException extends IOException {

  private final String key;

  UnreadableBlobException(String key, String defect) {
    super("object '" + Printable.of(key) + "' is unreadable: " + defect);
    this.key = key;
  }

  /** The key of the damaged object. */
  public String key() {
    return key;
  }
}
