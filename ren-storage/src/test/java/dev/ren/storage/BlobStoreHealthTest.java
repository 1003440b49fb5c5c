package dev.ren.storage;

import dev.ren.health.Health;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlobStoreHealthTest {

  @TempDir
  Path dir;

  @Test
  void health_storeOnADirectory_isUpAndLeavesNoProbeFile() throws IOException {
    BlobStore store = BlobStore.fileSystem(dir, new RecordingPublisher());
    Health h = store.health(Duration.ofSeconds(1));
    assertTrue(h.isUp(), h.description());
    assertTrue(store.tenant("t1").health(Duration.ofSeconds(1)).isUp());
    try (Stream<Path> files = Files.walk(dir)) {
      assertEquals(0, files.filter(Files::isRegularFile).count(), "the probe file was removed");
    }
  }

  @Test
  void health_directoryRemovedUnderTheStore_isDownWithoutNamingThePath() throws IOException {
    BlobStore store = BlobStore.fileSystem(dir.resolve("data"), new RecordingPublisher());
    try (Stream<Path> all = Files.walk(dir.resolve("data"))) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Health h = store.health(Duration.ofSeconds(1));
    assertFalse(h.isUp());
    assertFalse(h.description().contains(dir.toString()), h.description());
  }
}
