package dev.ren.bench;

import dev.ren.RenEvent;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
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
import java.util.concurrent.TimeUnit;

/**
 * publish → encode → fan-out to N in-memory subscribers. Each invocation publishes one event and has every
 * subscriber poll it (the work an SSE connection does before its socket write), so the score is events/s with
 * N deliveries each. Run with {@code -prof gc} for allocations per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class HubFanoutBenchmark {

  @Param({"1", "100", "10000"})
  int subscribers;

  RenHub hub;
  List<Subscription> subs;
  long bytes;
  RenEvent event;

  @Setup(Level.Trial)
  public void setUp() {
    hub = RenHub.builder().capacity(65_536).build();
    subs = new ArrayList<>(subscribers);
    for (int i = 0; i < subscribers; i++) {
      subs.add(hub.subscribe(SubscribeRequest.of(RenFilter.all()), () -> { }));
    }
    event = RenEvent.kvPut("demo", "todo:0123456789", "42");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    hub.close();
  }

  @Benchmark
  public long publishAndFanOut() {
    hub.publish(event);
    long n = 0;
    for (Subscription s : subs) {
      s.poll((id, e, frame) -> {
        bytes += frame.length;
        return true;
      });
      n++;
    }
    return n + bytes;
  }
}
