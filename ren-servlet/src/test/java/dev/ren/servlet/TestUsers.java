package dev.ren.servlet;

import dev.ren.access.RenCaller;
import dev.ren.servlet.security.InvalidCredentialsException;
import dev.ren.servlet.security.RenAuthenticator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The users of the stream-security tests, and a {@link RenAuthenticator} that stands in for the host's login: the
 * header {@value #HEADER} names a known user (a real application would check a password or a session; the point
 * here is the caller the stream gets, not the login). An unknown name is invalid credentials, never anonymous.
 */
final class TestUsers {

  static final String HEADER = "X-Test-User";

  /** Reader in tenant a. */
  static final RenCaller ALICE = RenCaller.user("alice", java.util.Set.of("reader"), "a");
  /** Reader in tenant a, another user than alice. */
  static final RenCaller CAROL = RenCaller.user("carol", java.util.Set.of("reader"), "a");
  /** Reader in tenant b. */
  static final RenCaller BOB = RenCaller.user("bob", java.util.Set.of("reader"), "b");
  /** Reader in the default tenant. */
  static final RenCaller DAVE = RenCaller.user("dave", java.util.Set.of("reader"), null);
  /** Administrator in tenant a. */
  static final RenCaller ROOT = RenCaller.user("root", java.util.Set.of("admin"), "a");

  private static final Map<String, RenCaller> ALL = new LinkedHashMap<>();

  static {
    for (RenCaller c : new RenCaller[] {ALICE, CAROL, BOB, DAVE, ROOT}) {
      ALL.put(c.user(), c);
    }
  }

  private TestUsers() {}

  /** The user named by {@value #HEADER}; null without the header; unknown names are a 401. */
  static RenAuthenticator byHeader() {
    return request -> {
      String name = request.getHeader(HEADER);
      if (name == null) {
        return null;
      }
      RenCaller c = ALL.get(name);
      if (c == null) {
        throw new InvalidCredentialsException("unknown user");
      }
      return c;
    };
  }

  /** The request header that logs in as {@code user} (null: anonymous, no header). */
  static Map<String, String> as(RenCaller user) {
    return user == null ? Map.of() : Map.of(HEADER, user.user());
  }
}
