package dev.ren.kv;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.ren.testing.ManualClock;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The builder's rules, close, and the one thread a default store owns. */
class KvStoreLifecycleTest {

  private final RecordingPublisher rec = new RecordingPublisher();
  private final FakeTime time = new FakeTime();

  // ------------------------------------------------------------------ builder

  @Test
  void builder_repeatedSetting_failsNamingOldValue() {
    KvStore.Builder b = KvStore.builder(rec).maximumSize(10);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.maximumSize(20));
    assertTrue(e.getMessage().contains("maximumSize was already set to 10"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> KvStore.builder(rec).ticker(time).ticker(time));
    assertThrows(IllegalArgumentException.class, () -> KvStore.builder(rec).maximumSize(-1));
  }

  @Test
  void builder_everySettingGivenTwice_failsNamingTheSettingAndOldValue() {
    Ticker ticker = time;
    Scheduler scheduler = Scheduler.disabledScheduler();
    Executor executor = Runnable::run;
    Clock clock = new ManualClock(0);
    KvBackend backend = new KvBackendSpiTest.SortedMapBackend();
    Map<String, Consumer<KvStore.Builder>> settings = Map.of(
        "maximumSize", b -> b.maximumSize(7),
        "scheduler", b -> b.scheduler(scheduler),
        "ticker", b -> b.ticker(ticker),
        "executor", b -> b.executor(executor),
        "clock", b -> b.clock(clock),
        "backend", b -> b.backend(backend),
        "maxValueBytes", b -> b.maxValueBytes(8),
        "maxTotalBytes", b -> b.maxTotalBytes(9),
        "maxEntries", b -> b.maxEntries(10));
    Map<String, Object> values = Map.of("maximumSize", 7L, "scheduler", scheduler, "ticker", ticker,
        "executor", executor, "clock", clock, "backend", backend, "maxValueBytes", 8L, "maxTotalBytes", 9L,
        "maxEntries", 10L);

    settings.forEach((name, set) -> {
      KvStore.Builder b = KvStore.builder(rec);
      set.accept(b);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> set.accept(b), name);
      assertEquals(name + " was already set to " + values.get(name), e.getMessage());
    });
  }

  @Test
  void builder_customBackendWithCaffeineSetting_fails() {
    KvBackend other = new CaffeineKvBackend(-1, time, time, Runnable::run, null);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> KvStore.builder(rec).backend(other).maximumSize(5).build());
    assertTrue(e.getMessage().contains("maximumSize applies to the Caffeine backend only"), e.getMessage());
    for (String setting : List.of("scheduler", "ticker", "executor", "clock")) {
      KvStore.Builder b = KvStore.builder(rec).backend(other);
      switch (setting) {
        case "scheduler" -> b.scheduler(time);
        case "ticker" -> b.ticker(time);
        case "executor" -> b.executor(Runnable::run);
        default -> b.clock(new ManualClock(0));
      }
      IllegalStateException c = assertThrows(IllegalStateException.class, b::build, setting);
      assertTrue(c.getMessage().startsWith(setting + " applies to the Caffeine backend only"), c.getMessage());
    }
    other.close();
  }

  // ------------------------------------------------------------------ close and threads

  @Test
  void close_idempotent_operationsAfterwardsFail() {
    KvStore store = KvStore.builder(rec).ticker(time).scheduler(time).executor(Runnable::run).build();
    KvNamespace ns = store.namespace("demo");
    ns.put("k", "v");
    store.close();
    store.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ns.put("k", "v"));
    assertTrue(e.getMessage().contains("closed"));
    assertThrows(IllegalStateException.class, () -> ns.get("k"));
  }

  @Test
  void close_defaultStore_noRenKvThreadSurvives() throws Exception {
    Set<Thread> before = renKvThreads();
    KvStore s = KvStore.inMemory(rec);
    s.namespace("demo").put("k", "v", Duration.ofHours(1)); // Caffeine schedules the expiry: the thread starts
    Set<Thread> started = renKvThreads();
    started.removeAll(before);
    assertFalse(started.isEmpty(), "the default store starts its expiry thread with the first TTL");

    s.close();

    for (Thread t : started) {
      assertFalse(t.isAlive(), t.getName() + " survived close()");
    }
    s.close(); // idempotent
  }

  @Test
  void close_callerSuppliedScheduler_storeStartsNoThread() {
    Set<Thread> before = renKvThreads();
    try (KvStore s = KvStore.builder(rec).scheduler(time).build()) {
      s.namespace("demo").put("k", "v", Duration.ofHours(1));
      Set<Thread> started = renKvThreads();
      started.removeAll(before);
      assertEquals(Set.of(), started);
    }
  }

  private static Set<Thread> renKvThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("ren-kv"))
        .collect(Collectors.toCollection(HashSet::new));
  }
}
