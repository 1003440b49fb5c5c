package dev.ren;

/**
 * What backends depend on to announce a change. Called after the mutation is durable (after commit).
 *
 * <p>Implementations never block on a client: a slow or dead subscriber cannot slow a publisher. An
 * implementation backed by a remote log (Redis) may throw {@link EventLogUnavailableException} when the log
 * cannot be reached; the in-process hub never throws for that reason.
 *
 * <p><b>Applied but not published.</b> A store that applied a change and then fails to publish its event does not
 * swallow the failure and does not pretend the change failed: it calls {@link #publishApplied}, which throws
 * {@link AppliedButNotPublishedException}. Every REN store does this, and every HTTP binding answers it with
 * {@code 503} and {@code "applied":true}.
 *
 * <p>When the event carries no {@code src}, the publisher stamps it from {@link RenOrigin#current()}, so
 * backends never need to know about HTTP. System-caused events (expiry, transform progress) run on threads
 * without an origin and therefore carry none.
 *
 * <p>Thread-safety: implementations are thread-safe.
 */
@FunctionalInterface
public interface RenPublisher {

  /**
   * Publishes the event.
   *
   * @return the opaque event id assigned to it (the SSE {@code id:}), as far as the implementation knows it
   *     at return
   * @throws EventLogUnavailableException if the event could not be recorded
   */
  String publish(RenEvent event);

  /**
   * Publishes the event of a change that was already applied: any failure to publish becomes an
   * {@link AppliedButNotPublishedException}, the one way REN reports that case.
   *
   * @return the event id, as {@link #publish}
   * @throws AppliedButNotPublishedException if the event could not be published
   */
  default String publishApplied(RenEvent event) {
    try {
      return publish(event);
    } catch (AppliedButNotPublishedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new AppliedButNotPublishedException(event, e);
    }
  }
}
