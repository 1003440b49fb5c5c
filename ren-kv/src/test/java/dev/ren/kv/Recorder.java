package dev.ren.kv;

import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.RenPublisher;

import java.util.ArrayList;
import java.util.List;

/** A publisher that keeps what it is given, stamping src from the origin the way the hub does. */
final class Recorder implements RenPublisher {
  private final List<RenEvent> events = new ArrayList<>();

  @Override
  public synchronized String publish(RenEvent event) {
    RenEvent e = event.src() == null ? event.withSrc(RenOrigin.current()) : event;
    events.add(e);
    return Integer.toString(events.size());
  }

  synchronized List<RenEvent> events() {
    return List.copyOf(events);
  }

  synchronized List<RenEvent> ofType(String type) {
    return events.stream().filter(e -> e.t().equals(type)).toList();
  }

  synchronized void clear() {
    events.clear();
  }
}
