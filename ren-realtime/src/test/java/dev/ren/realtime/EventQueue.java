package dev.ren.realtime;

import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Collects every event of a hub through an in-process listener. Absence is asserted without sleeping: a marker
 * event is published and everything delivered before it is returned (the hub delivers in publish order).
 */
final class EventQueue implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(10);
  private static final String MARKER = "test.marker";

  private final RenHub hub;
  private final BlockingQueue<RenEvent> queue = new LinkedBlockingQueue<>();
  private final AutoCloseable handle;

  EventQueue(RenHub hub) {
    this.hub = hub;
    this.handle = hub.listen(RenFilter.all(), (id, e) -> queue.add(e));
  }

  RenEvent next() throws InterruptedException {
    RenEvent e = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (e == null) {
      throw new AssertionError("no event within " + WAIT);
    }
    return e;
  }

  RenEvent next(String type) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      RenEvent e = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("no " + type + " event within " + WAIT);
      }
      if (e.t().equals(type)) {
        return e;
      }
    }
  }

  /** Every event published before now (that is not yet taken), in order. */
  List<RenEvent> drainPublished() throws InterruptedException {
    hub.publish(RenEvent.builder(MARKER).build());
    List<RenEvent> list = new ArrayList<>();
    while (true) {
      RenEvent e = next();
      if (e.t().equals(MARKER)) {
        return list;
      }
      list.add(e);
    }
  }

  @Override
  public void close() throws Exception {
    handle.close();
  }
}
