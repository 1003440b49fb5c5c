package dev.ren.hub;

import java.util.Locale;

/**
 * Why an SSE stream ended, as a closed set for counting ({@link HubStats#streamsClosed(StreamCloseReason)}). Every
 * way a stream of {@code RenServlet} can end maps to exactly one of these.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum StreamCloseReason {
  /** The client went away: it closed the connection, or a write to it failed. */
  CLIENT,
  /**
   * The client read too slowly: more than the unsent-bytes limit was waiting for it, or the hub's ring overwrote
   * events it had not read yet. It resumes (or is told to reset) when it reconnects.
   */
  SLOW_CONSUMER,
  /**
   * Refused at open, with {@code retry:}: the endpoint's stream limit or the caller's was reached. Such a stream is
   * counted as opened and closed at once.
   */
  MAX_STREAMS,
  /** The stream token (or other expiring credential) that opened it expired; ended with {@code retry:}. */
  TOKEN_EXPIRED,
  /** The user's streams were revoked ({@code RenSecurity.revoke}); ended with {@code retry:}. */
  REVOKED,
  /** The event log lost entries (a trimmed or flushed Redis stream); the client resets when it reconnects. */
  LOG_GAP,
  /** The endpoint shut down (graceful shutdown or servlet destroy); ended with {@code retry:} when it could be. */
  SHUTDOWN,
  /** An internal failure (the writer pool refused work, the subscription could not be opened). */
  ERROR;

  /** The lowercase name, as used for a metric tag: {@code client}, {@code slow_consumer}, ... */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
