package dev.ren.bench.redis;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.redis.RedisRealtimeBackend;
import dev.ren.redis.RedisEventLog;
import dev.ren.servlet.RenServlet;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Cross-node event latency beside the in-process one: an event published on node A (a hub, or {@link Realtime} on
 * it) is timed until it is parsed from an SSE stream of node B (embedded Jetty + {@link RenServlet}), both nodes on
 * one real Redis ({@link RedisEventLog}; realtime with {@link RedisRealtimeBackend}). The in-process rows publish and
 * stream on one node without Redis. Each scenario: {@code streams} SSE streams, {@code rate} events/s, a 3 s warm-up,
 * then {@code seconds} measured; latency is publish call → frame parsed by the client (one JVM, one clock), and the
 * publish call itself is timed too.
 *
 * <pre>
 * java -cp ren-bench/target/benchmarks.jar dev.ren.bench.redis.CrossNodeLatency [redis://127.0.0.1:6379]
 *     [--streams 100] [--rate 100] [--seconds 15] [--out FILE.md]
 * </pre>
 *
 * <p>Thread-safety: a program; not for reuse.
 */
public final class CrossNodeLatency {

  private final int streams;
  private final int rate;
  private final int seconds;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private CrossNodeLatency(int streams, int rate, int seconds) {
    this.streams = streams;
    this.rate = rate;
    this.seconds = seconds;
  }

  /** One node: a hub and an SSE endpoint on a free port. */
  private record Node(RenHub hub, Server server, URI stream) implements AutoCloseable {
    static Node start(RenHub hub) throws Exception {
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      ServletContextHandler ctx = new ServletContextHandler();
      ctx.setContextPath("/");
      ServletHolder h = new ServletHolder(new RenServlet(hub));
      h.setAsyncSupported(true);
      ctx.addServlet(h, "/ren/*");
      server.setHandler(ctx);
      server.start();
      return new Node(hub, server, URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/ren?s=realtime"));
    }

    @Override
    public void close() {
      try {
        server.stop();
      } catch (Exception e) {
        throw new IllegalStateException("Jetty did not stop", e);
      } finally {
        hub.close();
      }
    }
  }

  /** What one scenario measured: deliveries, and latency and publish-call quantiles in microseconds. */
  private record Result(String name, long samples, long expected, long p50, long p99, long p999, long max,
      long publishP50, long publishP99) {}

  /** Publishes one timed event (its data carries {@code sent}, System.nanoTime()). */
  @FunctionalInterface
  private interface Publisher {
    void publish(ObjectNode data);
  }

  private Result run(String name, Node receiver, Publisher publisher) throws Exception {
    List<long[]> perStream = new ArrayList<>();
    CountDownLatch open = new CountDownLatch(streams);
    long[] measuring = {Long.MAX_VALUE}; // nanoTime after which samples count
    for (int s = 0; s < streams; s++) {
      long[] buf = new long[rate * (seconds + 5) + 16];
      long[] count = {0};
      perStream.add(buf);
      LongConsumer sample = v -> {
        int i = (int) count[0]++;
        if (i + 1 < buf.length) {
          buf[i + 1] = v; // buf[0] holds the count
          buf[0] = i + 1L;
        }
      };
      HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(receiver.stream()).build(),
          HttpResponse.BodyHandlers.ofLines());
      Thread t = new Thread(() -> read(r.body(), open, measuring, sample), "sse-" + s);
      t.setDaemon(true);
      t.start();
    }
    if (!open.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("streams did not open");
    }
    List<Long> publishTimes = new ArrayList<>();
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    long start = System.nanoTime();
    long warm = start + TimeUnit.SECONDS.toNanos(3);
    long end = warm + TimeUnit.SECONDS.toNanos(seconds);
    long[] published = {0};
    CountDownLatch done = new CountDownLatch(1);
    ScheduledFuture<?> task = pacer.scheduleAtFixedRate(() -> {
      long now = System.nanoTime();
      if (now >= end) {
        done.countDown();
        return;
      }
      if (now >= warm && measuring[0] == Long.MAX_VALUE) {
        measuring[0] = now;
      }
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.put("sent", now);
      data.put("pad", "x".repeat(120));
      publisher.publish(data);
      long took = System.nanoTime() - now;
      if (now >= warm) {
        publishTimes.add(took / 1000);
        published[0]++;
      }
    }, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
    done.await();
    task.cancel(false);
    pacer.shutdown();
    Thread.sleep(1000); // the last events in flight
    List<Long> all = new ArrayList<>();
    for (long[] buf : perStream) {
      for (int i = 1; i <= buf[0]; i++) {
        all.add(buf[i]);
      }
    }
    long[] lat = all.stream().mapToLong(Long::longValue).sorted().toArray();
    long[] pub = publishTimes.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Result(name, lat.length, published[0] * streams, q(lat, 0.5), q(lat, 0.99), q(lat, 0.999),
        lat.length == 0 ? -1 : lat[lat.length - 1], q(pub, 0.5), q(pub, 0.99));
  }

  private static void read(Stream<String> lines, CountDownLatch open, long[] measuring, LongConsumer sample) {
    try (lines) {
      lines.forEach(line -> {
        if (line.startsWith("event: ren.meta")) {
          open.countDown();
        } else if (line.startsWith("data:")) {
          int i = line.indexOf("\"sent\":");
          if (i < 0) {
            return;
          }
          int j = i + 7;
          int k = j;
          while (k < line.length() && Character.isDigit(line.charAt(k))) {
            k++;
          }
          long sent = Long.parseLong(line.substring(j, k));
          long now = System.nanoTime();
          if (sent >= measuring[0]) {
            sample.accept((now - sent) / 1000);
          }
        }
      });
    } catch (RuntimeException closed) {
      // the stream ended with the scenario
    }
  }

  private static long q(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  private static String ms(long micros) {
    return String.format(Locale.ROOT, "%.2f", micros / 1000.0);
  }

  private static String loadavg() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "n/a";
    }
  }

  public static void main(String[] args) throws Exception {
    URI redis = URI.create("redis://127.0.0.1:6379");
    int streams = 100;
    int rate = 100;
    int seconds = 15;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--streams" -> streams = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> redis = URI.create(args[i]);
      }
    }
    List<Result> results = new ArrayList<>();
    List<String> loads = new ArrayList<>();
    String prefix = "ren-bench-x-" + UUID.randomUUID().toString().substring(0, 8);
    loads.add("before: " + loadavg());
    try {
      CrossNodeLatency bench = new CrossNodeLatency(streams, rate, seconds);
      try (Node one = Node.start(RenHub.create())) {
        results.add(bench.run("in process: hub.publish → SSE, one node", one,
            d -> one.hub().publish(RenEvent.realtimeMessage("bench", d, null))));
      }
      loads.add("after in-process hub: " + loadavg());
      try (Node one = Node.start(RenHub.create());
           Realtime rt = Realtime.builder(one.hub()).history("*", 100).build()) {
        results.add(new CrossNodeLatency(streams, rate, seconds).run(
            "in process: Realtime.publish (history) → SSE, one node", one, d -> rt.publish("bench", d, null)));
      }
      loads.add("after in-process realtime: " + loadavg());
      try (Node a = Node.start(hub(redis, prefix)); Node b = Node.start(hub(redis, prefix))) {
        results.add(new CrossNodeLatency(streams, rate, seconds).run(
            "cross-node: hub.publish on A → Redis Stream → SSE on B", b,
            d -> a.hub().publish(RenEvent.realtimeMessage("bench", d, null))));
      }
      loads.add("after cross-node hub: " + loadavg());
      try (Node a = Node.start(hub(redis, prefix + "r")); Node b = Node.start(hub(redis, prefix + "r"));
           Realtime rt = Realtime.builder(a.hub()).history("*", 100)
               .backend(RedisRealtimeBackend.builder(redis).prefix(prefix + ":rt:").build()).build()) {
        results.add(new CrossNodeLatency(streams, rate, seconds).run(
            "cross-node: Realtime.publish (Redis sequence + history) on A → SSE on B", b,
            d -> rt.publish("bench", d, null)));
      }
      loads.add("after cross-node realtime: " + loadavg());
    } finally {
      clean(redis, prefix);
    }
    StringBuilder md = new StringBuilder();
    md.append("| scenario | deliveries (expected) | p50 ms | p99 ms | p99.9 ms | max ms | publish call p50 / p99 ms |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Result r : results) {
      md.append("| ").append(r.name()).append(" | ").append(r.samples()).append(" (").append(r.expected())
          .append(") | ").append(ms(r.p50())).append(" | ").append(ms(r.p99())).append(" | ").append(ms(r.p999()))
          .append(" | ").append(ms(r.max())).append(" | ").append(ms(r.publishP50())).append(" / ")
          .append(ms(r.publishP99())).append(" |\n");
    }
    md.append("\nSettings: ").append(streams).append(" SSE streams, ").append(rate).append(" events/s, 3 s warm-up, ")
        .append(seconds).append(" s measured per scenario; Redis ").append(redis).append(".\n");
    md.append("Host load (/proc/loadavg): ").append(String.join("; ", loads)).append(".\n");
    System.out.print(md);
    if (out != null) {
      Files.writeString(out, md.toString());
    }
    System.exit(0);
  }

  private static RenHub hub(URI redis, String prefix) {
    return RenHub.builder().log(RedisEventLog.builder(redis).streamPrefix(prefix).retention(100_000).build()).build();
  }

  /** Deletes the run's keys (random prefix). */
  private static void clean(URI redis, String prefix) {
    RedisClient c = RedisClient.create(redis.toString());
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = conn.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1000));
        if (!page.getKeys().isEmpty()) {
          conn.sync().del(page.getKeys().toArray(new String[0]));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      c.shutdown();
    }
  }
}
