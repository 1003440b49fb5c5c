package dev.ren.transform;

import java.util.concurrent.Semaphore;

/**
 * The heap that decoded images may take at once, shared by every job of one service: a job reserves its estimate
 * (decoded source plus output rasters) before it decodes anything and returns it when done, so however many
 * workers run, images never hold more than {@link #total()} bytes. A job whose estimate alone is over the total
 * is refused; others wait for room.
 *
 * <p>Thread-safety: thread-safe.
 */
final class RasterBudget {

  /** Permits are KiB, so an int covers 2 TiB. */
  private static final int UNIT = 1024;

  private final long total;
  private final Semaphore permits;

  RasterBudget(long totalBytes) {
    if (totalBytes < UNIT) {
      throw new IllegalArgumentException("raster budget must be >= " + UNIT + " bytes, was " + totalBytes);
    }
    this.total = Math.min(totalBytes, (long) Integer.MAX_VALUE * UNIT);
    this.permits = new Semaphore((int) (total / UNIT), true);
  }

  /** A quarter of the heap this JVM may grow to. */
  static long defaultBytes() {
    return Math.max(UNIT, Runtime.getRuntime().maxMemory() / 4);
  }

  long total() {
    return total;
  }

  /**
   * Reserves {@code bytes}, waiting for room; returns the permits to pass to {@link #release}.
   *
   * @throws IllegalArgumentException when {@code bytes} is over the total (it could never fit)
   * @throws InterruptedException     when interrupted while waiting
   */
  int acquire(long bytes) throws InterruptedException {
    if (bytes > total) {
      throw new IllegalArgumentException(bytes + " bytes is over the total of " + total);
    }
    int n = (int) Math.max(1, (bytes + UNIT - 1) / UNIT);
    permits.acquire(n);
    return n;
  }

  void release(int reserved) {
    permits.release(reserved);
  }
}
