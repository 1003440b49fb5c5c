package dev.ren.bench.storage;

import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobStore;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Uploads one object of {@code args[0]} MiB (default 1024 = 1 GiB) from a generated stream and reports the
 * peak heap in use while it streams, sampled every 5 ms. Run with a small heap to prove the point:
 * <pre>{@code java -Xmx64m -cp ren-bench/target/benchmarks.jar dev.ren.bench.storage.LargeUploadHeap 1024}</pre>
 */
public final class LargeUploadHeap {

  public static void main(String[] args) throws Exception {
    long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
    long size = mib << 20;
    Path dir = Files.createTempDirectory("ren-heap-bench");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    BlobStore store = BlobStore.fileSystem(dir, event -> "0");
    System.gc();
    long baseline = memory.getHeapMemoryUsage().getUsed();
    AtomicLong peak = new AtomicLong(baseline);
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.setDaemon(true);
    sampler.start();
    long start = System.nanoTime();
    BlobInfo info;
    try (InputStream in = new Generated(size)) {
      info = store.put("large.bin", in, "application/octet-stream", Map.of());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    sampler.interrupt();
    sampler.join();
    System.out.printf("uploaded %d MiB in %.2f s (%.0f MB/s), etag %s%n", info.size() >> 20, seconds,
        (info.size() / 1048576.0) / seconds, info.etag());
    System.out.printf("heap: max %d MiB, baseline used %.1f MiB, peak used during upload %.1f MiB%n",
        Runtime.getRuntime().maxMemory() >> 20, baseline / 1048576.0, peak.get() / 1048576.0);
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Deterministic bytes without holding them: the generator's state is one counter. */
  private static final class Generated extends InputStream {
    private long left;

    Generated(long size) {
      this.left = size;
    }

    @Override
    public int read() throws IOException {
      return left-- > 0 ? (int) (left & 0xff) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left <= 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) ((left - i) * 31);
      }
      left -= n;
      return n;
    }
  }
}
