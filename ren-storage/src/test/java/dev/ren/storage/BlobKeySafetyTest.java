package dev.ren.storage;

import dev.ren.internal.Printable;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Hostile keys and symlinks: nothing may be read or written outside the store's root. */
class BlobKeySafetyTest {

  static final List<String> HOSTILE = List.of(
      "", ".", "..", "../x", "a/../../x", "a/./b", "./a", "a/..", "/etc/passwd", "/abs", "a//b", "a/", "/",
      "a\\b", "..\\..\\x", "C:", "C:\\Windows\\x", "c:/x", "a\u0000b", "a\nb", "a\rb", "a\tb", "\u007f", "a\u0085b",
      "%2e%2e/x", "..%2fx", "%2e%2e%2f%2e%2e", "a/%00", "CON", "con.txt", "a/NUL", "LPT1.log", "com9", "aux.",
      "trailing.", "trailing ", "a/b./c", "a/b /c", ".ren-tmp-123", "a/.ren-meta", "x".repeat(256),
      ("abcdefgh/").repeat(130) + "x", "a\u202eb", "a\ufeffb", "a\ud800b", "a\udc00", "x*y", "x?y", "x\"y", "x<y",
      "x>y", "x|y", "a:b", "\u2028");

  @TempDir Path dir;
  Path root;
  Path outside;
  RecordingPublisher events;
  BlobStore store;

  @BeforeEach
  void setUp() throws IOException {
    root = dir.resolve("root");
    outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "top secret");
    events = new RecordingPublisher();
    store = BlobStore.fileSystem(root, events);
  }

  @Test
  void check_hostileCorpus_everyKeyRejectedWithItsRule() {
    for (String key : HOSTILE) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobKeys.check(key),
          () -> "accepted " + Printable.of(key));
      assertTrue(e.getMessage().contains("key"), e.getMessage());
    }
  }

  @Test
  void check_ordinaryKeys_accepted() {
    for (String key : List.of("a", "photos/2024/cat.jpg", "user-42/avatar.png", ".well-known/x", "ünïcödé/文件.txt",
        "emoji-😀.png", "a b/c d", "x".repeat(255), "a.b.c", "-_~!$&'()+,;=@")) {
      assertEquals(key, BlobKeys.check(key));
    }
  }

  @Test
  void everyOperation_hostileKeys_rejectedAndNothingLandsOutsideRoot() throws IOException {
    List<Path> before = walk(dir);
    for (String key : HOSTILE) {
      expectRejected(() -> store.put(key, new ByteArrayInputStream("pwn".getBytes(StandardCharsets.UTF_8)),
          "text/plain", Map.of()), key);
      expectRejected(() -> store.get(key), key);
      expectRejected(() -> store.head(key), key);
      expectRejected(() -> store.delete(key), key);
      expectRejected(() -> store.confirm(key), key);
    }
    assertTrue(events.drain().isEmpty());
    List<Path> after = walk(dir);
    after.removeIf(p -> p.startsWith(root));
    before.removeIf(p -> p.startsWith(root));
    assertEquals(before, after, "something was created outside the store root");
    assertEquals("top secret", Files.readString(outside.resolve("secret.txt")));
    // and nothing but the store's own folders exists inside it
    assertEquals(List.of(), walk(root).stream().filter(Files::isRegularFile).toList());
  }

  @Test
  void parentSymlinkToOutside_putGetListRefusedAndOutsideUntouched() throws Exception {
    Path objects = root.resolve("default/blobs");
    Files.createSymbolicLink(objects.resolve("link"), outside);
    assertThrows(IllegalArgumentException.class, () -> store.put("link/evil.txt",
        new ByteArrayInputStream(new byte[] {1}), "text/plain", Map.of()));
    assertThrows(IllegalArgumentException.class, () -> store.get("link/secret.txt"));
    assertThrows(IllegalArgumentException.class, () -> store.head("link/secret.txt"));
    assertThrows(IllegalArgumentException.class, () -> store.delete("link/secret.txt"));
    assertTrue(store.list("", 100, null).items().isEmpty(), "a link was listed");
    assertThrows(IllegalArgumentException.class, () -> store.list("link/", 100, null));
    assertEquals(List.of(outside.resolve("secret.txt")), walk(outside).stream().filter(Files::isRegularFile).toList());
    assertEquals("top secret", Files.readString(outside.resolve("secret.txt")));
  }

  @Test
  void danglingParentSymlink_putRefusedAndNothingCreated() throws Exception {
    Path objects = root.resolve("default/blobs");
    Path target = dir.resolve("not-yet");
    Files.createSymbolicLink(objects.resolve("dangling"), target);
    assertThrows(Exception.class, () -> store.put("dangling/x.txt", new ByteArrayInputStream(new byte[] {1}),
        "text/plain", Map.of()));
    assertFalse(Files.exists(target));
  }

  @Test
  void targetSymlink_readsDoNotFollowAndWriteReplacesTheLinkNotItsTarget() throws Exception {
    Path objects = root.resolve("default/blobs");
    Files.createSymbolicLink(objects.resolve("file-link"), outside.resolve("secret.txt"));
    Files.createSymbolicLink(objects.resolve("dangling-link"), outside.resolve("created-by-store.txt"));
    assertTrue(store.get("file-link").isEmpty());
    assertTrue(store.head("file-link").isEmpty());
    assertFalse(store.delete("file-link"));
    store.put("file-link", new ByteArrayInputStream("new".getBytes(StandardCharsets.UTF_8)), "text/plain", Map.of());
    store.put("dangling-link", new ByteArrayInputStream("new".getBytes(StandardCharsets.UTF_8)), "text/plain",
        Map.of());
    assertEquals("top secret", Files.readString(outside.resolve("secret.txt")));
    assertFalse(Files.exists(outside.resolve("created-by-store.txt")));
    assertArrayEquals("new".getBytes(StandardCharsets.UTF_8),
        store.get("file-link").orElseThrow().stream().readAllBytes());
  }

  private static void expectRejected(ThrowingRunnable r, String key) {
    try {
      r.run();
      fail("accepted hostile key " + Printable.of(key));
    } catch (IllegalArgumentException expected) {
      // the rule held
    } catch (Exception other) {
      fail("hostile key " + Printable.of(key) + " gave " + other + " instead of IllegalArgumentException");
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static List<Path> walk(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      return new ArrayList<>(s.sorted().toList());
    }
  }
}
