package dev.ren.realtime;

/**
 * A message payload or presence metadata larger than {@link Realtime.Builder#maxPayloadBytes}. An
 * {@link IllegalArgumentException}, so callers that treat bad input alike need nothing special; the HTTP binding
 * answers it with {@code 413}.
 *
 * <p>Thread-safety: immutable.
 */
public final class PayloadTooLargeException extends IllegalArgumentException {
  private final long size;
  private final long limit;

  public PayloadTooLargeException(String what, long size, long limit) {
    super(what + " is " + size + " bytes of JSON; the limit is " + limit);
    this.size = size;
    this.limit = limit;
  }

  public long size() {
    return size;
  }

  public long limit() {
    return limit;
  }
}
