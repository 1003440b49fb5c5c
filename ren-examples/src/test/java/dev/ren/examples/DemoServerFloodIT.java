package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestImages;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hardening issue's flood test: "A server started with {@code -Xmx256m} survives each flood (KV values,
 * history, channels, members, transforms, filters, slow bodies) and keeps answering ordinary requests within 1 s."
 *
 * <p>The demo server runs in a child JVM with a 256 MiB heap, its defaults and a temporary data directory, exactly
 * as {@code java -jar ren-examples.jar} starts it. The floods run one after the other, each from
 * {@value #CLIENTS} parallel clients, and leave what they stored in place (an attacker does not clean up): so each
 * later flood meets a server whose bounded stores are already full. All the while, and once more after each flood,
 * a probe makes the ordinary requests of a small client: a small KV put, its {@code kv.put} on an SSE stream, and
 * a get; each must answer within {@value FloodProbe#ORDINARY_MS} ms. Every flood request must get one of the
 * answers the bounds promise (a 2xx, {@code 400}, {@code 408}, {@code 413}, {@code 429}, {@code 503 queue_full},
 * {@code 507}), never a {@code 500} or a dropped connection. At the end the child is alive and its output holds no
 * {@code OutOfMemoryError} and no unexpected failure.
 *
 * <p>Printed at the end, per flood: what came back, the heap's peak, longest GC pause and full GCs (from the
 * child's {@code -Xlog:gc}), the live heap left behind (after the full GC of a {@code jcmd GC.class_histogram}), and
 * the probe's slowest put, event and get. This is the one place where a time is asserted, because the issue
 * states one; it is generous for a loaded 2-core machine (the slowest probes there took under 200 ms).
 *
 * <p>The filters flood sends filters at and over each filter bound and a 1 MiB filter of empty branches; the
 * bodies are bounded while parsed (size, then {@code RequestBodyLimits.maxJsonTokens}), so the 1 MiB one is a
 * {@code 413} before it becomes a tree and the bounds are checked before any document is matched.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoServerFloodIT {

  static final int CLIENTS = 12;
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
  /** The most one flood may take: a server that stops answering fails the test, it does not hang it. */
  static final Duration FLOOD_DEADLINE = Duration.ofSeconds(60);
  static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  final Map<String, String> report = new LinkedHashMap<>();
  /** The SSE stream of the client holding the members flood's members. */
  SseTestClient memberHolder;

  @Test
  void floods_demoWith256MiBHeap_survivesEachAndAnswersOrdinaryRequestsWithinOneSecond() throws Exception {
    // the floods come from one address, and the publish rate per caller (20/s by default) would stop them long
    // before realtime's memory bounds; many addresses could reach those, so the floods get a rate that lets them
    try (DemoChild demo = DemoChild.start(dir, "-Xmx256m", "--publish-rate", "999999/999999");
         FloodProbe probe = FloodProbe.open(demo.uri())) {
      URI base = demo.uri();
      probe.warmUp();
      probe.start();
      try {
        phase(demo, probe, "kv values", () -> kvValues(base));
        phase(demo, probe, "realtime payloads", () -> realtimePayloads(base));
        phase(demo, probe, "history", () -> history(base));
        phase(demo, probe, "members", () -> members(base));
        // its ~1,000 members leave at once when the server notices (next heartbeat) and the grace has passed
        memberHolder.kill();
        phase(demo, probe, "channels", () -> channels(base));
        phase(demo, probe, "transforms", () -> transforms(base));
        phase(demo, probe, "slow bodies", () -> slowBodies(base));
        phase(demo, probe, "member expiry", () -> membersLeft(base));
        phase(demo, probe, "filters", () -> filters(base));
        phase(demo, probe, "documents", () -> documents(base));
      } finally {
        probe.stop();
        System.out.println(summary(demo, probe));
        System.out.println("--- child problems: " + demo.problems() + "\n--- child tail:\n" + demo.tail());
      }
      assertTrue(demo.process.isAlive(), "the demo server died:\n" + demo.tail());
      assertEquals(List.of(), demo.problems(), "the demo server logged failures:\n" + demo.tail());
      assertEquals(List.of(), probe.failures(), "ordinary requests were slow or failed");
    }
  }

  // ------------------------------------------------------------------------------------------------ the floods

  /** 1 MiB {@code [{},...]} values until the store's 64 MiB are used; list queries of 1 MiB. */
  String kvValues(URI base) throws Exception {
    byte[] value = emptyObjects(MIB);
    Tally puts = flood(CLIENTS, 12, (c, i) -> send(json(base, "/api/kv/flood/k-" + c + "-" + i)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(value))));
    puts.expectOnly(200, 507).expectSome(200).expectSome(507);
    byte[] query = ("{\"prefix\":\"k\",\"junk\":" + new String(emptyObjects(MIB - 64), StandardCharsets.UTF_8)
        + "}").getBytes(StandardCharsets.UTF_8);
    Tally lists = flood(CLIENTS, 2, (c, i) -> send(json(base, "/api/kv/flood")
        .POST(HttpRequest.BodyPublishers.ofByteArray(query))));
    lists.expectOnly(413);
    return "PUT " + puts + "; 1 MiB list queries " + lists;
  }

  /** 64 KiB {@code [{},...]} payloads on 96 history channels, and 1 MiB payloads (over the limit). */
  String realtimePayloads(URI base) throws Exception {
    byte[] atLimit = emptyObjects(64 << 10);
    byte[] over = emptyObjects(MIB - 100);
    Tally t = flood(CLIENTS, 40, (c, i) -> send(json(base, "/api/realtime/publish")
        .POST(HttpRequest.BodyPublishers.ofByteArray(publishBody("flood-" + c + "-" + (i % 8),
            i % 5 == 4 ? over : atLimit)))));
    t.expectOnly(200, 413).expectSome(200).expectSome(413);
    return t.toString();
  }

  /** Pages of up to 1 MiB of stored payloads, read by every client at once. */
  String history(URI base) throws Exception {
    byte[] payload = emptyObjects(64 << 10);
    for (int ch = 0; ch < 4; ch++) {
      for (int i = 0; i < 20; i++) {
        assertEquals(200, send(json(base, "/api/realtime/publish").POST(HttpRequest.BodyPublishers.ofByteArray(
            publishBody("hist-" + ch, payload)))));
      }
    }
    Tally t = flood(CLIENTS, 15, (c, i) -> sendDiscarding(HttpRequest.newBuilder(
        base.resolve("/api/realtime/history/hist-" + ((c + i) % 4) + "?limit=1000"))));
    t.expectOnly(200);
    return t.toString();
  }

  /**
   * About 1,000 members with 16 KiB of metadata each on two channels, until presence's 16 MiB are used, all held
   * by one client's SSE stream ({@link #memberHolder}: killing it makes them all leave at once), while everyone
   * reads the channels' member lists (8 MiB each).
   */
  String members(URI base) throws Exception {
    memberHolder = SseTestClient.open(base.resolve("/api/maravilla/ren?s=kv:none&cid=flood-members"));
    memberHolder.next("ren.meta", Duration.ofSeconds(10));
    byte[] metadata = emptyObjects(16 << 10);
    Tally joins = flood(CLIENTS, 100, (c, i) -> send(json(base, "/api/realtime/presence/room-" + (c % 2) + "/join")
        .header("X-Ren-Client", "flood-members")
        .POST(HttpRequest.BodyPublishers.ofByteArray(concat("{\"userId\":\"u-" + c + "-" + i + "\",\"metadata\":",
            metadata, "}")))));
    joins.expectOnly(200, 507).expectSome(200).expectSome(507);
    Tally reads = flood(CLIENTS, 3, (c, i) -> sendDiscarding(HttpRequest.newBuilder(
        base.resolve("/api/realtime/presence/room-" + (i % 2)))));
    reads.expectOnly(200);
    return "joins " + joins + "; member lists " + reads + "; " + memberCount(base) + " present";
  }

  /** One small message on each of 12,000 new channels: 10,000 are allowed. */
  String channels(URI base) throws Exception {
    Tally t = flood(CLIENTS, 1000, (c, i) -> send(json(base, "/api/realtime/publish")
        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"ch-" + c + "-" + i + "\",\"data\":1}"))));
    t.expectOnly(200, 507).expectSome(200).expectSome(507);
    Tally lists = flood(CLIENTS, 5, (c, i) -> sendDiscarding(HttpRequest.newBuilder(
        base.resolve("/api/realtime/channels"))));
    lists.expectOnly(200);
    return "publishes " + t + "; channel lists " + lists;
  }

  /** The members of the killed stream left after its grace period (10 s), ~1,000 leave events at once. */
  String membersLeft(URI base) {
    Waits.atMost(Duration.ofSeconds(30)).until(() -> memberCount(base) == 0);
    return "all members left";
  }

  /**
   * Resizes of a 1x1 PNG to huge boxes and thumbnails of 16-bit PNGs (8 bytes a decoded pixel), one of them
   * 3000x3000 (72 MB decoded, over the raster budget of a quarter of the heap), from one client address: most
   * are refused at submit or by the client's share of the queue; the jobs that run must finish.
   */
  String transforms(URI base) throws Exception {
    put(base, "/api/storage/img/one.png", TestImages.png(1, 1));
    put(base, "/api/storage/img/deep16.png", TestImages.encode(rgba16(1000, 1000), "png"));
    put(base, "/api/storage/img/bomb16.png", TestImages.encode(rgba16(3000, 3000), "png"));
    List<String> submits = List.of(
        "resize", "{\"srcKey\":\"img/one.png\",\"opts\":{\"width\":\"10000\",\"height\":\"10000\"}}",
        "resize", "{\"srcKey\":\"img/one.png\",\"opts\":{\"width\":\"10000\"}}",
        "resize", "{\"srcKey\":\"img/one.png\",\"opts\":{\"width\":\"2000\",\"height\":\"2000\",\"fit\":\"fill\"}}",
        "thumbnail", "{\"srcKey\":\"img/deep16.png\",\"opts\":{\"size\":\"1024\"}}",
        "thumbnail", "{\"srcKey\":\"img/bomb16.png\",\"opts\":{\"size\":\"64\"}}");
    Set<String> jobs = ConcurrentHashMap.newKeySet();
    Tally t = flood(CLIENTS, 10, (c, i) -> {
      int k = (c + i) % 5;
      HttpResponse<String> r = http.send(json(base, "/api/media/transforms/" + submits.get(2 * k))
          .POST(HttpRequest.BodyPublishers.ofString(submits.get(2 * k + 1))).timeout(REQUEST_TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 202) {
        jobs.add(TestJson.parse(r.body()).get("id").asText());
      }
      return r.statusCode();
    });
    t.expectOnly(202, 400, 429, 503).expectSome(202).expectSome(400).expectSome(429);
    Map<String, Integer> outcomes = new TreeMap<>();
    for (String id : jobs) {
      outcomes.merge(awaitJob(base, id), 1, Integer::sum); // complete or failed, within a minute
    }
    assertTrue(outcomes.containsKey("complete"), "some jobs ran: " + outcomes);
    return "submits " + t + "; jobs " + outcomes;
  }

  /**
   * On 300 documents: filters within the bounds (256 {@code $or} branches of 12 values; 4 branches of 1,000
   * {@code $in} values), over them (257 branches; 1,001 {@code $in} values; more than 4,096 values), and a 1 MiB
   * filter of 349,000 empty branches.
   */
  String filters(URI base) throws Exception {
    for (int i = 0; i < 300; i++) {
      assertEquals(200, send(json(base, "/api/db/flood").PUT(HttpRequest.BodyPublishers.ofString(
          "{\"n\":" + i + ",\"tag\":\"t" + (i % 10) + "\"}"))));
    }
    byte[] megabyte = concat("{\"filter\":{\"$or\":", emptyObjects(MIB - 64), "}}");
    List<HttpRequest.BodyPublisher> bodies = List.of(
        HttpRequest.BodyPublishers.ofString(orFilter(256, 12)), HttpRequest.BodyPublishers.ofString(orFilter(4, 1000)),
        HttpRequest.BodyPublishers.ofString(orFilter(257, 1)), HttpRequest.BodyPublishers.ofString(orFilter(1, 1001)),
        HttpRequest.BodyPublishers.ofString(orFilter(256, 16)), HttpRequest.BodyPublishers.ofByteArray(megabyte));
    Tally t = flood(CLIENTS, 20, (c, i) -> send(json(base, "/api/db/flood")
        .POST(bodies.get((c + i) % bodies.size()))));
    // the 1 MiB filter is refused by size (413) before it becomes a ~30 MB tree; filters over a bound are 400
    t.expectOnly(200, 400, 413).expectSome(200).expectSome(400).expectSome(413);
    return t.toString();
  }

  /**
   * Documents of 1 MiB of empty objects, each a ~30 MB tree if parsed whole: refused by their token count while
   * they are parsed ({@code 413}); small inserts between them succeed.
   */
  String documents(URI base) throws Exception {
    byte[] junk = concat("{\"junk\":", emptyObjects(MIB - 64), "}");
    Tally t = flood(CLIENTS, 10, (c, i) -> send(json(base, "/api/db/flooddocs").PUT(i % 5 == 0
        ? HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}") : HttpRequest.BodyPublishers.ofByteArray(junk))));
    t.expectOnly(200, 413).expectSome(200).expectSome(413);
    return t.toString();
  }

  /** 120 connections trickling request bodies (one byte a second) to the KV and realtime bindings. */
  String slowBodies(URI base) throws Exception {
    List<Socket> tricklers = new ArrayList<>();
    try {
      for (int i = 0; i < 120; i++) {
        Socket s = new Socket(base.getHost(), base.getPort());
        s.setSoTimeout(30_000);
        String target = i % 2 == 0 ? "PUT /api/kv/slow/s" + i : "POST /api/realtime/publish";
        s.getOutputStream().write((target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: 1000\r\n\r\n[").getBytes(StandardCharsets.ISO_8859_1));
        tricklers.add(s);
      }
      Map<Integer, Integer> statuses = new TreeMap<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
      List<Socket> open = new ArrayList<>(tricklers);
      while (!open.isEmpty() && System.nanoTime() < end) {
        Thread.sleep(1000); // the trickle's pace: one byte a second per connection
        for (Iterator<Socket> it = open.iterator(); it.hasNext(); ) {
          Socket s = it.next();
          try {
            s.getOutputStream().write('1');
            s.getOutputStream().flush();
            if (s.getInputStream().available() > 0) {
              statuses.merge(status(s), 1, Integer::sum);
              it.remove();
            }
          } catch (IOException cut) {
            statuses.merge(status(s), 1, Integer::sum);
            it.remove();
          }
        }
      }
      assertEquals(List.of(), open.stream().map(Socket::toString).toList(), "tricklers not cut after 25 s");
      assertEquals(Set.of(408), statuses.keySet(), "tricklers are cut with 408: " + statuses);
      return "120 tricklers cut: " + statuses;
    } finally {
      for (Socket s : tricklers) {
        s.close();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ phases

  /** One flood; returns what it got back, for the summary. */
  @FunctionalInterface
  interface Flood {
    String run() throws Exception;
  }

  /** Runs one flood (the probe labels its figures with the name), then one more probe after it. */
  void phase(DemoChild demo, FloodProbe probe, String name, Flood flood) throws Exception {
    probe.phase(name);
    demo.phase = name;
    long start = System.nanoTime();
    String result;
    try {
      result = flood.run();
    } catch (AssertionError | Exception e) {
      List<String> problems = demo.problems();
      throw new AssertionError(name + " flood: " + e.getMessage() + "\nthe child logged " + problems.size()
          + " problems, first: " + problems.subList(0, Math.min(5, problems.size())), e);
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    probe.phase(name + " (after)");
    probe.once();
    assertTrue(demo.process.isAlive(), "the demo server died during " + name + ":\n" + demo.tail());
    String gc = demo.gc.since();
    String live;
    synchronized (probe) { // the histogram's full GC stops the server: no probe is timed across it
      live = demo.liveHeap();
    }
    report.put(name, result + "\n" + " ".repeat(19) + ms + " ms; " + gc + "; live heap after: " + live);
  }

  String summary(DemoChild demo, FloodProbe probe) throws IOException {
    StringBuilder sb = new StringBuilder("\n=== DemoServerFloodIT (child -Xmx256m) ===\n");
    report.forEach((k, v) -> sb.append(String.format("%-18s %s%n", k, v)));
    sb.append("probe (max ms put / event / get) per phase:\n");
    probe.maxima().forEach((k, v) -> sb.append(String.format("  %-26s %4d / %4d / %4d  (%d probes)%n", k, v[0],
        v[1], v[2], v[3])));
    sb.append("gc overall: ").append(demo.gc.overall()).append('\n');
    return sb.toString();
  }

  // ------------------------------------------------------------------------------------------------ requests

  @FunctionalInterface
  interface Call {
    int send(int client, int i) throws Exception;
  }

  /** What a flood got back: statuses and failures (exceptions) by kind. */
  static final class Tally {
    final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    Tally expectOnly(Integer... allowed) {
      assertEquals(Map.of(), Map.copyOf(failures), "requests failed: " + this);
      Set<Integer> unexpected = new TreeSet<>(statuses.keySet());
      unexpected.removeAll(Set.of(allowed));
      assertEquals(Set.of(), unexpected, "unexpected statuses: " + this);
      return this;
    }

    Tally expectSome(int status) {
      assertTrue(statuses.containsKey(status), "expected some " + status + ": " + this);
      return this;
    }

    @Override
    public String toString() {
      Map<Object, Long> all = new TreeMap<>();
      statuses.forEach((k, v) -> all.put(k, v.sum()));
      Map<String, Long> f = new TreeMap<>();
      failures.forEach((k, v) -> f.put(k, v.sum()));
      return all + (f.isEmpty() ? "" : " failures " + f);
    }
  }

  /** {@code perClient} calls from each of {@code clients} threads at once, within {@link #FLOOD_DEADLINE}. */
  static Tally flood(int clients, int perClient, Call call) throws Exception {
    Tally t = new Tally();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        running.add(pool.submit(() -> {
          for (int i = 0; i < perClient; i++) {
            try {
              t.statuses.computeIfAbsent(call.send(client, i), k -> new LongAdder()).increment();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            } catch (Exception e) {
              t.failures.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(),
                  k -> new LongAdder()).increment();
            }
          }
        }));
      }
      long deadline = System.nanoTime() + FLOOD_DEADLINE.toNanos();
      for (Future<?> f : running) {
        try {
          f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          throw new AssertionError("the flood did not end within " + FLOOD_DEADLINE + ": " + t, e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return t;
  }

  static HttpRequest.Builder json(URI base, String path) {
    return HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json");
  }

  int send(HttpRequest.Builder b) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(b.timeout(REQUEST_TIMEOUT).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() >= 400) {
      JsonNode err = TestJson.parse(r.body()); // every refusal is a JSON error
      assertTrue(err.hasNonNull("error") && err.hasNonNull("message"), r.body());
    }
    return r.statusCode();
  }

  /** A request whose (large) answer is read to its end and dropped: a cut stream is an exception. */
  int sendDiscarding(HttpRequest.Builder b) throws IOException, InterruptedException {
    return http.send(b.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  void put(URI base, String path, byte[] image) throws Exception {
    assertEquals(200, send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "image/png")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(image))));
  }

  String awaitJob(URI base, String id) {
    String[] status = {"?"};
    Waits.atMost(Duration.ofSeconds(60)).until(() -> {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/media/transforms/jobs/" + id))
          .timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      status[0] = TestJson.parse(r.body()).path("status").asText();
      return status[0].equals("complete") || status[0].equals("failed");
    });
    return status[0];
  }

  int memberCount(URI base) throws Exception {
    int n = 0;
    for (String ch : List.of("room-0", "room-1")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/realtime/presence/" + ch))
          .timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      n += TestJson.parse(r.body()).get("members").size();
    }
    return n;
  }

  /** The status of the answer on a trickler's connection (0: closed without one). */
  static int status(Socket s) {
    try {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      String line = in.readLine();
      return line == null ? 0 : Integer.parseInt(line.split(" ")[1]);
    } catch (SocketTimeoutException e) {
      return -1;
    } catch (IOException e) {
      return 0;
    }
  }

  // ------------------------------------------------------------------------------------------------ bodies

  /** {@code [{},{},...]} of at most {@code bytes} bytes: ~30 times its size as a Jackson tree. */
  static byte[] emptyObjects(int bytes) {
    StringBuilder sb = new StringBuilder(bytes).append("[{}");
    while (sb.length() + 4 <= bytes) {
      sb.append(",{}");
    }
    return sb.append(']').toString().getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] publishBody(String channel, byte[] data) {
    return concat("{\"channel\":\"" + channel + "\",\"data\":", data, "}");
  }

  static byte[] concat(String head, byte[] middle, String tail) {
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] t = tail.getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[h.length + middle.length + t.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(middle, 0, all, h.length, middle.length);
    System.arraycopy(t, 0, all, h.length + middle.length, t.length);
    return all;
  }

  /** {@code {"filter":{"$or":[{"n":{"$in":[...values]}} x branches]}}}. */
  static String orFilter(int branches, int values) {
    StringBuilder sb = new StringBuilder("{\"filter\":{\"$or\":[");
    for (int b = 0; b < branches; b++) {
      sb.append(b == 0 ? "" : ",").append("{\"n\":{\"$in\":[");
      for (int v = 0; v < values; v++) {
        sb.append(v == 0 ? "" : ",").append(b * values + v);
      }
      sb.append("]}}");
    }
    return sb.append("]}}").toString();
  }

  /** A 16-bit-per-channel RGBA image: 8 bytes a decoded pixel. */
  static BufferedImage rgba16(int w, int h) {
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), true, false,
        Transparency.TRANSLUCENT, DataBuffer.TYPE_USHORT);
    return new BufferedImage(cm, Raster.createInterleavedRaster(DataBuffer.TYPE_USHORT, w, h, 4, null), false,
        null);
  }
}
