package dev.ren.storage;

import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two {@link FileSystemBlobStore}s on one directory (two nodes on a shared volume; here two instances with their own
 * locks in one JVM): concurrent writers to one key end with one complete object and its own info, readers never see
 * a mix, listings stay consistent, and no temp file is left.
 */
class SharedDirectoryStoresTest {

  @TempDir Path dir;

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** Content that names its writer, so a read can check the content belongs to the info read with it. */
  static byte[] content(String writer) {
    return (writer + ":" + "x".repeat(8 * 1024 + writer.length() * 7)).getBytes(StandardCharsets.UTF_8);
  }

  List<Path> tempFiles() throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(StagedFile.TMP_PREFIX)).toList();
    }
  }

  static void checkWhole(BlobRead r) throws Exception {
    byte[] body = r.stream().readAllBytes();
    BlobInfo info = r.info();
    String writer = info.metadata().get("w");
    assertEquals(info.size(), body.length);
    assertEquals(sha256(body), info.etag(), "content and etag of one version");
    assertTrue(new String(body, StandardCharsets.UTF_8).startsWith(writer + ":"), "content of writer " + writer);
  }

  @Test
  void twoStores_manyThreadsWriteAndReadOneKey_oneCompleteObjectWithItsInfo() throws Exception {
    BlobStore a = BlobStore.fileSystem(dir, new RecordingPublisher());
    BlobStore b = BlobStore.fileSystem(dir, new RecordingPublisher());
    int writers = 6;
    int rounds = 40;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
    CountDownLatch go = new CountDownLatch(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    ConcurrentLinkedQueue<String> written = new ConcurrentLinkedQueue<>();
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < writers; t++) {
      BlobStore store = t % 2 == 0 ? a : b;
      int id = t;
      work.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < rounds; i++) {
          String w = "t" + id + "-" + i;
          store.put("shared/one.bin", new ByteArrayInputStream(content(w)), "application/octet-stream",
              Map.of("w", w));
          written.add(w);
        }
        return null;
      }));
    }
    List<Future<Integer>> reads = new ArrayList<>();
    for (BlobStore store : List.of(a, b)) {
      reads.add(pool.submit(() -> {
        go.await();
        int n = 0;
        while (writing.get()) {
          Optional<BlobRead> r = store.get("shared/one.bin");
          if (r.isPresent()) {
            try (BlobRead read = r.get()) {
              checkWhole(read);
              n++;
            }
          }
        }
        return n;
      }));
    }
    go.countDown();
    for (Future<?> f : work) {
      f.get(60, TimeUnit.SECONDS);
    }
    writing.set(false);
    for (Future<Integer> f : reads) {
      assertTrue(f.get(10, TimeUnit.SECONDS) > 0, "the readers read while the writers wrote");
    }
    pool.shutdown();
    assertEquals(writers * rounds, written.size());
    for (BlobStore store : List.of(a, b)) {
      try (BlobRead r = store.get("shared/one.bin").orElseThrow()) {
        checkWhole(r);
        assertTrue(written.contains(r.info().metadata().get("w")));
      }
    }
    assertEquals(a.head("shared/one.bin"), b.head("shared/one.bin"), "both stores see the same version");
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void twoStores_concurrentPutsDeletesAndListings_listingsConsistent() throws Exception {
    BlobStore a = BlobStore.fileSystem(dir, new RecordingPublisher());
    BlobStore b = BlobStore.fileSystem(dir, new RecordingPublisher());
    int keys = 60;
    ExecutorService pool = Executors.newFixedThreadPool(6);
    CountDownLatch go = new CountDownLatch(1);
    AtomicBoolean busy = new AtomicBoolean(true);
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      BlobStore store = t % 2 == 0 ? a : b;
      int id = t;
      work.add(pool.submit(() -> {
        go.await();
        for (int round = 0; round < 3; round++) {
          for (int k = id; k < keys; k += 4) {
            String key = "l/k-" + String.format("%03d", k);
            String w = "t" + id + "-" + round;
            store.put(key, new ByteArrayInputStream(content(w)), "text/plain", Map.of("w", w));
            if (round == 1 && k % 3 == 0) {
              (id % 2 == 0 ? b : a).delete(key); // the other store deletes what this one wrote
            }
          }
        }
        return null;
      }));
    }
    List<Future<Integer>> listers = new ArrayList<>();
    for (BlobStore store : List.of(a, b)) {
      listers.add(pool.submit(() -> {
        go.await();
        int pages = 0;
        while (busy.get()) {
          String cursor = null;
          List<String> seen = new ArrayList<>();
          do {
            BlobPage page = store.list("l/", 7, cursor);
            for (BlobInfo i : page.items()) {
              seen.add(i.key());
              assertEquals(i.size(), content(i.metadata().get("w")).length, "a listed item is a whole version");
            }
            cursor = page.nextCursor();
            pages++;
          } while (cursor != null);
          assertEquals(new TreeSet<>(seen).stream().toList(), seen, "a listing is sorted, without duplicates");
        }
        return pages;
      }));
    }
    go.countDown();
    for (Future<?> f : work) {
      f.get(60, TimeUnit.SECONDS);
    }
    busy.set(false);
    for (Future<Integer> f : listers) {
      assertTrue(f.get(10, TimeUnit.SECONDS) > 0);
    }
    pool.shutdown();
    Set<String> expected = new HashSet<>();
    for (int k = 0; k < keys; k++) {
      expected.add("l/k-" + String.format("%03d", k)); // every key was written again in round 2
    }
    for (BlobStore store : List.of(a, b)) {
      Set<String> listed = new HashSet<>();
      String cursor = null;
      do {
        BlobPage page = store.list("l/", 1000, cursor);
        page.items().forEach(i -> listed.add(i.key()));
        cursor = page.nextCursor();
      } while (cursor != null);
      assertEquals(expected, listed);
    }
    assertEquals(List.of(), tempFiles());
  }
}
