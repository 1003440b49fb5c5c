package dev.ren.testing;

import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@link RenPublisher} that records every event it is given, in order, and can be told to fail (to test the
 * "applied but not published" contract). Ids are {@code 1, 2, 3, ...}.
 *
 * <pre>{@code
 * RecordingPublisher events = new RecordingPublisher();
 * KvStore kv = KvStore.inMemory(events);
 * kv.put("demo", "a", value);
 * assertEquals("kv.put", events.last().t());
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class RecordingPublisher implements RenPublisher {

  private final List<RenEvent> events = new ArrayList<>();
  private @Nullable RuntimeException failure;

  @Override
  public synchronized String publish(RenEvent event) {
    RuntimeException f = failure;
    if (f != null) {
      throw f;
    }
    events.add(event);
    notifyAll();
    return Integer.toString(events.size());
  }

  /** From now on every publish throws {@code failure} (null: publishing works again). */
  public synchronized void failWith(@Nullable RuntimeException failure) {
    this.failure = failure;
  }

  /** Every event recorded so far, oldest first. */
  public synchronized List<RenEvent> events() {
    return List.copyOf(events);
  }

  /** The recorded events of type {@code t}. */
  public synchronized List<RenEvent> ofType(String t) {
    return events.stream().filter(e -> e.t().equals(t)).toList();
  }

  /** The newest event; an {@link AssertionError} when there is none. */
  public synchronized RenEvent last() {
    if (events.isEmpty()) {
      throw new AssertionError("no event was published");
    }
    return events.get(events.size() - 1);
  }

  /** Every event recorded so far, and forgets them. */
  public synchronized List<RenEvent> drain() {
    List<RenEvent> out = List.copyOf(events);
    events.clear();
    return out;
  }

  /** Number of events recorded. */
  public synchronized int size() {
    return events.size();
  }

  /**
   * Waits until an event matching {@code p} was recorded (for events published on another thread, such as
   * expiry or transform progress) and returns the first such event.
   *
   * @throws AssertionError if none arrives within {@code timeout}
   */
  public synchronized RenEvent await(Predicate<RenEvent> p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (RenEvent e : events) {
        if (p.test(e)) {
          return e;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching event within " + timeout + "; recorded: " + events);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }
}
