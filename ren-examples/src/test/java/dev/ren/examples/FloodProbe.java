package dev.ren.examples;

import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ordinary client of the flood test: a small KV put, its {@code kv.put} on an SSE stream, a get; every 200 ms
 * on a thread of its own and on demand ({@link #once}). Each step must answer within {@link #ORDINARY_MS} ms; a
 * slower or failed one is a {@linkplain #failures failure}, and the slowest of each step are kept per phase (the
 * flood under way, named by {@link #phase}).
 *
 * <p>Thread-safety: thread-safe; one probe runs at a time (holding this object's monitor, which a caller can hold
 * too, to keep probes from being timed across something it does).
 */
final class FloodProbe implements AutoCloseable {

  /** The longest an ordinary request may take, in milliseconds (the "within 1 s"). */
  static final long ORDINARY_MS = 1000;

  private final URI base;
  private final SseTestClient stream;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, long[]> maxima = Collections.synchronizedMap(new LinkedHashMap<>());
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger n = new AtomicInteger();
  private final Thread thread;
  private volatile String phase = "start";
  private volatile boolean stopped;

  private FloodProbe(URI base, SseTestClient stream) {
    this.base = base;
    this.stream = stream;
    this.thread = new Thread(this::loop, "flood-probe");
    this.thread.setDaemon(true);
  }

  static FloodProbe open(URI base) throws Exception {
    SseTestClient s = SseTestClient.open(base.resolve("/api/maravilla/ren?s=kv:probe"));
    s.next("ren.meta", Duration.ofSeconds(10));
    return new FloodProbe(base, s);
  }

  /** Untimed probes, so that the first measured one does not pay for class loading and compilation. */
  void warmUp() {
    for (int i = 0; i < 30; i++) {
      once();
    }
    maxima.clear();
    failures.clear();
  }

  void start() {
    thread.start();
  }

  void phase(String name) {
    phase = name;
  }

  private void loop() {
    while (!stopped) {
      once();
      try {
        Thread.sleep(200); // the probe's pace, not a wait for a condition
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * One probe; a slow or failed step is recorded as a failure of the current phase. It replaces one key with a
   * value of the same size, which a full store still takes (it needs no new entry and no more bytes): the KV
   * flood fills the store for everyone, by design, and a new key would be a {@code 507}.
   */
  synchronized void once() {
    String p = phase;
    String value = String.format("{\"probe\":\"%09d\"}", n.incrementAndGet());
    long t0 = System.nanoTime();
    long put = -1;
    long event = -1;
    long get = -1;
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/kv/probe/p"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
          .PUT(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString());
      put = ms(t0);
      if (r.statusCode() != 200) {
        throw new AssertionError("PUT answered " + r.statusCode() + " " + r.body());
      }
      String version = TestJson.parse(r.body()).path("version").asText();
      stream.next(e -> e.type().equals("kv.put") && version.equals(e.json().path("v").asText()),
          Duration.ofSeconds(10));
      event = ms(t0);
      long t2 = System.nanoTime();
      r = http.send(HttpRequest.newBuilder(base.resolve("/api/kv/probe/p")).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString());
      get = ms(t2);
      if (r.statusCode() != 200) {
        throw new AssertionError("GET answered " + r.statusCode() + " " + r.body());
      }
    } catch (Exception | AssertionError e) {
      failures.add(p + ": " + value + " failed: " + e);
    }
    long[] m = maxima.computeIfAbsent(p, k -> new long[4]);
    m[0] = Math.max(m[0], put);
    m[1] = Math.max(m[1], event);
    m[2] = Math.max(m[2], get);
    m[3]++;
    if (Math.max(put, Math.max(event, get)) > ORDINARY_MS) {
      failures.add(p + ": " + value + " took put " + put + " ms, event " + event + " ms, get " + get + " ms");
    }
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  Map<String, long[]> maxima() {
    synchronized (maxima) {
      return new LinkedHashMap<>(maxima);
    }
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  void stop() throws InterruptedException {
    stopped = true;
    thread.join(15_000);
  }

  @Override
  public void close() throws Exception {
    stop();
    stream.close();
  }
}
