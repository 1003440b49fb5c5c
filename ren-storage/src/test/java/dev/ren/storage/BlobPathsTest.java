package dev.ren.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The last line of defence behind key validation (RELIABILITY 19): a resolved key must stay strictly inside the
 * store's folder, compared by path elements, not by string prefix.
 */
class BlobPathsTest {

  @TempDir Path dir;

  @Test
  void resolve_keyEscapingToASiblingWithTheSamePrefix_refused() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(dir.resolve("data2"));
    // a string-prefix check would accept "<dir>/data2/secret" as inside "<dir>/data"
    assertThrows(IllegalArgumentException.class, () -> BlobPaths.resolve(data, "../data2/secret"));
    assertThrows(IllegalArgumentException.class, () -> BlobPaths.resolve(data, "a/../../data2/secret"));
    assertThrows(IllegalArgumentException.class, () -> BlobPaths.resolve(data, "a/.."));
  }

  @Test
  void resolve_keyInside_resolvesUnderTheBase() {
    Path data = dir.resolve("data");
    assertEquals(data.resolve("a").resolve("b.txt"), BlobPaths.resolve(data, "a/b.txt"));
  }
}
