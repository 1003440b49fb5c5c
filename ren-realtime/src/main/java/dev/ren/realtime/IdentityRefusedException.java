package dev.ren.realtime;

/**
 * Refuses a call that would act as another user: a view of {@link Realtime} bound to an authenticated user
 * ({@link Realtime#as}) publishes, joins, updates and leaves as that user only, and a member joined by an
 * authenticated user is updated or left by that user only. Nothing was changed and nothing emitted. An HTTP
 * binding answers {@code 403}.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public final class IdentityRefusedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** A refusal saying why. */
  public IdentityRefusedException(String message) {
    super(message);
  }
}
