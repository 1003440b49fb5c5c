package dev.ren;

/**
 * A change was applied (committed, stored, written) but its event could not be published, for example because the
 * Redis event log was unreachable. This is REN's one failure contract for that case, the same in every store:
 *
 * <ul>
 *   <li>the store throws this exception after the change is durable, so the caller knows the change happened and
 *       must not blindly retry it (a retried insert would insert twice);</li>
 *   <li>over HTTP the bindings answer {@code 503} with
 *       {@code {"error":"not_published","message":...,"applied":true}};</li>
 *   <li>subscribers may not see the change: a client that must be sure refetches the state.</li>
 * </ul>
 *
 * <p>Stores raise it through {@link RenPublisher#publishApplied}. The {@linkplain #getCause() cause} is the
 * publisher's failure, typically {@link EventLogUnavailableException}.
 *
 * <p>Thread-safety: immutable.
 */
public class AppliedButNotPublishedException extends RuntimeException {

  private final RenEvent event;

  public AppliedButNotPublishedException(RenEvent event, Throwable cause) {
    super("the change was applied but its " + event.t() + " event could not be published: " + cause.getMessage(),
        cause);
    this.event = event;
  }

  /** The event that was not published (it describes the applied change). */
  public RenEvent event() {
    return event;
  }
}
