package dev.ren.transform;

import java.util.Locale;

/**
 * Where a transform job is; {@link #wire()} is the lowercase name used over HTTP.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum JobStatus {
  PENDING, RUNNING, COMPLETE, FAILED;

  /** {@code pending|running|complete|failed}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isFinished() {
    return this == COMPLETE || this == FAILED;
  }
}
