package dev.ren.bench.load;

import org.jspecify.annotations.Nullable;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark harness and load generator (its own JVM): starts each server (REN, Spring MVC {@code SseEmitter},
 * Jetty {@code EventSourceServlet}) as a separate JVM with identical flags, drives the same scenarios against each
 * with the same non-blocking client ({@link Engine}), and writes Markdown, CSV and a PNG chart.
 *
 * <pre>
 *   ren-bench/run.sh all            # the whole suite, specified durations
 *   ren-bench/run.sh fanout --quick # one scenario, short durations
 * </pre>
 *
 * Scenarios: {@code fanout} (a), {@code latency} (b), {@code sweep} ((b) at 10 to 1,000 streams), {@code idle} (c),
 * {@code slow} (d), {@code mutation} (e).
 *
 * <p>Thread-safety: a program, single-threaded apart from the engine's loops.
 */
public final class LoadClient {

  record Sys(String name, String label, int port, String ssePath, List<String> cmd) {}

  record Result(String scenario, String system, String metric, double value, String unit) {}

  // options
  boolean quick;
  List<String> scenarios = List.of("fanout", "latency", "sweep", "idle", "slow", "mutation");
  List<String> systemNames = List.of("ren", "spring", "jetty", "raw");
  /** A benchmarks.jar built from an earlier commit: run as system "ren-before", side by side with "ren". */
  @Nullable Path baselineJar;
  int threads = 1;
  int subscribers = 1000;
  List<Integer> sweepCounts = List.of(10, 100, 300, 1000); // ascending
  int size = 200;
  int idleConns = 19_500;
  double fanoutSeconds = 30;
  double latencySeconds = 20;
  double idleHoldSeconds = 16; // past one 15 s heartbeat
  double mutationSeconds = 10;
  boolean jfr;
  String profiler; // path of libasyncProfiler.so, or null
  Path replot; // a results CSV whose chart to redraw, or null
  String currentScenario = "";
  double warmSeconds = 3;
  int putConns = 32;
  Path benchDir = Path.of("ren-bench");
  Path outDir;
  List<String> jvmFlags = new ArrayList<>(List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC"));

  final List<Result> results = new ArrayList<>();
  final Map<String, Sys> systems = new LinkedHashMap<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  Path logDir;

  public static void main(String[] args) throws Exception {
    LoadClient c = new LoadClient();
    c.parse(args);
    c.run();
  }

  void parse(String[] args) {
    List<String> pos = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> quick = true;
        case "--jfr" -> jfr = true;
        case "--async-profiler" -> profiler = args[++i];
        case "--systems" -> systemNames = Arrays.asList(args[++i].split(","));
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--subscribers" -> subscribers = Integer.parseInt(args[++i]);
        case "--sweep" -> sweepCounts = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
        case "--idle" -> idleConns = Integer.parseInt(args[++i]);
        case "--warm" -> warmSeconds = Double.parseDouble(args[++i]);
        case "--replot" -> replot = Path.of(args[++i]);
        case "--jvm-flag" -> jvmFlags.add(args[++i]); // appended to every system's flags alike
        case "--baseline-jar" -> baselineJar = Path.of(args[++i]); // system "ren-before": REN from an older build
        case "--seconds" -> {
          double s = Double.parseDouble(args[++i]);
          fanoutSeconds = s;
          latencySeconds = s;
          mutationSeconds = s;
        }
        case "--bench-dir" -> benchDir = Path.of(args[++i]);
        case "--out" -> outDir = Path.of(args[++i]);
        default -> {
          if (a.startsWith("--")) {
            throw new IllegalArgumentException("unknown option " + a);
          }
          pos.add(a);
        }
      }
    }
    if (!pos.isEmpty() && !pos.get(0).equals("all")) {
      scenarios = Arrays.asList(pos.get(0).split(","));
    }
    if (quick) {
      fanoutSeconds = Math.min(fanoutSeconds, 5);
      latencySeconds = Math.min(latencySeconds, 5);
      mutationSeconds = Math.min(mutationSeconds, 5);
      idleHoldSeconds = 3;
      warmSeconds = 2;
    }
    if (outDir == null) {
      outDir = benchDir.resolve("results");
    }
  }

  void run() throws Exception {
    logDir = benchDir.resolve("target/bench-logs");
    Files.createDirectories(logDir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Map<String, Sys> all = new LinkedHashMap<>();
    all.put("ren", new Sys("ren", "REN", 18081, "/api/maravilla/ren?s=realtime",
        cmd(java, "-cp", benchDir.resolve("target/benchmarks.jar").toString(), "dev.ren.bench.load.RenLoadServer",
            "18081")));
    all.put("spring", new Sys("spring", "Spring MVC SseEmitter", 18082, "/sse",
        cmd(java, "-jar", benchDir.resolve("peers/spring-sse/target/spring-sse-peer.jar").toString(),
            "--server.port=18082")));
    all.put("jetty", new Sys("jetty", "Jetty EventSourceServlet", 18083, "/sse",
        cmd(java, "-jar", benchDir.resolve("peers/jetty-sse/target/jetty-sse-peer.jar").toString(), "18083")));
    all.put("raw", new Sys("raw", "raw NIO floor", 18084, "/sse",
        cmd(java, "-cp", benchDir.resolve("target/benchmarks.jar").toString(), "dev.ren.bench.load.RawNioServer",
            "18084")));
    if (baselineJar != null) {
      if (!Files.isRegularFile(baselineJar)) {
        throw new IllegalArgumentException("--baseline-jar " + baselineJar + " is not a file");
      }
      all.put("ren-before", new Sys("ren-before", "REN before (" + baselineJar.getFileName() + ")", 18085,
          "/api/maravilla/ren?s=realtime",
          cmd(java, "-cp", baselineJar.toAbsolutePath().toString(), "dev.ren.bench.load.RenLoadServer", "18085")));
    }
    if (replot != null) { // redraw a past run's chart from its CSV (after a change to the chart)
      List<String> lines = Files.readAllLines(replot);
      Pattern row = Pattern.compile("([^,]*),([^,]*),\"((?:[^\"]|\"\")*)\",([^,]*),(.*)"); // as Report writes
      for (String l : lines.subList(1, lines.size())) {
        Matcher m = row.matcher(l);
        if (!m.matches()) {
          throw new IllegalArgumentException("not a results row: " + l);
        }
        results.add(new Result(m.group(1), m.group(2), m.group(3).replace("\"\"", "\""),
            Double.parseDouble(m.group(4)), m.group(5)));
        systems.putIfAbsent(m.group(2), all.get(m.group(2)));
      }
      String name = replot.getFileName().toString().replaceFirst("\\.csv$", ".png");
      Report.chart(this, replot.resolveSibling(name));
      System.out.println("redrawn " + replot.resolveSibling(name));
      return;
    }
    for (String n : systemNames) {
      Sys s = all.get(n);
      if (s == null) {
        throw new IllegalArgumentException("unknown system " + n + "; known: " + all.keySet());
      }
      systems.put(n, s);
    }
    System.out.printf(Locale.ROOT, "scenarios %s, systems %s, quick=%s, client threads %d%n", scenarios,
        systems.keySet(), quick, threads);
    for (String sc : scenarios) {
      for (Sys s : systems.values()) {
        if (sc.equals("mutation") && !s.name.startsWith("ren")) {
          continue; // the mutation path is REN's own
        }
        if (sc.equals("idle") && s.name.equals("raw")) {
          continue; // the floor has no heartbeats: it measures the write path only
        }
        System.out.printf(Locale.ROOT, "%n=== %s / %s ===%n", sc, s.label);
        currentScenario = sc;
        Process p = start(s);
        Thread reaper = new Thread(p::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
          switch (sc) {
            case "fanout" -> fanout(s, p);
            case "latency" -> latency(s, p, "latency", 0);
            case "idle" -> idle(s, p);
            case "slow" -> latency(s, p, "slow", 20);
            case "mutation" -> mutation(s, p);
            case "sweep" -> sweep(s, p);
            default -> throw new IllegalArgumentException("unknown scenario " + sc);
          }
        } catch (Exception e) {
          System.out.println("  FAILED: " + e);
          e.printStackTrace(System.out);
          add(sc, s, "error", 1, "");
        } finally {
          add(sc, s, "machine load average (1 min)", loadAverage(), "");
          stop(p);
          Runtime.getRuntime().removeShutdownHook(reaper);
        }
      }
    }
    Report.write(this);
  }

  private List<String> cmd(String java, String... rest) {
    List<String> c = new ArrayList<>();
    c.add(java);
    c.addAll(jvmFlags);
    c.addAll(Arrays.asList(rest));
    return c;
  }

  // ------------------------------------------------------------------------------------------------ scenarios

  void fanout(Sys s, Process p) throws Exception {
    try (Engine e = new Engine(threads)) {
      connect(e, s, subscribers, 0);
      control(s, "publish", "rate=0&seconds=" + (warmSeconds + fanoutSeconds + 5) + "&size=" + size);
      sleep(warmSeconds);
      Window w = new Window(e, p);
      e.recording(true);
      sleep(fanoutSeconds);
      w.end();
      LogHistogram h = e.histogram(false);
      e.recording(false);
      control(s, "stop", "");
      double rate = w.deliveries / w.seconds;
      add("fanout", s, "deliveries/s", rate, "1/s");
      add("fanout", s, "server CPU per delivery", w.serverCpuNs / Math.max(1, w.deliveries), "ns");
      add("fanout", s, "server CPU", w.serverCpuNs / 1e9 / w.seconds, "cores");
      add("fanout", s, "client CPU", w.clientCpuNs / 1e9 / w.seconds, "cores");
      add("fanout", s, "p50 under load", h.quantile(0.5) / 1000.0, "ms");
      add("fanout", s, "p99 under load", h.quantile(0.99) / 1000.0, "ms");
      add("fanout", s, "streams dropped", e.closedByPeer() + e.failures(), "");
    }
  }

  /** Scenario (b), and (d) when stalledEvery > 0 (every 20th stream stops reading: 5 %). */
  void latency(Sys s, Process p, String sc, int stalledEvery) throws Exception {
    try (Engine e = new Engine(threads)) {
      connect(e, s, subscribers, stalledEvery);
      long heap0 = stalledEvery > 0 ? heapAfterGc(s) : 0;
      List<Long> heapSamples = new ArrayList<>();
      Paced m = paced(e, s, p, latencySeconds, () -> {
        if (stalledEvery > 0) {
          heapSamples.add(jsonLong(control(s, "heap", ""), "heapUsed"));
        }
      });
      LogHistogram h = m.histogram();
      Window w = m.window();
      String prefix = stalledEvery > 0 ? "healthy " : "";
      add(sc, s, prefix + "p50", h.quantile(0.5) / 1000.0, "ms");
      add(sc, s, prefix + "p99", h.quantile(0.99) / 1000.0, "ms");
      add(sc, s, prefix + "p99.9", h.quantile(0.999) / 1000.0, "ms");
      add(sc, s, prefix + "max", h.max() / 1000.0, "ms");
      int healthy = stalledEvery > 0 ? subscribers - (subscribers + stalledEvery - 1) / stalledEvery : subscribers;
      add(sc, s, prefix + "deliveries/s", w.deliveries / w.seconds, "1/s");
      add(sc, s, "expected deliveries/s", 100.0 * healthy, "1/s");
      // percentiles cover only what arrived: a system far below 100 % has an unbounded, growing queue behind them
      add(sc, s, "delivered share", Math.min(100, w.deliveries / w.seconds / (100.0 * healthy) * 100), "%");
      add(sc, s, "server CPU", w.serverCpuNs / 1e9 / w.seconds, "cores");
      add(sc, s, "server CPU per delivery", w.serverCpuNs / 1000.0 / Math.max(1, w.deliveries), "µs");
      add(sc, s, "client CPU", w.clientCpuNs / 1e9 / w.seconds, "cores");
      if (stalledEvery > 0) {
        long heap1 = heapAfterGc(s);
        add(sc, s, "heap after GC, start", heap0 / 1048576.0, "MiB");
        add(sc, s, "heap after GC, end", heap1 / 1048576.0, "MiB");
        add(sc, s, "heap max sampled", heapSamples.stream().mapToLong(x -> x).max().orElse(0) / 1048576.0, "MiB");
        add(sc, s, "streams dropped", e.closedByPeer() + e.failures(), "");
        System.out.println("  heap samples (MiB): " + heapSamples.stream().map(x -> String.format(Locale.ROOT,
            "%.0f", x / 1048576.0)).toList());
      }
    }
  }

  /** What {@link #paced} measured. */
  record Paced(LogHistogram histogram, Window window) {}

  /** Work done once a second inside a measurement window. */
  @FunctionalInterface
  interface Tick {
    void run() throws IOException;
  }

  /**
   * Publishes 100 events/s on the server, waits out the warm-up, then records one window of {@code seconds}
   * (latency histogram, deliveries, CPU), calling {@code everySecond} once a second inside it; stops the publisher.
   */
  private Paced paced(Engine e, Sys s, Process p, double seconds, Tick everySecond) throws Exception {
    control(s, "publish", "rate=100&seconds=" + (warmSeconds + seconds + 5) + "&size=" + size);
    sleep(warmSeconds);
    e.histogram(true);
    Window w = new Window(e, p);
    e.recording(true);
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      sleep(Math.min(1.0, (end - System.nanoTime()) / 1e9));
      everySecond.run();
    }
    w.end();
    e.recording(false);
    LogHistogram h = e.histogram(false);
    control(s, "stop", "");
    return new Paced(h, w);
  }

  /**
   * (b) at growing numbers of streams, one server process: where the latency targets hold and how the floor moves.
   * Streams are added between steps, never closed (a server notices a vanished idle stream only at its next write).
   */
  void sweep(Sys s, Process p) throws Exception {
    double seconds = Math.max(5, latencySeconds / 2);
    try (Engine e = new Engine(threads)) {
      int open = 0;
      for (int n : sweepCounts) {
        connect(e, s, n - open, 0);
        if (open == 0) { // warm the JIT first: 1,000 events/s to the first streams, then a pause to drain
          control(s, "publish", "rate=1000&seconds=" + (warmSeconds + 5) + "&size=" + size);
          sleep(warmSeconds + 5);
          control(s, "stop", "");
          sleep(1);
        }
        open = n;
        Paced m = paced(e, s, p, seconds, () -> { });
        LogHistogram h = m.histogram();
        Window w = m.window();
        add("sweep", s, "p50 at " + n + " streams", h.quantile(0.5) / 1000.0, "ms");
        add("sweep", s, "p99 at " + n + " streams", h.quantile(0.99) / 1000.0, "ms");
        add("sweep", s, "server CPU at " + n + " streams", w.serverCpuNs / 1e9 / w.seconds, "cores");
        add("sweep", s, "delivered share at " + n + " streams",
            Math.min(100, w.deliveries / w.seconds / (100.0 * n) * 100), "%");
        sleep(1); // let queued sends of a blocking peer finish before the next step
      }
    }
  }

  void idle(Sys s, Process p) throws Exception {
    long heap0 = heapAfterGc(s);
    long threads0 = procStatus(p.pid(), "Threads");
    long rss0 = procStatus(p.pid(), "VmRSS");
    try (Engine e = new Engine(threads)) {
      long t0 = System.nanoTime();
      try {
        connect(e, s, idleConns, 0);
      } catch (IOException ex) {
        // how far it got is a result too (e.g. the server ran out of heap)
        add("idle", s, "streams opened before failure", e.ready(), "");
        add("idle", s, "server process alive", p.isAlive() ? 1 : 0, "");
        System.out.println("  server log tail: " + tail(logDir.resolve(s.name + ".log")));
        throw ex;
      }
      double connectSeconds = (System.nanoTime() - t0) / 1e9;
      sleep(idleHoldSeconds);
      long heap1 = heapAfterGc(s);
      classHistogram(s, p);
      long threads1 = procStatus(p.pid(), "Threads");
      long rss1 = procStatus(p.pid(), "VmRSS");
      long held = e.ready() - e.closedByPeer() - e.failures();
      add("idle", s, "streams held", held, "");
      add("idle", s, "heap per stream", (heap1 - heap0) / (double) idleConns, "B");
      add("idle", s, "heap after GC", heap1 / 1048576.0, "MiB");
      add("idle", s, "threads", threads1, "");
      add("idle", s, "threads added", threads1 - threads0, "");
      add("idle", s, "RSS", rss1 / 1024.0, "MiB");
      add("idle", s, "RSS per stream", (rss1 - rss0) * 1024.0 / idleConns, "B");
      add("idle", s, "connect time", connectSeconds, "s");
      add("idle", s, "heartbeats seen", e.comments(), "");
    }
  }

  void mutation(Sys s, Process p) throws Exception {
    InetSocketAddress addr = new InetSocketAddress("127.0.0.1", s.port);
    // PUTs get their own selector thread so that reading 1,000 streams does not delay their answers.
    // "quiet" PUTs go to the same KV servlet over a store whose publisher drops every event: the PUT's own cost.
    try (Engine e = new Engine(1); Engine quiet = new Engine(1); Engine subs = new Engine(threads)) {
      e.openPuts(addr, "/api/kv", "bench", putConns);
      quiet.openPuts(addr, "/api/kv-quiet", "bench", putConns);
      waitFor(() -> e.putReady() >= putConns && quiet.putReady() >= putConns, 30_000, "put connections");
      for (Engine x : List.of(e, quiet)) { // the JIT compiles both paths before either is measured
        x.puts(true);
        sleep(warmSeconds);
        x.puts(false);
        sleep(0.2);
      }
      // alternate the two in short windows so that drift on the shared machine hits both alike
      double[] on = new double[3];
      double[] off = new double[3];
      double lowest = Double.POSITIVE_INFINITY;
      double highest = Double.NEGATIVE_INFINITY;
      for (int round = 0; round < 4; round++) {
        double[] on0 = on.clone();
        double[] off0 = off.clone();
        putWindow(round % 2 == 0 ? e : quiet, p, mutationSeconds / 4, round % 2 == 0 ? on : off);
        putWindow(round % 2 == 0 ? quiet : e, p, mutationSeconds / 4, round % 2 == 0 ? off : on);
        double cost = emittingCost((on[0] - on0[0]) / (on[1] - on0[1]), (off[0] - off0[0]) / (off[1] - off0[1]));
        lowest = Math.min(lowest, cost);
        highest = Math.max(highest, cost);
      }
      double without = on[0] / on[1];
      add("mutation", s, "puts/s with emitting off", off[0] / off[1], "1/s");
      add("mutation", s, "server CPU with emitting off", off[2] / off[1], "cores");
      add("mutation", s, "puts/s without subscribers", without, "1/s");
      add("mutation", s, "server CPU without subscribers", on[2] / on[1], "cores");
      add("mutation", s, "emitting cost with no subscriber", emittingCost(without, off[0] / off[1]), "%");
      // each round is one on/off pair: the spread between rounds shows how much of the cost is the machine's noise
      add("mutation", s, "emitting cost, lowest round of 4", lowest, "%");
      add("mutation", s, "emitting cost, highest round of 4", highest, "%");
      connect(subs, s, subscribers, 0, "/api/maravilla/ren?s=kv");
      long cut0 = subs.closedByPeer();
      e.puts(true);
      sleep(1);
      long ev0 = subs.otherEvents(); // deliveries are counted over the measured window only
      double[] with = new double[3];
      putWindow(e, p, mutationSeconds, with);
      long ev1 = subs.otherEvents();
      e.puts(false);
      add("mutation", s, "puts/s with " + subscribers + " subscribers", with[0] / with[1], "1/s");
      add("mutation", s, "server CPU with " + subscribers + " subscribers", with[2] / with[1], "cores");
      // REN never blocks a publisher: a stream that cannot keep up with the write rate is cut off (slow reader)
      add("mutation", s, "streams cut during the phase", subs.closedByPeer() - cut0, "");
      add("mutation", s, "kv.put deliveries/s", (ev1 - ev0) / with[1], "1/s");
      add("mutation", s, "throughput kept", with[0] / with[1] / without * 100, "%");
      add("mutation", s, "put errors", e.putErrors() + quiet.putErrors(), "");
    }
  }

  /** How many percent fewer puts/s the emitting store served than the silent one. */
  private static double emittingCost(double onPutsPerSecond, double offPutsPerSecond) {
    return (1 - onPutsPerSecond / offPutsPerSecond) * 100;
  }

  /** Runs {@code e}'s PUTs for a window; adds puts, seconds and server CPU core-seconds to {@code acc}. */
  private void putWindow(Engine e, Process p, double seconds, double[] acc) throws IOException {
    boolean wasOn = e.putsOn();
    if (!wasOn) {
      e.puts(true);
      sleep(0.5);
    }
    Window w = new Window(e, p);
    long p0 = e.putsDone();
    sleep(seconds);
    long p1 = e.putsDone();
    w.end();
    if (!wasOn) {
      e.puts(false);
      sleep(0.2);
    }
    acc[0] += p1 - p0;
    acc[1] += w.seconds;
    acc[2] += w.serverCpuNs / 1e9;
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** A measurement window: deliveries, server and client CPU. */
  final class Window {
    final Engine e;
    final Process p;
    final long t0;
    final long d0;
    final long cpu0;
    final long client0;
    double seconds;
    long deliveries;
    double serverCpuNs;
    double clientCpuNs;

    Window(Engine e, Process p) throws IOException {
      this.e = e;
      this.p = p;
      t0 = System.nanoTime();
      d0 = e.deliveries();
      cpu0 = cpuTicks(p.pid());
      client0 = cpuTicks(ProcessHandle.current().pid());
    }

    void end() throws IOException {
      seconds = (System.nanoTime() - t0) / 1e9;
      deliveries = e.deliveries() - d0;
      serverCpuNs = (cpuTicks(p.pid()) - cpu0) * 1e7; // USER_HZ = 100
      clientCpuNs = (cpuTicks(ProcessHandle.current().pid()) - client0) * 1e7;
    }
  }

  private void connect(Engine e, Sys s, int n, int stalledEvery) throws Exception {
    connect(e, s, n, stalledEvery, s.ssePath);
  }

  private void connect(Engine e, Sys s, int n, int stalledEvery, String path) throws Exception {
    long before = e.ready();
    long t0 = System.nanoTime();
    e.openSse(new InetSocketAddress("127.0.0.1", s.port), path, n, stalledEvery);
    long[] progress = {e.ready(), System.nanoTime()};
    waitFor(() -> {
      long r = e.ready();
      if (r != progress[0]) {
        progress[0] = r;
        progress[1] = System.nanoTime();
      }
      boolean stuck = System.nanoTime() - progress[1] > 30_000_000_000L; // no new stream for 30 s
      return r - before >= n || stuck || e.failures() + e.closedByPeer() > n / 100 + 5;
    }, 300_000, n + " streams");
    if (e.ready() - before < n) {
      throw new IOException("only " + (e.ready() - before) + " of " + n + " streams opened; failures "
          + e.failures() + ", closed " + e.closedByPeer());
    }
    long target = e.ready(); // every stream this engine holds, from earlier calls too
    waitFor(() -> {
      try {
        return jsonLong(control(s, "status", ""), "subscribers") >= target;
      } catch (IOException ex) {
        return false;
      }
    }, 60_000, "server-side subscribers");
    System.out.printf(Locale.ROOT, "  %d streams open in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
  }

  /** Where the idle streams' heap goes: the top of {@code jcmd GC.class_histogram}, saved beside the logs. */
  private void classHistogram(Sys s, Process p) {
    Path out = logDir.resolve(s.name + "-idle-histogram.txt");
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    try {
      Process j = new ProcessBuilder(jcmd, Long.toString(p.pid()), "GC.class_histogram").redirectErrorStream(true)
          .redirectOutput(out.toFile()).start();
      if (!j.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        j.destroyForcibly();
      }
      System.out.println("  class histogram: " + out);
    } catch (IOException e) {
      System.out.println("  no class histogram: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private long heapAfterGc(Sys s) throws IOException {
    return jsonLong(control(s, "gc", ""), "heapUsed");
  }

  Process start(Sys s) throws Exception {
    List<String> cmd = new ArrayList<>(s.cmd);
    if (jfr) { // profiling run: the same recording settings for every system
      cmd.add(1, "-XX:StartFlightRecording=settings=profile,filename="
          + logDir.toAbsolutePath().resolve(s.name + "-" + currentScenario + ".jfr"));
    }
    if (profiler != null) { // wall-clock-free CPU profile (itimer: works where perf events are not available)
      cmd.add(1, "-agentpath:" + profiler + "=start,event=itimer,interval=1ms,file="
          + logDir.toAbsolutePath().resolve(s.name + "-" + currentScenario + "-cpu.collapsed"));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(s.name + ".log").toFile()));
    Process p = pb.start();
    long t0 = System.nanoTime();
    waitFor(() -> {
      if (!p.isAlive()) {
        throw new IllegalStateException(s.name + " exited with " + p.exitValue() + "; see " + logDir);
      }
      try {
        control(s, "status", "");
        return true;
      } catch (IOException e) {
        return false;
      }
    }, 120_000, s.name + " start");
    System.out.printf(Locale.ROOT, "  %s up (pid %d) in %.1f s%n", s.label, p.pid(), (System.nanoTime() - t0) / 1e9);
    return p;
  }

  void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  String control(Sys s, String op, String query) throws IOException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + "/bench/" + op
        + (query.isEmpty() ? "" : "?" + query))).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.noBody()).build();
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("/bench/" + op + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(unreadable: " + e + ")";
    }
  }

  static long jsonLong(String json, String field) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(\\d+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + field + " in " + json);
    }
    return Long.parseLong(m.group(1));
  }

  /** The 1-minute load average: the machine is shared, so every result carries it. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
  }

  static long procStatus(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  static void waitFor(BooleanSupplier cond, long timeoutMs, String what) throws IOException {
    long end = System.nanoTime() + timeoutMs * 1_000_000;
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new IOException("timed out after " + timeoutMs + " ms waiting for " + what);
      }
      sleep(0.05);
    }
  }

  static void sleep(double seconds) {
    try {
      Thread.sleep((long) (seconds * 1000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void add(String sc, Sys s, String metric, double value, String unit) {
    results.add(new Result(sc, s.name, metric, value, unit));
    System.out.printf(Locale.ROOT, "  %-34s %,16.3f %s%n", metric, value, unit);
  }

  static File file(Path p) {
    return p.toFile();
  }
}
