package dev.ren.db;

import dev.ren.testing.TestJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;

import java.util.ArrayList;
import java.util.List;

/** A publisher that records events synchronously (the store publishes before a write returns). */
final class Recorder implements RenPublisher {
  private final List<RenEvent> events = new ArrayList<>();

  @Override
  public synchronized String publish(RenEvent event) {
    events.add(event);
    return Integer.toString(events.size());
  }

  synchronized List<RenEvent> events() {
    return List.copyOf(events);
  }

  synchronized List<RenEvent> drain() {
    List<RenEvent> out = List.copyOf(events);
    events.clear();
    return out;
  }

  static ObjectNode obj(String json) {
    return (ObjectNode) node(json);
  }

  static JsonNode node(String json) {
    try {
      return TestJson.parse(json.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(json, e);
    }
  }
}
