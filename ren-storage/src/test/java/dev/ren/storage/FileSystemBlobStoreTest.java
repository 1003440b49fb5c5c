package dev.ren.storage;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSystemBlobStoreTest {

  @TempDir Path dir;
  Path root;
  RecordingPublisher events;
  BlobStore store;

  @BeforeEach
  void setUp() {
    root = dir.resolve("store");
    events = new RecordingPublisher();
    store = BlobStore.fileSystem(root, events);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static byte[] read(BlobStore store, String key) throws IOException {
    try (BlobRead r = store.get(key).orElseThrow()) {
      return r.stream().readAllBytes();
    }
  }

  @Test
  void put_newObject_storesContentInfoAndEmitsPutWithEtag() throws Exception {
    BlobInfo info = store.put("photos/cat.txt", new ByteArrayInputStream(bytes("meow")), "text/plain",
        Map.of("owner", "ana"));
    assertEquals(4, info.size());
    assertEquals("text/plain", info.contentType());
    assertEquals(sha256(bytes("meow")), info.etag());
    assertEquals(Map.of("owner", "ana"), info.metadata());
    assertArrayEquals(bytes("meow"), read(store, "photos/cat.txt"));
    assertEquals(info, store.head("photos/cat.txt").orElseThrow());
    RenEvent e = events.last();
    assertEquals(EventTypes.STORAGE_OBJECT_CREATED, e.t());
    assertEquals("default", e.ns());
    assertEquals("photos/cat.txt", e.k());
    assertEquals(info.etag(), e.v());
  }

  @Test
  void put_eventPublished_objectAlreadyVisible() throws Exception {
    List<Optional<BlobInfo>> seen = new CopyOnWriteArrayList<>();
    BlobStore[] holder = new BlobStore[1];
    holder[0] = BlobStore.fileSystem(dir.resolve("s2"), e -> {
      try {
        seen.add(holder[0].head(e.k()));
      } catch (IOException ex) {
        throw new RuntimeException(ex);
      }
      return "1";
    });
    holder[0].put("a", new ByteArrayInputStream(bytes("x")), "text/plain", Map.of());
    assertEquals(1, seen.size());
    assertTrue(seen.get(0).isPresent());
  }

  @Test
  void put_publishFalse_emitsNothingUntilConfirm() throws Exception {
    store.put("up.bin", new ByteArrayInputStream(bytes("abc")), PutOptions.of(null).withPublish(false));
    assertTrue(events.drain().isEmpty());
    BlobInfo info = store.confirm("up.bin").orElseThrow();
    assertEquals("application/octet-stream", info.contentType());
    RenEvent e = events.last();
    assertEquals(EventTypes.STORAGE_OBJECT_CREATED, e.t());
    assertEquals(info.etag(), e.v());
  }

  @Test
  void put_newThenOverwriteThenDelete_createdUpdatedDeleted() throws Exception {
    store.put("cud.txt", new ByteArrayInputStream(bytes("1")), "text/plain", Map.of());
    store.put("cud.txt", new ByteArrayInputStream(bytes("2")), "text/plain", Map.of());
    store.delete("cud.txt");
    store.put("cud.txt", new ByteArrayInputStream(bytes("3")), "text/plain", Map.of());
    assertEquals(List.of(EventTypes.STORAGE_OBJECT_CREATED, EventTypes.STORAGE_OBJECT_UPDATED,
        EventTypes.STORAGE_OBJECT_DELETED, EventTypes.STORAGE_OBJECT_CREATED),
        events.drain().stream().map(RenEvent::t).toList());
  }

  @Test
  void confirm_silentUploads_createdForANewKeyUpdatedForAnOverwriteAndASecondConfirm() throws Exception {
    store.put("pre/new.bin", new ByteArrayInputStream(bytes("a")), PutOptions.of(null).withPublish(false));
    store.put("pre/new.bin", new ByteArrayInputStream(bytes("b")), PutOptions.of(null).withPublish(false));
    store.confirm("pre/new.bin");
    store.confirm("pre/new.bin");
    store.put("pre/old.bin", new ByteArrayInputStream(bytes("a")), "text/plain", Map.of());
    store.put("pre/old.bin", new ByteArrayInputStream(bytes("b")), PutOptions.of(null).withPublish(false));
    store.confirm("pre/old.bin");
    assertEquals(List.of(EventTypes.STORAGE_OBJECT_CREATED, EventTypes.STORAGE_OBJECT_UPDATED,
        EventTypes.STORAGE_OBJECT_CREATED, EventTypes.STORAGE_OBJECT_UPDATED),
        events.drain().stream().map(RenEvent::t).toList());
  }

  @Test
  void confirm_silentUploadThenDelete_nothingAnnouncedAndALaterUploadIsCreated() throws Exception {
    store.put("pre/gone.bin", new ByteArrayInputStream(bytes("a")), PutOptions.of(null).withPublish(false));
    store.delete("pre/gone.bin");
    assertTrue(store.confirm("pre/gone.bin").isEmpty());
    store.put("pre/gone.bin", new ByteArrayInputStream(bytes("b")), PutOptions.of(null).withPublish(false));
    store.confirm("pre/gone.bin");
    assertEquals(List.of(EventTypes.STORAGE_OBJECT_DELETED, EventTypes.STORAGE_OBJECT_CREATED),
        events.drain().stream().map(RenEvent::t).toList());
  }

  @Test
  void confirm_absentObject_emptyAndNoEvent() throws Exception {
    assertTrue(store.confirm("nothing-here").isEmpty());
    assertTrue(events.drain().isEmpty());
  }

  @Test
  void delete_existing_removesAndEmitsDelete() throws Exception {
    store.put("d/x", new ByteArrayInputStream(bytes("1")), "text/plain", Map.of());
    events.drain();
    assertTrue(store.delete("d/x"));
    assertTrue(store.head("d/x").isEmpty());
    RenEvent e = events.last();
    assertEquals(EventTypes.STORAGE_OBJECT_DELETED, e.t());
    assertEquals("d/x", e.k());
    assertNull(e.v());
  }

  @Test
  void delete_absent_returnsFalseAndEmitsNothing() throws Exception {
    assertFalse(store.delete("d/none"));
    assertFalse(store.delete("none"));
    assertTrue(events.drain().isEmpty());
  }

  @Test
  void get_range_returnsOnlyThatSlice() throws Exception {
    store.put("r", new ByteArrayInputStream(bytes("0123456789")), "text/plain", Map.of());
    try (BlobRead r = store.get("r", 2, 3).orElseThrow()) {
      assertEquals("234", new String(r.stream().readAllBytes(), StandardCharsets.UTF_8));
      assertTrue(r.isPartial());
      assertEquals(10, r.info().size());
    }
    try (BlobRead r = store.get("r", 7, 100).orElseThrow()) {
      assertEquals("789", new String(r.stream().readAllBytes(), StandardCharsets.UTF_8));
    }
    try (BlobRead r = store.get("r", 50, -1).orElseThrow()) {
      assertEquals(0, r.length());
      assertEquals(-1, r.stream().read());
    }
  }

  @Test
  void get_absent_empty() throws Exception {
    assertTrue(store.get("missing").isEmpty());
    assertTrue(store.get("missing/deeper").isEmpty());
  }

  @Test
  void put_overSizeLimit_throwsAndStoresNothing() throws Exception {
    store.put("lim", new ByteArrayInputStream(bytes("old")), "text/plain", Map.of());
    events.drain();
    assertThrows(BlobTooLargeException.class, () -> store.put("lim", new ByteArrayInputStream(new byte[100]),
        PutOptions.of("text/plain").withMaxBytes(99)));
    assertArrayEquals(bytes("old"), read(store, "lim"));
    assertTrue(events.drain().isEmpty());
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void put_ifMatch_onlyWritesOverTheExpectedVersion() throws Exception {
    BlobInfo v1 = store.put("m", new ByteArrayInputStream(bytes("v1")), "text/plain", Map.of());
    assertThrows(BlobConflictException.class, () -> store.put("m", new ByteArrayInputStream(bytes("v2")),
        PutOptions.of("text/plain").withIfMatch("\"deadbeef\"")));
    assertArrayEquals(bytes("v1"), read(store, "m"));
    BlobInfo v2 = store.put("m", new ByteArrayInputStream(bytes("v2")),
        PutOptions.of("text/plain").withIfMatch("\"" + v1.etag() + "\""));
    assertArrayEquals(bytes("v2"), read(store, "m"));
    assertThrows(BlobConflictException.class, () -> store.put("new", new ByteArrayInputStream(bytes("x")),
        PutOptions.of(null).withIfMatch("*")));
    assertTrue(store.head("new").isEmpty());
    assertEquals(List.of(), tempFiles());
    assertFalse(v1.etag().equals(v2.etag()));
  }

  @Test
  void put_streamFailsMidway_oldContentStaysAndNoTempFileLeft() throws Exception {
    store.put("k", new ByteArrayInputStream(bytes("old content")), "text/plain", Map.of());
    events.drain();
    InputStream failing = new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (n++ > 200_000) {
          throw new IOException("client went away");
        }
        return 'x';
      }
    };
    IOException e = assertThrows(IOException.class, () -> store.put("k", failing, "text/plain", Map.of()));
    assertEquals("client went away", e.getMessage());
    assertArrayEquals(bytes("old content"), read(store, "k"));
    assertEquals(sha256(bytes("old content")), store.head("k").orElseThrow().etag());
    assertTrue(events.drain().isEmpty());
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void put_concurrentWritersAndReaders_neverSeeAMixedObject() throws Exception {
    int writers = 4;
    int size = 256 * 1024;
    List<byte[]> payloads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      byte[] p = new byte[size];
      java.util.Arrays.fill(p, (byte) ('a' + w));
      payloads.add(p);
    }
    store.put("hot", new ByteArrayInputStream(payloads.get(0)), "application/octet-stream", Map.of());
    AtomicBoolean stop = new AtomicBoolean();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(writers);
    for (int w = 0; w < writers; w++) {
      byte[] p = payloads.get(w);
      new Thread(() -> {
        try {
          for (int i = 0; i < 15; i++) {
            store.put("hot", new ByteArrayInputStream(p), "application/octet-stream", Map.of());
          }
        } catch (Throwable t) {
          failures.add(t);
        } finally {
          done.countDown();
        }
      }).start();
    }
    Thread reader = new Thread(() -> {
      try {
        while (!stop.get()) {
          try (BlobRead r = store.get("hot").orElseThrow()) {
            byte[] got = r.stream().readAllBytes();
            assertEquals(size, got.length, "partial object");
            byte first = got[0];
            for (byte b : got) {
              if (b != first) {
                throw new AssertionError("mixed object");
              }
            }
            assertEquals(sha256(got), r.info().etag(), "etag of another version");
          }
        }
      } catch (Throwable t) {
        failures.add(t);
      }
    });
    reader.start();
    assertTrue(done.await(60, TimeUnit.SECONDS));
    stop.set(true);
    reader.join(10_000);
    assertEquals(List.of(), failures);
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void open_leftoverTempFiles_sweptAtStart() throws Exception {
    store.put("a/b", new ByteArrayInputStream(bytes("1")), "text/plain", Map.of());
    Path objects = root.resolve("default/blobs");
    Files.write(objects.resolve(".ren-tmp-crashed"), new byte[10]);
    Files.write(objects.resolve("a/.ren-tmp-crashed2"), new byte[10]);
    assertEquals(2, tempFiles().size());
    BlobStore reopened = BlobStore.fileSystem(root, events);
    assertEquals(List.of(), tempFiles());
    assertArrayEquals(bytes("1"), read(reopened, "a/b"));
    assertEquals(List.of("a/b"), reopened.list("", 10, null).items().stream().map(BlobInfo::key).toList());
  }

  @Test
  void open_anotherStoreOnTheDirectoryWhileAWriteIsInProgress_writeCompletesLeftoversSwept() throws Exception {
    Path objects = root.resolve("default/blobs");
    Files.write(objects.resolve(".ren-tmp-crashed"), new byte[10]); // a write that died: no lock on it
    CountDownLatch halfway = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    InputStream slow = new InputStream() {
      int sent;

      @Override
      public int read() throws IOException {
        if (sent == 100) {
          halfway.countDown();
          try {
            go.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        }
        return sent < 200 ? (sent++ % 10) + '0' : -1;
      }
    };
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Thread writer = new Thread(() -> {
      try {
        store.put("big", slow, "text/plain", Map.of());
      } catch (Throwable t) {
        failures.add(t);
      }
    });
    writer.start();
    assertTrue(halfway.await(10, TimeUnit.SECONDS));
    assertEquals(2, tempFiles().size()); // the live write's and the dead one's

    BlobStore second = BlobStore.fileSystem(root, events); // sweeps at open: only the dead write's file
    assertEquals(1, tempFiles().size());
    go.countDown();
    writer.join(10_000);

    assertEquals(List.of(), failures);
    assertEquals(200, read(second, "big").length);
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void list_prefixLimitCursor_pagesInKeyOrder() throws Exception {
    for (String k : List.of("p/c", "p/a", "p/b", "q/a", "p/sub/z", "pa")) {
      store.put(k, new ByteArrayInputStream(bytes(k)), "text/plain", Map.of());
    }
    BlobPage first = store.list("p/", 2, null);
    assertEquals(List.of("p/a", "p/b"), first.items().stream().map(BlobInfo::key).toList());
    assertEquals("p/b", first.nextCursor());
    BlobPage second = store.list("p/", 2, first.nextCursor());
    assertEquals(List.of("p/c", "p/sub/z"), second.items().stream().map(BlobInfo::key).toList());
    assertNull(second.nextCursor());
    assertEquals(List.of("p/sub/z"), store.list("p/", 2, "p/c").items().stream().map(BlobInfo::key).toList());
    assertEquals(List.of("p/a", "p/b", "p/c", "p/sub/z", "pa"),
        store.list("p", 10, null).items().stream().map(BlobInfo::key).toList());
    assertEquals(6, store.list("", 1000, null).items().size());
    assertEquals(List.of(), store.list("nothing/", 10, null).items());
    assertThrows(IllegalArgumentException.class, () -> store.list("", 0, null));
    assertThrows(IllegalArgumentException.class, () -> store.list("../", 10, null));
  }

  @Test
  void put_keyUnderAnObject_conflictsAndChangesNothing() throws Exception {
    store.put("a", new ByteArrayInputStream(bytes("1")), "text/plain", Map.of());
    assertThrows(BlobConflictException.class, () -> store.put("a/b", new ByteArrayInputStream(bytes("2")),
        "text/plain", Map.of()));
    store.put("x/y", new ByteArrayInputStream(bytes("1")), "text/plain", Map.of());
    assertThrows(BlobConflictException.class, () -> store.put("x", new ByteArrayInputStream(bytes("2")),
        "text/plain", Map.of()));
    assertArrayEquals(bytes("1"), read(store, "a"));
    assertArrayEquals(bytes("1"), read(store, "x/y"));
  }

  @Test
  void put_severalMiB_streamedWithMatchingEtag() throws Exception {
    long size = 8L << 20;
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    InputStream gen = new InputStream() {
      long left = size;

      @Override
      public int read() {
        return left-- > 0 ? (int) (left & 0xff) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          left--;
          b[off + i] = (byte) (left & 0xff);
        }
        md.update(b, off, n);
        return n;
      }
    };
    BlobInfo info = store.put("big.bin", gen, "application/octet-stream", Map.of());
    assertEquals(size, info.size());
    assertEquals(HexFormat.of().formatHex(md.digest()), info.etag());
    assertEquals(size, store.head("big.bin").orElseThrow().size());
    // one file: the content, then its info (BlobFormat)
    assertTrue(Files.size(root.resolve("default/blobs/big.bin")) > size);
  }

  @Test
  void put_badContentTypeOrMetadata_rejectedBeforeWriting() {
    assertThrows(IllegalArgumentException.class, () -> store.put("a", new ByteArrayInputStream(bytes("1")),
        "text/plain\r\nX-Evil: 1", Map.of()));
    assertThrows(IllegalArgumentException.class, () -> store.put("a", new ByteArrayInputStream(bytes("1")),
        "text/plain", Map.of("bad key", "v")));
    assertThrows(IllegalArgumentException.class, () -> BlobStore.fileSystem(root, "../up", events));
  }

  @Test
  void put_publishFails_appliedButNotPublishedAndObjectStored() throws Exception {
    EventLogUnavailableException down = new EventLogUnavailableException("log down");
    events.failWith(down);
    AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
        () -> store.put("np/a.txt", new ByteArrayInputStream(bytes("kept")), "text/plain", Map.of()));
    assertEquals(down, e.getCause());
    assertEquals(EventTypes.STORAGE_OBJECT_CREATED, e.event().t());
    assertEquals("np/a.txt", e.event().k());
    assertArrayEquals(bytes("kept"), read(store, "np/a.txt"));
    assertEquals(sha256(bytes("kept")), e.event().v());
    assertEquals(e.event().v(), store.head("np/a.txt").orElseThrow().etag());
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void delete_publishFails_appliedButNotPublishedAndObjectGone() throws Exception {
    store.put("np/d.txt", new ByteArrayInputStream(bytes("bye")), "text/plain", Map.of());
    events.failWith(new EventLogUnavailableException("log down"));
    AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
        () -> store.delete("np/d.txt"));
    assertEquals(EventTypes.STORAGE_OBJECT_DELETED, e.event().t());
    assertTrue(store.head("np/d.txt").isEmpty());
    assertFalse(Files.exists(root.resolve("default/blobs/np/d.txt")));
    events.failWith(null);
    assertFalse(store.delete("np/d.txt"));
  }

  @Test
  void confirm_publishFails_appliedButNotPublishedAndObjectKept() throws Exception {
    BlobInfo info = store.put("np/up.bin", new ByteArrayInputStream(bytes("abc")),
        PutOptions.of(null).withPublish(false));
    events.failWith(new EventLogUnavailableException("log down"));
    AppliedButNotPublishedException e = assertThrows(AppliedButNotPublishedException.class,
        () -> store.confirm("np/up.bin"));
    assertEquals(EventTypes.STORAGE_OBJECT_CREATED, e.event().t());
    assertEquals(info.etag(), e.event().v());
    assertEquals(info, store.head("np/up.bin").orElseThrow());
    events.failWith(null);
    assertEquals(info, store.confirm("np/up.bin").orElseThrow());
    assertEquals(List.of(EventTypes.STORAGE_OBJECT_CREATED), events.drain().stream().map(RenEvent::t).toList());
  }

  @Test
  void put_publishFalse_publisherDown_storesWithoutError() throws Exception {
    events.failWith(new EventLogUnavailableException("log down"));
    BlobInfo info = store.put("np/silent.bin", new ByteArrayInputStream(bytes("s")),
        PutOptions.of(null).withPublish(false));
    assertEquals(info, store.head("np/silent.bin").orElseThrow());
  }

  private List<Path> tempFiles() throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".ren-tmp-")).toList();
    }
  }
}
