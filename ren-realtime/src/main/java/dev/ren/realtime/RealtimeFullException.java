package dev.ren.realtime;

/**
 * A bound on what {@link Realtime} holds for its clients was reached: too many live channels, presence members in
 * total or on one channel, or presence metadata bytes. The change was refused and nothing was applied or emitted;
 * it may succeed once channels go idle or members leave. History never raises it: history is a cache that drops its
 * oldest messages instead. The HTTP binding answers it with {@code 507}.
 *
 * <p>Thread-safety: immutable.
 */
public final class RealtimeFullException extends RuntimeException {
  private final String setting;
  private final long limit;

  /**
   * @param setting the {@link Realtime.Builder} setting whose bound was reached, e.g. {@code maxChannels}
   * @param limit   its value
   */
  public RealtimeFullException(String setting, long limit, String message) {
    super(message + " (" + setting + " = " + limit + ")");
    this.setting = setting;
    this.limit = limit;
  }

  /** The {@link Realtime.Builder} setting whose bound was reached, e.g. {@code maxChannels}. */
  public String setting() {
    return setting;
  }

  /** The value of that setting. */
  public long limit() {
    return limit;
  }
}
