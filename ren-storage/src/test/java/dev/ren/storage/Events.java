package dev.ren.storage;

import dev.ren.RenEvent;
import dev.ren.RenPublisher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A recording publisher for store tests: events in publish order, with waits that have a deadline. */
final class Events implements RenPublisher {
  final BlockingQueue<RenEvent> queue = new LinkedBlockingQueue<>();
  private final AtomicLong ids = new AtomicLong();

  @Override
  public String publish(RenEvent event) {
    queue.add(event);
    return Long.toString(ids.incrementAndGet());
  }

  RenEvent next(Duration timeout) throws InterruptedException {
    RenEvent e = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (e == null) {
      throw new AssertionError("no event within " + timeout);
    }
    return e;
  }

  List<RenEvent> drain() {
    List<RenEvent> out = new ArrayList<>();
    queue.drainTo(out);
    return out;
  }
}
