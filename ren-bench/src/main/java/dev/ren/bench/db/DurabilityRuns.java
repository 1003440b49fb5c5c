package dev.ren.bench.db;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ren.db.Collection;
import dev.ren.db.Document;
import dev.ren.db.DocumentStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * RELIABILITY 26 and 40 at length: the kill -9 durability check of ren-db's {@code DurabilityTest} (10 runs per
 * build), run many times in a row with throughput figures. Each run starts a {@link DurabilityChild} JVM on a fresh
 * directory (3 inserting and 3 updating threads by default), reads every acknowledged write from its stdout, kills
 * it with SIGKILL at a random moment after its first acknowledgement, reopens the directory and checks that every
 * acknowledged insert is there and every updated document is at least at its acknowledged revision (with the
 * content of that revision). It prints one line per run and a summary, writes the summary to
 * {@code results/durability-<date>.md} (with {@code --out DIR}: there), and exits with status 1 if any write was
 * lost.
 *
 * <pre>{@code
 * ren-bench/run.sh durability                      # 50 runs
 * ren-bench/run.sh durability --runs 10 --max-ms 500 --no-build
 * java -cp ren-bench/target/benchmarks.jar dev.ren.bench.db.DurabilityRuns --runs 50 --seed 42
 * }</pre>
 *
 * Options: {@code --runs N} (50), {@code --inserters N} (3), {@code --updaters N} (3), {@code --min-ms}/{@code
 * --max-ms} the kill delay after the first acknowledgement (50 / 3000), {@code --seed S} (random; printed),
 * {@code --child-heap} (128m), {@code --out DIR}.
 *
 * <p>Throughput is acknowledged writes over the window from the first acknowledgement to the kill, which includes
 * the child's warm-up, and "warm" over the same window without its first {@value #WARM_UP_MS} ms (runs of at least
 * twice that); all writers share the machine with the parent reading their output.
 *
 * <p>Thread-safety: a program, single-threaded apart from the child process it drives.
 */
public final class DurabilityRuns {

  /** The start of a window left out of the warm rates (the child's JIT is still compiling the write path). */
  static final long WARM_UP_MS = 500;

  private DurabilityRuns() {}

  /** What one run acknowledged and what was found after the kill. */
  record Run(int n, long killAfterMs, long windowMs, int inserts, long updates, int warmInserts, long warmUpdates,
             int lostInserts, int staleUpdates, int malformed, long recoveryMs, long fileBytes) {
    double insertsPerSecond() {
      return inserts * 1000.0 / Math.max(1, windowMs);
    }

    double updatesPerSecond() {
      return updates * 1000.0 / Math.max(1, windowMs);
    }

    /** Whether the window outlasted the warm-up by long enough to give a warm rate. */
    boolean warm() {
      return windowMs >= 2 * WARM_UP_MS;
    }

    double warmInsertsPerSecond() {
      return warmInserts * 1000.0 / Math.max(1, windowMs - WARM_UP_MS);
    }

    double warmUpdatesPerSecond() {
      return warmUpdates * 1000.0 / Math.max(1, windowMs - WARM_UP_MS);
    }

    long acknowledged() {
      return inserts + updates;
    }

    int lost() {
      return lostInserts + staleUpdates;
    }
  }

