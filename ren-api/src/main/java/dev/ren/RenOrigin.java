package dev.ren;

import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.util.regex.Pattern;

/**
 * Which client caused the work running on this thread: the HTTP layer opens a scope with the request's
 * {@code X-Ren-Client}, and the publisher stamps that id as {@code src} on every event published inside it.
 *
 * <pre>{@code
 * try (RenOrigin.Scope scope = RenOrigin.open(clientId)) {
 *   kv.namespace("demo").put("todo:1", value);   // kv.put carries src = clientId
 * }
 * }</pre>
 *
 * <p>Client ids are labels, not credentials: a forged id can at worst mislabel {@code src}.
 *
 * <p>Thread-safety: the origin is per thread; scopes must be closed on the thread that opened them.
 */
public final class RenOrigin {

  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final ThreadLocal<@Nullable String> CURRENT = new ThreadLocal<>();

  private RenOrigin() {}

  /** The client id of the current scope, or null outside any scope. */
  public static @Nullable String current() {
    return CURRENT.get();
  }

  /**
   * Opens a scope in which {@link #current()} returns {@code clientId}; closing restores the previous value.
   *
   * @throws IllegalArgumentException if the id is not {@code [A-Za-z0-9_-]{1,64}}
   */
  public static Scope open(@Nullable String clientId) {
    if (clientId != null) {
      checkClientId(clientId);
    }
    String previous = CURRENT.get();
    CURRENT.set(clientId);
    return new Scope(previous);
  }

  /** Whether {@code id} is a valid client id: {@code [A-Za-z0-9_-]{1,64}}. */
  public static boolean isValidClientId(@Nullable String id) {
    return id != null && id.length() <= 64 && CLIENT_ID.matcher(id).matches();
  }

  /** Throws unless {@code id} is a valid client id. */
  public static String checkClientId(String id) {
    if (!isValidClientId(id)) {
      throw new IllegalArgumentException("client id '" + Printable.of(String.valueOf(id))
          + "' must match [A-Za-z0-9_-]{1,64}");
    }
    return id;
  }

  /** A scope opened by {@link #open}; close it in a finally block (try-with-resources). */
  public static final class Scope implements AutoCloseable {
    private final @Nullable String previous;
    private boolean closed;

    private Scope(@Nullable String previous) {
      this.previous = previous;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        if (previous == null) {
          CURRENT.remove();
        } else {
          CURRENT.set(previous);
        }
      }
    }
  }
}
