package dev.ren.bench.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import dev.ren.kv.KvEntry;
import dev.ren.kv.KvKey;
import dev.ren.kv.KvNamespace;
import dev.ren.kv.KvStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * KV throughput, single writer thread:
 * <ul>
 *   <li>{@code put} / {@code get}: the store on a {@link RenHub} with 0 or 1,000 in-memory subscriptions that
 *       drain every event (the work an SSE connection does before its socket write, on the hub's dispatcher);</li>
 *   <li>{@code putSilent}: the same store on a publisher that drops events (store overhead without emitting);</li>
 *   <li>{@code bareCaffeinePut}: a plain Caffeine cache with the same expiry-free entries — the baseline for
 *       "what does emitting cost" ({@code put / bareCaffeinePut}).</li>
 * </ul>
 * Run: {@code java -jar ren-bench/target/benchmarks.jar KvBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class KvBenchmark {

  private static final int KEYS = 10_000;

  @Param({"0", "1000"})
  int subscribers;

  RenHub hub;
  KvStore store;
  KvNamespace ns;
  KvStore silentStore;
  KvNamespace silentNs;
  Cache<KvKey, JsonNode> bare;
  List<Subscription> subs;
  final AtomicLong delivered = new AtomicLong();
  String[] keys;
  KvKey[] kvKeys;
  JsonNode value;
  int i;

  @Setup(Level.Trial)
  public void setUp() {
    hub = RenHub.builder().capacity(65_536).build();
    subs = new ArrayList<>(subscribers);
    for (int s = 0; s < subscribers; s++) {
      Subscription[] holder = new Subscription[1];
      Subscription sub = hub.subscribe(SubscribeRequest.of(RenFilter.parse("kv")), () -> {
        Subscription me = holder[0];
        if (me != null && me.poll((id, e, frame) -> {
          delivered.addAndGet(frame.length);
          return true;
        }) == Subscription.PollResult.OVERRUN) {
          me.close(); // a reader that fell behind the ring is cut off, as an SSE connection would be
        }
      });
      holder[0] = sub;
      subs.add(sub);
    }
    store = KvStore.inMemory(hub);
    ns = store.namespace("bench");
    silentStore = KvStore.inMemory(event -> "0");
    silentNs = silentStore.namespace("bench");
    bare = Caffeine.newBuilder().build();
    keys = new String[KEYS];
    kvKeys = new KvKey[KEYS];
    for (int k = 0; k < KEYS; k++) {
      keys[k] = "todo:" + k;
      kvKeys[k] = new KvKey("bench", keys[k]);
    }
    ObjectNode v = JsonNodeFactory.instance.objectNode();
    v.put("title", "buy milk");
    v.put("done", false);
    value = v;
    for (int k = 0; k < KEYS; k++) {
      ns.put(keys[k], value);
      silentNs.put(keys[k], value);
      bare.put(kvKeys[k], value);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    int open = 0;
    for (Subscription s : subs) {
      open += s.isClosed() ? 0 : 1;
    }
    System.out.println("\nsubscriptions still keeping up at the end: " + open + "/" + subscribers
        + ", bytes delivered: " + delivered.get());
    store.close();
    silentStore.close();
    hub.close();
  }

  private int next() {
    int k = i++;
    if (i == KEYS) {
      i = 0;
    }
    return k;
  }

  @Benchmark
  public long put() {
    return ns.put(keys[next()], value);
  }

  @Benchmark
  public Optional<KvEntry> get() {
    return ns.get(keys[next()]);
  }

  @Benchmark
  public long putSilent() {
    return silentNs.put(keys[next()], value);
  }

  @Benchmark
  public Object bareCaffeinePut() {
    KvKey k = kvKeys[next()];
    bare.put(k, value);
    return k;
  }
}
