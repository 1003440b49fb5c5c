package dev.ren.access;

/**
 * The one decision consulted for every operation a client can cause: KV, documents, blobs, transforms, realtime,
 * presence, and every event a stream delivers, live and replayed. A refused operation changes nothing and emits no
 * event; over HTTP it is a {@code 401} for an anonymous caller and a {@code 403} for an authenticated one.
 *
 * <p>Tenants are not the policy's business: a caller only ever reaches its own tenant's data and events, whatever
 * the policy says. The policy decides within the tenant.
 *
 * <pre>{@code
 * AccessPolicy policy = AccessRules.builder()
 *     .read("kv", "todos", "reader", "writer")   // domain, namespace pattern, roles
 *     .write("kv", "todos", "writer")
 *     .owned("db", "notes")                      // a document is readable and writable by its owner only
 *     .readWrite("db", "notes", AccessRules.AUTHENTICATED)
 *     .admin("admin")
 *     .build();
 * }</pre>
 *
 * <p>An application with rules of its own implements this interface (a lambda will do), consulting its own data.
 *
 * <p>Thread-safety: implementations must be thread-safe and should not block: the stream asks for every event.
 */
@FunctionalInterface
public interface AccessPolicy {

  /** Whether {@code caller} may perform {@code operation} on {@code resource}. */
  boolean allows(RenCaller caller, RenOperation operation, RenResource resource);

  /**
   * Everything is allowed to everyone. Only for a deployment that chose to run open (a demo, a trusted network):
   * an installer of REN's bindings logs a warning when it is used.
   */
  static AccessPolicy open() {
    return OpenPolicy.INSTANCE;
  }

  /** Whether this is {@link #open()}. */
  default boolean isOpen() {
    return false;
  }
}
