package dev.ren.hub;

import dev.ren.RenEvent;
import dev.ren.health.Health;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubHealthTest {

  @Test
  void health_runningHubOnMemoryLog_isUpNamingTheLog() {
    try (RenHub hub = RenHub.builder().nodeId("n1").build()) {
      Health h = hub.health(Duration.ofSeconds(1));
      assertTrue(h.isUp(), h.description());
      assertTrue(h.description().contains("n1") && h.description().contains("memory"), h.description());
    }
  }

  @Test
  void health_closedHub_isDown() {
    RenHub hub = RenHub.create();
    hub.close();
    Health h = hub.health(Duration.ofSeconds(1));
    assertFalse(h.isUp());
    assertEquals(Health.Status.DOWN, h.status());
  }

  @Test
  void stats_publishWithoutSubscribers_countsPublishedAndAppendsButNoDelivery() {
    try (RenHub hub = RenHub.create()) {
      hub.publish(RenEvent.kvPut("a", "k", "1"));
      hub.publish(RenEvent.builder("presence.join").channel("room").userId("u").build());
      HubStats.Snapshot s = hub.stats().snapshot();
      assertEquals(1, s.eventsPublished().get(EventDomain.KV));
      assertEquals(1, s.eventsPublished().get(EventDomain.PRESENCE));
      assertEquals(2, s.logAppends());
      assertEquals(0, s.eventsDelivered());
      assertEquals(0, s.streamsActive());
    }
  }
}
