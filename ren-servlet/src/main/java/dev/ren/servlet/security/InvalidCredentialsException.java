package dev.ren.servlet.security;

/**
 * Credentials were presented and do not hold: a bad signature, an expired token, an unknown user or a wrong
 * password. Answered as {@code 401 invalid_credentials}; the message is shown to the client, so it says what is
 * wrong without echoing the secret.
 *
 * <p>Thread-safety: immutable.
 */
public final class InvalidCredentialsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidCredentialsException(String message) {
    super(message);
  }

  public InvalidCredentialsException(String message, Throwable cause) {
    super(message, cause);
  }
}
