package dev.ren.spring.boot.autoconfigure;

import dev.ren.hub.RenHub;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The Actuator health contributor {@code ren}: the hub is running, its event log can record events (for the Redis
 * log a {@code PING} answered in time), and every REN store bean can serve (the document store's database answers a
 * query, the blob directory is there and writable, the KV backend answers). {@code UP} when all are; {@code DOWN}
 * naming the part that is not, one detail per part:
 *
 * <pre>{@code
 * "ren": {"status": "UP", "details": {
 *   "hub": {"status": "UP", "description": "hub 1x2y3z running, 2 subscriptions"},
 *   "log": {"status": "UP", "description": "redis 127.0.0.1:6379/0: PONG in 1 ms"},
 *   "kv":  {"status": "UP", "description": "..."}, "documents": {...}, "blobs": {...}}}
 * }</pre>
 *
 * <p>Each part answers within about {@code ren.health-timeout} and never throws (REN's {@code health(timeout)}
 * methods), so a probe is never held by a Redis or a database that does not answer.
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
public final class RenHealthIndicator implements HealthIndicator {

  /** One part of the check: a name and REN's bounded health method. */
  record Part(String name, Function<Duration, dev.ren.health.Health> check) {}

  private final List<Part> parts;
  private final Duration timeout;

  RenHealthIndicator(RenHub hub, List<Part> stores, Duration timeout) {
    Objects.requireNonNull(hub, "hub");
    List<Part> all = new ArrayList<>();
    all.add(new Part("hub", t -> hub.isClosed() ? dev.ren.health.Health.down("hub " + hub.nodeId() + " is closed")
        : dev.ren.health.Health.up("hub " + hub.nodeId() + " running, " + hub.subscriberCount() + " subscriptions")));
    all.add(new Part("log", t -> hub.log().health(t)));
    all.addAll(stores);
    this.parts = List.copyOf(all);
    this.timeout = timeout;
  }

  @Override
  public Health health() {
    boolean up = true;
    Map<String, Object> details = new LinkedHashMap<>();
    for (Part p : parts) {
      dev.ren.health.Health h;
      try {
        h = p.check().apply(timeout);
      } catch (RuntimeException e) {
        h = dev.ren.health.Health.down(p.name() + " check failed: " + e);
      }
      up &= h.isUp();
      details.put(p.name(), Map.of("status", h.status().name(), "description", h.description()));
    }
    return (up ? Health.up() : Health.down()).withDetails(details).build();
  }

  @Override
  public String toString() {
    return "RenHealthIndicator" + parts.stream().map(Part::name).toList();
  }
}
