package dev.ren;

/**
 * What backends depend on to announce a change. Called after the mutation is durable (after commit).
 *
 * <p>Implementations never block on a client: a slow or dead subscriber cannot slow a publisher. An
 * implementation backed by a remote log (Redis) may throw {@link EventLogUnavailableException} when the log
 * cannot be reached, so the caller decides what a lost notification means; the in-process hub never throws
 * for that reason.
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
}
