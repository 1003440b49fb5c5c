package dev.ren.redis;

import dev.ren.EventLogUnavailableException;
import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import dev.ren.testing.Waits;
import org.awaitility.core.ConditionTimeoutException;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Test nodes: hubs on {@link RedisEventLog}s sharing one prefix, and collectors with deadlines. */
final class Nodes implements AutoCloseable {

  final URI redis;
  final String prefix = "ren-test-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<AutoCloseable> open = new ArrayList<>();

  Nodes(URI redis) {
    this.redis = redis;
  }

  RenHub node(long retention) {
    RedisEventLog log = RedisEventLog.builder(redis).streamPrefix(prefix).retention(retention)
        .commandTimeout(Duration.ofSeconds(2)).maxReconnectBackoff(Duration.ofMillis(200)).build();
    RenHub hub = RenHub.builder().log(log).build();
    open.add(hub);
    return hub;
  }

  RenHub node() {
    return node(100_000);
  }

  /** A node whose hub holds only {@code capacity} events, so older resumes are served from the Redis log. */
  RenHub smallNode(int capacity) {
    RedisEventLog log = RedisEventLog.builder(redis).streamPrefix(prefix).retention(100_000)
        .commandTimeout(Duration.ofSeconds(2)).maxReconnectBackoff(Duration.ofMillis(200)).build();
    RenHub hub = RenHub.builder().log(log).capacity(capacity).build();
    open.add(hub);
    return hub;
  }

  /** An in-process listener that records (id, event) pairs. */
  Collector listen(RenHub hub) {
    Collector c = new Collector();
    open.add(hub.listen(RenFilter.all(), (id, e) -> c.queue.add(new Got(id, e))));
    return c;
  }

  /** A subscription as an SSE connection would open it, drained by polling. */
  Resumed resume(RenHub hub, String lastEventId) {
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(lastEventId), () -> {});
    open.add(s);
    return new Resumed(s);
  }

  /** Names of the live threads of logs with this stream prefix (they are named {@code ren-redis-<prefix>-...}). */
  static List<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("ren-redis-" + prefix + "-"))
        .sorted()
        .toList();
  }

  /**
   * Publishes, retrying (as a caller would) while the log reports Redis unavailable: after a real Redis restart it
   * reconnects with a short backoff. Fails after {@link Waits#DEFAULT}.
   */
  static String publishUntilAccepted(RenHub hub, RenEvent e) {
    AtomicReference<String> id = new AtomicReference<>();
    Waits.until(() -> {
      try {
        id.set(hub.publish(e));
        return true;
      } catch (EventLogUnavailableException ex) {
        return false;
      }
    });
    return id.get();
  }

  static RenEvent event(int i) {
    return RenEvent.kvPut("demo", "k" + i, Integer.toString(i));
  }

  @Override
  public void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  record Got(String id, RenEvent event) {}

  static final class Collector {
    final BlockingQueue<Got> queue = new LinkedBlockingQueue<>();
    final List<Got> got = new ArrayList<>();

    /** Waits (10 s at most) until {@code n} events in total were received. */
    List<Got> await(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (got.size() < n) {
        Got g = queue.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (g == null) {
          fail("received " + got.size() + " of " + n + " events: " + got);
        }
        got.add(g);
      }
      return got;
    }

    /** Fails if anything beyond what was awaited arrives within {@code millis}. */
    void assertNoMore(long millis) throws InterruptedException {
      Got extra = queue.poll(millis, TimeUnit.MILLISECONDS);
      if (extra != null) {
        fail("unexpected extra event " + extra + " after " + got.size());
      }
    }

    List<String> ids() {
      return got.stream().map(Got::id).toList();
    }
  }

  static final class Resumed {
    final Subscription sub;
    final List<Got> got = new ArrayList<>();

    Resumed(Subscription sub) {
      this.sub = sub;
    }

    /** Polls, like a connection woken by onAvailable, until {@code n} events arrived (10 s at most). */
    List<Got> await(int n) {
      try {
        // polled on this thread: `got` and the subscription are the caller's
        Waits.atMost(Waits.DEFAULT).pollInSameThread().until(() -> {
          Subscription.PollResult r = sub.poll((id, e, frame) -> {
            got.add(new Got(id, e));
            return true;
          });
          assertEquals(Subscription.PollResult.DRAINED, r);
          return got.size() >= n;
        });
      } catch (ConditionTimeoutException ex) {
        fail("received " + got.size() + " of " + n + " events: " + got);
      }
      return got;
    }
  }
}
