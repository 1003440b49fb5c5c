package dev.ren;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RenPublisherTest {

  @Test
  void publishApplied_publisherWorks_returnsTheId() {
    RenPublisher p = e -> "42";
    assertEquals("42", p.publishApplied(RenEvent.kvPut("demo", "a", "1")));
  }

  @Test
  void publishApplied_logUnavailable_appliedButNotPublishedWithEventAndCause() {
    EventLogUnavailableException down = new EventLogUnavailableException("redis is down");
    RenPublisher p = e -> {
      throw down;
    };
    RenEvent event = RenEvent.kvPut("demo", "a", "1");
    AppliedButNotPublishedException e =
        assertThrows(AppliedButNotPublishedException.class, () -> p.publishApplied(event));
    assertSame(down, e.getCause());
    assertSame(event, e.event());
    assertEquals("the change was applied but its kv.put event could not be published: redis is down", e.getMessage());
  }

  @Test
  void publishApplied_alreadyWrapped_notWrappedTwice() {
    RenEvent event = RenEvent.kvPut("demo", "a", "1");
    AppliedButNotPublishedException inner = new AppliedButNotPublishedException(event, new IllegalStateException());
    RenPublisher p = e -> {
      throw inner;
    };
    assertSame(inner, assertThrows(AppliedButNotPublishedException.class, () -> p.publishApplied(event)));
  }
}
