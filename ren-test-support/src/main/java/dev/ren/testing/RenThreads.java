package dev.ren.testing;

import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The threads REN starts, told apart from the container's and the test's by name: every REN thread is named
 * {@code ren-...} (writer pool, heartbeat, hub dispatcher, KV expiry, realtime expiry, transform workers); H2's
 * own threads ({@code MVStore background writer ...}, {@code H2 ...}) belong to the document store that opened it.
 *
 * <p>Thread-safety: use from one test thread.
 */
public final class RenThreads {

  private final Set<Thread> before = Collections.newSetFromMap(new IdentityHashMap<>());

  private RenThreads() {
    before.addAll(Thread.getAllStackTraces().keySet());
  }

  /** Remembers the threads alive now; only threads started later count. */
  public static RenThreads snapshot() {
    return new RenThreads();
  }

  /** Live REN threads started since the snapshot. */
  public List<String> started() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !before.contains(t) && isRen(t.getName()))
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }

  /**
   * Live threads started since the snapshot whose context class loader is {@code loader} (a web application's):
   * whatever their name, something in the application started them.
   */
  public List<String> startedWith(ClassLoader loader) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !before.contains(t) && t.getContextClassLoader() == loader)
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }

  public static boolean isRen(String name) {
    return name.startsWith("ren-") || name.startsWith("MVStore") || name.startsWith("H2 ");
  }

  /** Waits until every REN thread started since the snapshot has ended; the survivors are in the failure. */
  public void awaitNoneLeft(Duration timeout) {
    try {
      Waits.atMost(timeout).until(() -> started().isEmpty());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("REN threads still alive after " + timeout + ": " + started(), e);
    }
  }
}
