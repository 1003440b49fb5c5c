package dev.ren.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo server ({@link DemoServer#main}) in a child JVM of its own, as {@code java -jar ren-examples.jar} runs it:
 * on a free port, with the given heap and data directory. Its output is captured (the last lines, and every line
 * that shows a failure, tagged with the {@link #phase} it came in), its {@code -Xlog:gc} output read
 * ({@link GcLog}), and its live heap measured with {@code jcmd}. {@link #close()} stops it (SIGTERM, which runs its
 * shutdown hook; SIGKILL after 30 s).
 *
 * <p>Thread-safety: the output is read on a thread of its own; the accessors are thread-safe.
 */
final class DemoChild implements AutoCloseable {

  private static final Pattern READY = Pattern.compile("REN demo server ready at (http://\\S+?)/ ");
  /** What a line of the child's output holds when something went wrong: JUL's SEVERE is REN's ERROR. */
  private static final List<String> PROBLEMS = List.of("OutOfMemoryError", "StackOverflowError", "SEVERE:",
      "unexpected failure", "status=500");
  private static final Pattern TOTAL = Pattern.compile("Total\\s+\\d+\\s+(\\d+)");

  final Process process;
  final GcLog gc;
  /** Where the child listens, once it said so. */
  private final CompletableFuture<URI> ready = new CompletableFuture<>();
  private final Deque<String> tail = new ArrayDeque<>();
  private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  /** The flood under way, to tag the lines that show a problem. */
  volatile String phase = "start";

  private DemoChild(Process process, GcLog gc) {
    this.process = process;
    this.gc = gc;
    Thread reader = new Thread(this::read, "demo-child-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@link DemoServer} on a free port and a data directory under {@code dir}, with {@code heap}. */
  static DemoChild start(Path dir, String heap, String... demoArgs) throws Exception {
    return start(dir, dir.resolve("data"), heap, demoArgs);
  }

  /** As {@link #start(Path, String, String...)} with the data directory {@code data} (two nodes may share one). */
  static DemoChild start(Path dir, Path data, String heap, String... demoArgs) throws Exception {
    return start(dir, data, List.of(heap), demoArgs);
  }

  /** As {@link #start(Path, Path, String, String...)} with the JVM options {@code jvm} (heap, system properties). */
  static DemoChild start(Path dir, Path data, List<String> jvm, String... demoArgs) throws Exception {
    Path gcLog = dir.resolve("gc.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvm);
    command.addAll(List.of("-Xlog:gc:file=" + gcLog, "-cp", System.getProperty("java.class.path"),
        DemoServer.class.getName(), "--port", "0", "--data", data.toString()));
    command.addAll(List.of(demoArgs));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    DemoChild c = new DemoChild(p, new GcLog(gcLog));
    try {
      c.ready.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      p.destroyForcibly();
      throw new IllegalStateException("the demo server did not start:\n" + c.tail(), e);
    }
    return c;
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Matcher m = READY.matcher(line);
        if (m.find()) {
          ready.complete(URI.create(m.group(1)));
        }
        line(line);
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
    ready.completeExceptionally(new IllegalStateException("the demo server's output ended"));
  }

  private synchronized void line(String line) {
    tail.addLast(line);
    if (tail.size() > 200) {
      tail.removeFirst();
    }
    for (String sign : PROBLEMS) {
      if (line.contains(sign)) {
        problems.add("[" + phase + "] " + line);
        break;
      }
    }
  }

  /** Where the demo server listens: {@code http://127.0.0.1:<port>}. */
  URI uri() {
    return ready.join();
  }

  /** The lines of its output that show a failure, each tagged with the phase it came in. */
  List<String> problems() {
    return List.copyOf(problems);
  }

  /** Its last 200 lines of output. */
  synchronized String tail() {
    return String.join("\n", tail);
  }

  /**
   * What the heap holds after a full GC, which {@code jcmd GC.class_histogram} forces: what the flood left
   * behind (the stores at their bounds), without its garbage.
   */
  String liveHeap() throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return "unknown (no jcmd)";
    }
    Process j = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.class_histogram")
        .redirectErrorStream(true).start();
    String out = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    j.waitFor(30, TimeUnit.SECONDS);
    Matcher m = TOTAL.matcher(out);
    return m.find() ? Long.parseLong(m.group(1)) / (1 << 20) + " MB" : "unknown";
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Reads the child's {@code -Xlog:gc} output: per pause the heap before it (the peak), how long it took, and
   * whether it was a full GC. Confined to the test thread.
   */
  static final class GcLog {
    private static final Pattern PAUSE = Pattern.compile("Pause (\\S+).*?(\\d+)M->\\d+M\\(\\d+M\\) ([\\d.]+)ms");

    private final Path file;
    private int seen;
    private final long[] all = new long[3]; // peak MB, longest pause ms, full GCs

    GcLog(Path file) {
      this.file = file;
    }

    /** The figures of the pauses since the last call (of this or {@link #overall}). */
    synchronized String since() throws IOException {
      List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      long[] part = new long[3];
      for (int i = seen; i < lines.size(); i++) {
        Matcher m = PAUSE.matcher(lines.get(i));
        if (m.find()) {
          long before = Long.parseLong(m.group(2));
          long pause = Math.round(Double.parseDouble(m.group(3)));
          boolean full = m.group(1).equals("Full");
          for (long[] f : new long[][] {part, all}) {
            f[0] = Math.max(f[0], before);
            f[1] = Math.max(f[1], pause);
            f[2] += full ? 1 : 0;
          }
        }
      }
      seen = lines.size();
      return format(part);
    }

    /** The figures of all pauses so far. */
    synchronized String overall() throws IOException {
      since();
      return format(all);
    }

    private static String format(long[] f) {
      return "heap at most " + f[0] + " MB, longest GC pause " + f[1] + " ms, " + f[2] + " full GCs";
    }
  }
}
