package dev.ren.hub;

import dev.ren.Registration;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

/**
 * One reader of the hub: a cursor into the shared ring plus its filter and access check. Obtained from
 * {@link RenHub#subscribe}; the hub calls the subscription's {@code onAvailable} callback when events may be
 * waiting, and the owner then {@link #poll polls} them on a thread of its choice.
 *
 * <p>A subscription holds no copy of the events: a reader that stalls costs nothing but its cursor. When the ring
 * overwrites events the reader has not read, {@link #poll} reports {@link PollResult#OVERRUN}; the owner closes
 * the stream and the client resumes (or is told to reset) on reconnect.
 *
 * <p>Thread-safety: {@link #poll} must not be called concurrently with itself (one reader per subscription);
 * {@link #close}, {@link #isClosed} and {@link #lagBytes} may be called from any thread.
 */
public interface Subscription extends Registration {

  /** True when the requested resume point was not available and the subscription starts live instead. */
  boolean reset();

  /** The id of the position this subscription starts after; send it with {@code ren.meta} as its {@code id:}. */
  String startId();

  /** The client id given at subscribe time, or null. */
  @Nullable String clientId();

  /**
   * Hands matching events after the cursor to the visitor, in log order, until none is left or the visitor asks to
   * stop. Each event handed over is consumed.
   */
  PollResult poll(Visitor visitor);

  /**
   * Whether this subscription was ended by a gap in the event log (entries lost before this node read them) rather
   * than by falling behind the ring; either way {@link #poll} reports {@link PollResult#OVERRUN}.
   */
  default boolean gapped() {
    return false;
  }

  /** An upper bound of the bytes published after this subscription's cursor (not yet read). */
  long lagBytes();

  /** Whether events may be waiting after the cursor. */
  boolean hasMore();

  /** Removes the subscription from the hub. Idempotent. */
  @Override
  void close();

  boolean isClosed();

  /** Receives events from {@link #poll}. */
  @FunctionalInterface
  interface Visitor {
    /**
     * @param id    the event id
     * @param event the event
     * @param frame its complete SSE frame (shared: never modify)
     * @return true to continue, false to stop after this event
     */
    boolean accept(String id, RenEvent event, byte[] frame);
  }

  /** The outcome of a {@link #poll}. */
  enum PollResult {
    /** Nothing is left after the cursor. */
    DRAINED,
    /** The visitor asked to stop; more may be waiting. */
    STOPPED,
    /** The ring overwrote events this subscription had not read; it cannot continue without a gap. */
    OVERRUN,
    /** The subscription is closed. */
    CLOSED
  }
}
