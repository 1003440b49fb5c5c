package dev.ren.kv;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.testing.RecordingPublisher;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Another store plugged in through the SPI gets the same validation and the same events. */
class KvBackendSpiTest {

  /** A sorted-map backend without expiry of its own: the test decides when something "expires". */
  static final class SortedMapBackend implements KvBackend {
    final ConcurrentSkipListMap<KvKey, KvEntry> map = new ConcurrentSkipListMap<>();
    final AtomicLong versions = new AtomicLong();
    final AtomicBoolean closed = new AtomicBoolean();
    @Nullable Listener listener;

    @Override
    public void start(Listener l) {
      listener = l;
    }

    @Override
    public KvEntry put(KvKey key, byte[] json, @Nullable Duration ttl) {
      return map.compute(key, (k, old) -> KvEntry.of(k, json, versions.incrementAndGet(), null));
    }

    @Override
    public @Nullable KvEntry get(KvKey key) {
      return map.get(key);
    }

    @Override
    public @Nullable KvEntry remove(KvKey key) {
      return map.remove(key);
    }

    @Override
    public KvPage list(@Nullable String tenant, String namespace, String prefix, int limit,
        @Nullable String cursor) {
      List<KvPage.Item> items = new ArrayList<>();
      KvKey from = new KvKey(tenant, namespace, cursor == null ? "\u0001" : cursor);
      for (Map.Entry<KvKey, KvEntry> e : map.tailMap(from, cursor == null).entrySet()) {
        if (!Objects.equals(e.getKey().tenant(), tenant) || !e.getKey().namespace().equals(namespace)
            || items.size() == limit) {
          break;
        }
        if (e.getKey().key().startsWith(prefix)) {
          items.add(new KvPage.Item(e.getKey().key(), null));
        }
      }
      return new KvPage(items, null);
    }

    void expire(KvKey key) {
      KvEntry e = Objects.requireNonNull(map.remove(key), "no such key");
      Objects.requireNonNull(listener, "not started").expired(key, e.version());
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }

  @Test
  void customBackend_putDeleteExpire_publishedLikeCaffeine() {
    RecordingPublisher rec = new RecordingPublisher();
    SortedMapBackend backend = new SortedMapBackend();
    KvStore store = KvStore.builder(KvStoreTest.stampingSrc(rec)).backend(backend).build();
    KvNamespace ns = store.namespace("demo");

    long v;
    try (RenOrigin.Scope s = RenOrigin.open("c1")) {
      v = ns.put("a", "1");
      ns.put("b", "2");
      ns.delete("b");
      ns.delete("b");
      backend.expire(new KvKey("demo", "a")); // reported on a user's thread
    }

    List<RenEvent> events = rec.events();
    assertEquals(List.of(EventTypes.KV_PUT, EventTypes.KV_PUT, EventTypes.KV_DELETE, EventTypes.KV_EXPIRED),
        events.stream().map(RenEvent::t).toList());
    assertEquals("c1", events.get(0).src());
    assertEquals(Long.toString(v), events.get(3).v());
    assertNull(events.get(3).src());
    assertThrows(IllegalArgumentException.class, () -> ns.put("", "x"));
    assertTrue(ns.list("", 10, null).keys().isEmpty());

    store.close();
    assertTrue(backend.closed.get(), "the store closes the backend it was given");
  }

  @Test
  void customBackend_publishFails_putAppliedButNotPublished() {
    RecordingPublisher rec = new RecordingPublisher();
    SortedMapBackend backend = new SortedMapBackend();
    try (KvStore store = KvStore.builder(rec).backend(backend).build()) {
      rec.failWith(new EventLogUnavailableException("down"));

      assertThrows(AppliedButNotPublishedException.class, () -> store.namespace("demo").put("a", "1"));

      assertEquals("1", store.namespace("demo").getString("a").orElseThrow());
    }
  }
}
