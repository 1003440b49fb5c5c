package dev.ren.kv;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The "applied but not published" contract: the change stands, the caller (if any) is told. */
class KvStoreFailureTest {

  private final RecordingPublisher rec = new RecordingPublisher();
  private final FakeTime time = new FakeTime();
  private final KvStore store = KvStore.builder(rec).ticker(time).scheduler(time).executor(Runnable::run).build();
  private final KvNamespace ns = store.namespace("demo");
  private final EventLogUnavailableException down = new EventLogUnavailableException("event log unreachable");

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void put_publishFails_throwsAppliedButNotPublished_valueStored() {
    ns.put("k", "old");
    rec.failWith(down);

    AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
        () -> ns.put("k", "new"));

    assertSame(down, e.getCause());
    assertEquals(EventTypes.KV_PUT, e.event().t());
    assertEquals("demo", e.event().ns());
    assertEquals("k", e.event().k());
    KvEntry stored = ns.get("k").orElseThrow();
    assertEquals("new", stored.stringValue());
    assertEquals(Long.toString(stored.version()), e.event().v(), "the event describes the applied version");
  }

  @Test
  void putWithTtl_publishFails_throwsAppliedButNotPublished_valueStored() {
    rec.failWith(down);

    assertThrows(AppliedButNotPublishedException.class, () -> ns.put("session", "t", Duration.ofMinutes(5)));

    assertEquals("t", ns.getString("session").orElseThrow());
  }

  @Test
  void delete_publishFails_throwsAppliedButNotPublished_keyRemoved() {
    ns.put("k", "v");
    rec.failWith(down);

    AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
        () -> ns.delete("k"));

    assertSame(down, e.getCause());
    assertEquals(EventTypes.KV_DELETE, e.event().t());
    assertEquals("k", e.event().k());
    assertTrue(ns.get("k").isEmpty());
    rec.failWith(null);
    assertFalse(ns.delete("k"), "the key was removed by the delete that threw");
  }

  @Test
  void deleteOfAbsentKey_publishFails_falseWithoutPublishing() {
    rec.failWith(down);

    assertFalse(ns.delete("absent"));
  }

  @Test
  void expiry_publishFails_loggedAtWarningNotThrown_entryGone() {
    ns.put("session", "t", Duration.ofSeconds(1));
    rec.failWith(down);
    time.advance(Duration.ofSeconds(2));

    List<LogRecord> logged = captureKvStoreLog(time::runDue); // the scheduler thread: nobody to throw to

    assertTrue(ns.get("session").isEmpty());
    assertTrue(logged.stream().anyMatch(r -> r.getLevel() == Level.WARNING && r.getThrown() == down
            && r.getMessage().contains("kv.expired") && r.getMessage().contains("not published")),
        "expected a WARNING for the unpublished kv.expired, got " + logged);
    rec.failWith(null);
    ns.put("other", "v");
    assertEquals(List.of("kv.put session", "kv.put other"),
        rec.events().stream().map(e -> e.t() + " " + e.k()).toList(),
        "the store keeps working; the lost kv.expired is not replayed");
  }

  @Test
  void eviction_publishFails_loggedNotThrownToThePutThatCausedIt() {
    RecordingPublisher r = new RecordingPublisher();
    CaffeineKvBackend backend = new CaffeineKvBackend(1, time, time, Runnable::run, null);
    try (KvStore bounded = new EventingKvStore(r, backend)) {
      KvNamespace n = bounded.namespace("demo");
      n.put("a", "1");
      // the failing publisher also fails this put's own kv.put: that one is the caller's, the eviction is not
      r.failWith(down);
      List<LogRecord> logged = captureKvStoreLog(() -> {
        assertThrows(AppliedButNotPublishedException.class, () -> n.put("b", "2"));
        backend.cleanUp();
      });

      assertEquals(1, n.list("", 10, null).keys().size());
      assertTrue(logged.stream().anyMatch(l -> l.getLevel() == Level.WARNING
          && l.getMessage().contains("kv.evicted")), "expected a WARNING for kv.evicted, got " + logged);
    }
  }

  /** What {@code action} logs at WARNING or above on the store's logger (System.Logger → java.util.logging). */
  private static List<LogRecord> captureKvStoreLog(Runnable action) {
    Logger logger = Logger.getLogger(KvStore.class.getName());
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    h.setLevel(Level.WARNING);
    logger.addHandler(h);
    try {
      action.run();
    } finally {
      logger.removeHandler(h);
    }
    return records;
  }
}