  public static void main(String[] args) throws Exception {
    int runs = 50;
    int inserters = 3;
    int updaters = 3;
    int minMs = 50;
    int maxMs = 3000;
    long seed = new Random().nextLong();
    String childHeap = "128m";
    Path out = Path.of("results");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--inserters" -> inserters = Integer.parseInt(args[++i]);
        case "--updaters" -> updaters = Integer.parseInt(args[++i]);
        case "--min-ms" -> minMs = Integer.parseInt(args[++i]);
        case "--max-ms" -> maxMs = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--child-heap" -> childHeap = args[++i];
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; options: --runs --inserters --updaters --min-ms --max-ms --seed --child-heap --out");
      }
    }
    if (runs < 1 || inserters < 1 || updaters < 1 || minMs < 0 || maxMs < minMs) {
      throw new IllegalArgumentException("need runs, inserters, updaters >= 1 and 0 <= min-ms <= max-ms");
    }
    Random random = new Random(seed);
    String started = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'").withZone(ZoneOffset.UTC)
        .format(Instant.now());
    System.out.printf(Locale.ROOT, "durability: %d runs, %d inserters + %d updaters, kill %d-%d ms after the first"
        + " acknowledged write, seed %d, %d cores, java %s%n", runs, inserters, updaters, minMs, maxMs, seed,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    System.out.println(" run  kill-ms  window-ms  inserts  updates  ins/s  upd/s  lost  recovery-ms  file-KiB");
    List<Run> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int n = 1; n <= runs; n++) {
      long killAfter = minMs + (maxMs > minMs ? random.nextInt(maxMs - minMs + 1) : 0);
      Run r = run(n, killAfter, inserters, updaters, childHeap);
      results.add(r);
      System.out.printf(Locale.ROOT, "%4d  %7d  %9d  %7d  %7d  %5.0f  %5.0f  %4d  %11d  %8d%s%n", n, r.killAfterMs(),
          r.windowMs(), r.inserts(), r.updates(), r.insertsPerSecond(), r.updatesPerSecond(), r.lost(),
          r.recoveryMs(), r.fileBytes() >> 10, r.malformed() > 0 ? "  (" + r.malformed() + " malformed lines)" : "");
    }
    long totalSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    String summary = summary(results, inserters, updaters, minMs, maxMs, seed, totalSeconds);
    System.out.println();
    System.out.print(summary);
    Files.createDirectories(out);
    Path file = out.resolve("durability-" + started + ".md");
    Files.writeString(file, summary, StandardCharsets.UTF_8);
    System.out.println("written to " + file);
    if (results.stream().anyMatch(r -> r.lost() > 0)) {
      System.exit(1);
    }
  }

  private static Run run(int n, long killAfterMs, int inserters, int updaters, String childHeap) throws Exception {
    Path dir = Files.createTempDirectory("ren-durability-");
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Path err = dir.resolveSibling(dir.getFileName() + ".err");
      Process child = new ProcessBuilder(java, "-Xmx" + childHeap, "-cp", System.getProperty("java.class.path"),
          DurabilityChild.class.getName(), dir.toString(), Integer.toString(inserters), Integer.toString(updaters))
          .redirectError(err.toFile())
          .start();
      List<String> inserted = new ArrayList<>();
      Map<String, Long> updated = new HashMap<>();
      long updates = 0;
      int malformed = 0;
      long firstAck = 0;
      long killedAt = 0;
      int insertsAtWarm = -1;
      long updatesAtWarm = -1;
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        long killAt = Long.MAX_VALUE;
        String line;
        boolean killed = false;
        while (true) {
          line = lines.readLine();
          if (line == null) {
            if (!killed) {
              throw new IllegalStateException("child exited by itself with status " + child.waitFor() + ": "
                  + tail(err));
            }
            break;
          }
          String[] w = line.split(" ");
          if (w.length == 2 && w[0].equals("ins") && w[1].length() == 24) {
            inserted.add(w[1]);
          } else if (w.length == 3 && w[0].equals("upd")) {
            updated.merge(w[1], Long.parseLong(w[2]), Math::max);
            updates++;
          } else {
            malformed++;
          }
          if (!killed) {
            long now = System.nanoTime();
            if (killAt == Long.MAX_VALUE) {
              firstAck = now;
              killAt = now + TimeUnit.MILLISECONDS.toNanos(killAfterMs);
            }
            if (insertsAtWarm < 0 && now - firstAck >= TimeUnit.MILLISECONDS.toNanos(WARM_UP_MS)) {
              insertsAtWarm = inserted.size();
              updatesAtWarm = updates;
            }
            if (now - killAt >= 0) {
              // SIGKILL on Linux: no shutdown hook, no H2 close; the pipe stays open, so what the child wrote
              // before it died is read on (those writes were acknowledged too)
              child.toHandle().destroyForcibly();
              killedAt = System.nanoTime();
              killed = true;
              if (!child.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("child did not die");
              }
            }
          }
        }
      } finally {
        child.destroyForcibly();
      }
      long windowMs = TimeUnit.NANOSECONDS.toMillis(killedAt - firstAck);
      long fileBytes = Files.size(dir.resolve("ren.mv.db"));
      long openStart = System.nanoTime();
      int lostInserts = 0;
      int staleUpdates = 0;
      long recoveryMs;
      try (DocumentStore store = DocumentStore.h2(dir, e -> "0")) {
        Collection c = store.collection("durable");
        c.get("u0"); // the first read: recovery is done by now
        recoveryMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openStart);
        for (String id : inserted) {
          if (c.get(id).isEmpty()) {
            lostInserts++;
          }
        }
        for (Map.Entry<String, Long> u : updated.entrySet()) {
          Optional<Document> d = c.get(u.getKey());
          if (d.isEmpty() || d.get().revision() < u.getValue()
              || d.get().revision() != d.get().json().path("n").asLong(-1)) {
            staleUpdates++;
          }
        }
        c.insertOne(JsonNodeFactory.instance.objectNode().put("after", true)); // writable after recovery
      }
      return new Run(n, killAfterMs, windowMs, inserted.size(), updates,
          insertsAtWarm < 0 ? 0 : inserted.size() - insertsAtWarm, updatesAtWarm < 0 ? 0 : updates - updatesAtWarm,
          lostInserts, staleUpdates, malformed, recoveryMs, fileBytes);
    } finally {
      delete(dir);
    }
  }

  private static String summary(List<Run> runs, int inserters, int updaters, int minMs, int maxMs, long seed,
                                long totalSeconds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "# Document store durability under kill -9%n%n"));
    sb.append(String.format(Locale.ROOT, "%s, %d cores, load average at the end %s, java %s; %d runs in %d s;"
            + " %d inserting + %d updating threads; kill %d-%d ms after the first acknowledged write; seed %d%n%n",
        DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)),
        Runtime.getRuntime().availableProcessors(), loadAverage(), System.getProperty("java.version"), runs.size(),
        totalSeconds, inserters, updaters, minMs, maxMs, seed));
    long lost = runs.stream().mapToLong(Run::lost).sum();
    long acknowledged = runs.stream().mapToLong(Run::acknowledged).sum();
    sb.append("| measure | min | median | max | total |\n|---|---:|---:|---:|---:|\n");
    row(sb, "acknowledged writes per run", runs, r -> r.acknowledged(), "%.0f", acknowledged);
    row(sb, "acknowledged inserts per run", runs, r -> r.inserts(), "%.0f",
        runs.stream().mapToLong(Run::inserts).sum());
    row(sb, "acknowledged updates per run", runs, r -> r.updates(), "%.0f",
        runs.stream().mapToLong(Run::updates).sum());
    row(sb, "inserts/s (window: first ack → kill)", runs, Run::insertsPerSecond, "%.0f", -1);
    row(sb, "updates/s (window)", runs, Run::updatesPerSecond, "%.0f", -1);
    List<Run> warm = runs.stream().filter(Run::warm).toList();
    if (!warm.isEmpty()) {
      String after = " (after the first " + WARM_UP_MS + " ms; " + warm.size() + " runs of " + 2 * WARM_UP_MS
          + " ms or more)";
      row(sb, "warm inserts/s" + after, warm, Run::warmInsertsPerSecond, "%.0f", -1);
      row(sb, "warm updates/s" + after, warm, Run::warmUpdatesPerSecond, "%.0f", -1);
    }
    row(sb, "window, ms", runs, r -> r.windowMs(), "%.0f", -1);
    row(sb, "reopen + first read after the kill, ms", runs, r -> r.recoveryMs(), "%.0f", -1);
    row(sb, "file size at the kill, KiB", runs, r -> r.fileBytes() / 1024.0, "%.0f", -1);
    sb.append(String.format(Locale.ROOT, "| **lost (must be 0)** | | | | **%d** |%n%n", lost));
    sb.append(lost == 0
        ? String.format(Locale.ROOT, "Every one of the %d acknowledged writes survived.%n", acknowledged)
        : String.format(Locale.ROOT, "LOST %d acknowledged writes in %d runs.%n", lost,
            runs.stream().filter(r -> r.lost() > 0).count()));
    return sb.toString();
  }

  private static void row(StringBuilder sb, String name, List<Run> runs, ToDoubleFunction<Run> f, String format,
                          long total) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    sb.append("| ").append(name).append(" | ").append(String.format(Locale.ROOT, format, v[0])).append(" | ")
        .append(String.format(Locale.ROOT, format, median)).append(" | ")
        .append(String.format(Locale.ROOT, format, v[v.length - 1])).append(" | ")
        .append(total >= 0 ? Long.toString(total) : "").append(" |\n");
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no stderr: " + e.getMessage() + ")";
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".err"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
