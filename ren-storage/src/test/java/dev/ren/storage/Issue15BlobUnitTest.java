package dev.ren.storage;

import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15, finding 8: an object's content and info are one unit, and no object can break a listing. */
class Issue15BlobUnitTest {

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

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] read(BlobStore s, String key) throws IOException {
    try (BlobRead r = s.get(key).orElseThrow()) {
      return r.stream().readAllBytes();
    }
  }

  private List<String> keys(BlobStore s) throws IOException {
    return s.list("", 1000, null).items().stream().map(BlobInfo::key).toList();
  }

  @Test
  void put_lastSegmentOf255Bytes_storedWithItsInfoAndListed() throws Exception {
    String key = "dir/" + "é".repeat(127) + "x"; // 255 UTF-8 bytes: the whole name limit, nothing added to it
    store.put("other", new ByteArrayInputStream(bytes("o")), "text/plain", Map.of());
    BlobInfo info = store.put(key, new ByteArrayInputStream(bytes("long")), "text/plain", Map.of("m", "1"));
    assertEquals(info, store.head(key).orElseThrow());
    assertArrayEquals(bytes("long"), read(store, key));
    assertEquals(List.of(key, "other"), keys(store));
  }

  @Test
  void put_segmentOver255Bytes_refusedAndNothingWritten() throws Exception {
    assertThrows(IllegalArgumentException.class,
        () -> store.put("x".repeat(256), new ByteArrayInputStream(bytes("1")), "text/plain", Map.of()));
    try (Stream<Path> s = Files.walk(root)) {
      assertEquals(List.of(), s.filter(Files::isRegularFile).toList());
    }
  }

  @Test
  void put_keyAndAFolderNamedLikeItsOldSidecar_bothStoredApart() throws Exception {
    store.put("x", new ByteArrayInputStream(bytes("1")), "text/plain", Map.of("a", "1"));
    store.put("x.ren-meta.json/y", new ByteArrayInputStream(bytes("2")), "image/png", Map.of("b", "2"));
    assertArrayEquals(bytes("1"), read(store, "x"));
    assertEquals("text/plain", store.head("x").orElseThrow().contentType());
    assertEquals(Map.of("a", "1"), store.head("x").orElseThrow().metadata());
    assertArrayEquals(bytes("2"), read(store, "x.ren-meta.json/y"));
    assertEquals("image/png", store.head("x.ren-meta.json/y").orElseThrow().contentType());
    assertEquals(List.of("x", "x.ren-meta.json/y"), keys(store));
  }

  @Test
  void list_oneDamagedObject_skippedAndTheRestListed() throws Exception {
    store.put("a", new ByteArrayInputStream(bytes("1")), "text/plain", Map.of());
    store.put("c", new ByteArrayInputStream(bytes("3")), "text/plain", Map.of());
    Files.write(root.resolve("default/blobs/b"), bytes("not an object file"));
    assertEquals(List.of("a", "c"), keys(store));
    UnreadableBlobException e = assertThrows(UnreadableBlobException.class, () -> store.head("b"));
    assertFalse(e.getMessage().contains(root.toString()), e.getMessage());
    assertThrows(UnreadableBlobException.class, () -> store.get("b"));
    // the damaged one is replaced like any other
    store.put("b", new ByteArrayInputStream(bytes("2")), "text/plain", Map.of());
    assertEquals(List.of("a", "b", "c"), keys(store));
  }

  @Test
  void open_dataDirectoryCopiedWithNewTimes_keepsEveryTypeAndMetadata() throws Exception {
    BlobInfo png = store.put("img/a.png", new ByteArrayInputStream(new byte[] {1, 2, 3}), "image/png",
        Map.of("owner", "ana"));
    BlobInfo txt = store.put("notes.txt", new ByteArrayInputStream(bytes("hi")), "text/plain; charset=utf-8",
        Map.of("k", "v"));
    Path copy = dir.resolve("copy");
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        Path target = copy.resolve(root.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target); // new inode, new mtime: what cp -r does
          Files.setLastModifiedTime(target, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        }
      }
    }
    BlobStore restored = BlobStore.fileSystem(copy, new RecordingPublisher());
    assertEquals(png, restored.head("img/a.png").orElseThrow());
    assertEquals(txt, restored.head("notes.txt").orElseThrow());
    assertArrayEquals(new byte[] {1, 2, 3}, read(restored, "img/a.png"));
  }

  @Test
  void put_nfdThenNfcSpelling_oneObject() throws Exception {
    String nfc = "caf\u00e9/men\u00fc.txt";
    String nfd = "cafe\u0301/menu\u0308.txt";
    assertNotEquals(nfc, nfd);
    store.put(nfd, new ByteArrayInputStream(bytes("1")), "text/plain", Map.of());
    BlobInfo second = store.put(nfc, new ByteArrayInputStream(bytes("2")), "text/plain", Map.of());
    assertEquals(nfc, second.key());
    assertEquals(nfc, events.last().k());
    assertArrayEquals(bytes("2"), read(store, nfd));
    assertEquals(List.of(nfc), keys(store));
    assertTrue(store.delete(nfd));
    assertTrue(store.head(nfc).isEmpty());
  }

  @Test
  void open_earlierSidecarLayout_movedIntoOneFileObjects() throws Exception {
    Path base = dir.resolve("old/default");
    Files.createDirectories(base.resolve("objects/p"));
    Files.createDirectories(base.resolve("meta/p"));
    Files.write(base.resolve("objects/p/a.png"), new byte[] {9, 9});
    Files.writeString(base.resolve("meta/p/a.png.ren-meta.json"), "{\"size\":2,\"contentType\":\"image/png\","
        + "\"etag\":\"x\",\"lastModified\":1000,\"file\":\"gone@1\",\"metadata\":{\"owner\":\"ana\"}}");
    Files.write(base.resolve("objects/no-sidecar"), bytes("raw"));
    BlobStore opened = BlobStore.fileSystem(dir.resolve("old"), new RecordingPublisher());
    BlobInfo a = opened.head("p/a.png").orElseThrow();
    assertEquals("image/png", a.contentType());
    assertEquals(Map.of("owner", "ana"), a.metadata());
    assertEquals(Instant.ofEpochMilli(1000), a.lastModified());
    assertArrayEquals(new byte[] {9, 9}, read(opened, "p/a.png"));
    assertEquals("application/octet-stream", opened.head("no-sidecar").orElseThrow().contentType());
    assertFalse(Files.exists(base.resolve("objects")));
    assertFalse(Files.exists(base.resolve("meta")));
  }
}
