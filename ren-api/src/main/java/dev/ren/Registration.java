package dev.ren;

/**
 * A handle on something registered (a listener, a subscription): {@link #close()} undoes the registration. Close is
 * idempotent and never throws, so callers need no {@code catch (Exception e)} around it.
 *
 * <pre>{@code
 * try (Registration r = hub.listen(RenFilter.parse("kv"), (id, e) -> System.out.println(e))) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safety: implementations are thread-safe; close may be called from any thread, any number of times.
 */
@FunctionalInterface
public interface Registration extends AutoCloseable {

  /** Undoes the registration; later calls do nothing. */
  @Override
  void close();
}
