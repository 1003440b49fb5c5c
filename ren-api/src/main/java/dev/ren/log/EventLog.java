package dev.ren.log;

import dev.ren.health.Health;
import org.jspecify.annotations.Nullable;

import java.time.Duration;

import java.util.List;

/**
 * The seam under the hub that orders events and gives them ids: in memory by default ({@link MemoryEventLog}),
 * or shared by several nodes (Redis Streams), where the entry id is the SSE event id so a client can resume on
 * any node.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #start} is called once; from then on the log delivers every entry — appended here or by another
 *       node — to the sink, in log order, one call at a time (never concurrently).</li>
 *   <li>{@link #append} records an event. A local log may deliver it to the sink before returning; a remote log
 *       delivers it when its tail reads it back. It throws {@link dev.ren.EventLogUnavailableException} when the
 *       event cannot be recorded, never silently dropping it.</li>
 *   <li>{@link #parse} turns an untrusted {@code Last-Event-ID} into a position, or null when the id is
 *       malformed or belongs to another epoch (a restarted hub, a flushed stream).</li>
 *   <li>{@link #readAfter} serves resumes older (or newer) than what the hub's ring still holds.</li>
 * </ul>
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
public interface EventLog extends AutoCloseable {

  /**
   * Starts delivery to the sink.
   *
   * @return the position after which the sink will receive entries (the log's head at start)
   */
  Position start(Sink sink);

  /**
   * Records an event.
   *
   * @return the id the event was given
   * @throws dev.ren.EventLogUnavailableException if the event could not be recorded
   */
  String append(EncodedEvent event);

  /** The position named by an untrusted event id, or null if malformed, oversized or from another epoch. */
  @Nullable Position parse(String eventId);

  /** The id a position is known by on the wire (the inverse of {@link #parse}). */
  String format(Position position);

  /**
   * Entries strictly after {@code after} and strictly before {@code before} (or up to the log's current end when
   * {@code before} is null), at most {@code max} of them; an empty list when there are none.
   *
   * @return the entries, or null when {@code after} is not a position this log can resume from (older than its
   *     retention, newer than its head, or lost) — the caller then tells the client to reset
   */
  @Nullable List<LogEntry> readAfter(Position after, @Nullable Position before, int max);

  /** A short, human-readable description for logs and {@code ren.meta} (e.g. "memory", "redis"). */
  String describe();

  /**
   * Whether the log can record events now, answered within about {@code timeout} and never by throwing (a remote
   * log that does not answer in time is down). The default, for a log in this process, is up.
   */
  default Health health(Duration timeout) {
    return Health.up(describe());
  }

  @Override
  void close();

  /** Receives entries in log order. */
  @FunctionalInterface
  interface Sink {
    void accept(LogEntry entry);

    /**
     * The log lost entries it can no longer deliver (e.g. a remote stream trimmed them before this node read
     * them). The hub ends every current stream and refuses resumes from before this point, so clients reset
     * instead of living with a silent gap.
     */
    default void gap(String reason) {
    }
  }
}
