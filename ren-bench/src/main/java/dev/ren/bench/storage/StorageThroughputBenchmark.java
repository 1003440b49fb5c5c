package dev.ren.bench.storage;

import dev.ren.storage.BlobRead;
import dev.ren.storage.BlobStore;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Filesystem blob store upload and download against a raw {@code Files.copy} of the same bytes. Scores are
 * operations per second; MB/s = score × size / 1,048,576. The store's upload does more than the raw copy on
 * purpose (SHA-256 while streaming, {@code fsync} of content and sidecar, atomic rename), so the gap is the price
 * of durability and etags. Everything runs against the page cache of the machine's temp directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class StorageThroughputBenchmark {

  @Param({"1024", "1048576", "104857600"})
  int size;

  Path dir;
  Path source;
  Path rawTarget;
  BlobStore store;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("ren-storage-bench");
    source = dir.resolve("source.bin");
    rawTarget = dir.resolve("raw-target.bin");
    byte[] chunk = new byte[1 << 20];
    new Random(42).nextBytes(chunk);
    try (OutputStream out = Files.newOutputStream(source)) {
      for (long left = size; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
    store = BlobStore.fileSystem(dir.resolve("store"), event -> "0");
    try (InputStream in = Files.newInputStream(source)) {
      store.put("download.bin", in, "application/octet-stream", Map.of());
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  public long storeUpload() throws IOException {
    try (InputStream in = Files.newInputStream(source)) {
      return store.put("upload.bin", in, "application/octet-stream", Map.of()).size();
    }
  }

  @Benchmark
  public long rawCopyUpload() throws IOException {
    return Files.copy(source, rawTarget, StandardCopyOption.REPLACE_EXISTING) == null ? 0 : 1;
  }

  @Benchmark
  public long storeDownload() throws IOException {
    try (BlobRead read = store.get("download.bin").orElseThrow()) {
      return read.stream().transferTo(OutputStream.nullOutputStream());
    }
  }

  @Benchmark
  public long rawCopyDownload() throws IOException {
    return Files.copy(source, OutputStream.nullOutputStream());
  }
}
