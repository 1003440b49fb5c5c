package dev.ren.spring.boot.autoconfigure;

/**
 * A REN setting that cannot work, found at startup: the application does not start, and Spring Boot's failure
 * report shows {@link #getMessage() what is wrong} and {@link #action() what to do}
 * ({@link RenStartupFailureAnalyzer}).
 *
 * <p>Thread-safety: immutable.
 */
public final class RenStartupException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String action;

  RenStartupException(String description, String action) {
    super(description + ". " + action);
    this.action = action;
  }

  /** What to change so the application starts. */
  public String action() {
    return action;
  }

  /** What is wrong, without the action. */
  public String description() {
    String m = String.valueOf(getMessage());
    int cut = m.length() - action.length() - 2;
    return cut > 0 ? m.substring(0, cut) : m;
  }
}
