package dev.ren.storage;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A writer JVM killed (SIGKILL) mid-write leaves the old or the new object, never a partial one. */
class KillDuringWriteTest {

  @TempDir Path root;

  private static Process child(String mode, Path root, String key) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        KillDuringWriteMain.class.getName(), mode, root.toString(), key)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  @Test
  void put_writerKilledMidStream_oldContentSurvivesAndTempIsSwept() throws Exception {
    BlobStore store = BlobStore.fileSystem(root, e -> "0");
    store.put("doc.txt", new ByteArrayInputStream("old".getBytes(StandardCharsets.UTF_8)), "text/plain", Map.of());
    Process p = child("stall", root, "doc.txt");
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("WRITING", out.readLine());
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(1, tempFiles().size(), "the killed write should have left its temp file");
    BlobStore reopened = BlobStore.fileSystem(root, e -> "0");
    assertEquals(List.of(), tempFiles());
    try (BlobRead r = reopened.get("doc.txt").orElseThrow()) {
      assertArrayEquals("old".getBytes(StandardCharsets.UTF_8), r.stream().readAllBytes());
      assertEquals("text/plain", r.info().contentType());
    }
  }

  /**
   * The child rewrites one key with whole 1 MiB versions and prints "VERSION n" once put n returned; killed after
   * a varying number of them, the object must be one whole version, its info that version's, and no older than the
   * last one the child acknowledged (put returned = acknowledged).
   */
  @RepeatedTest(5)
  void put_writerKilledBetweenVersions_lastAcknowledgedVersionSurvivesWhole(RepetitionInfo rep) throws Exception {
    int versionsBeforeKill = 2 + 3 * rep.getCurrentRepetition();
    Process p = child("loop", root, "v.bin");
    int acknowledged = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (int i = 0; i < versionsBeforeKill; i++) {
        String line = out.readLine();
        assertNotNull(line, "the writer died before version " + i);
        acknowledged = Integer.parseInt(line.substring("VERSION ".length()));
      }
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    BlobStore reopened = BlobStore.fileSystem(root, e -> "0");
    try (BlobRead r = reopened.get("v.bin").orElseThrow()) {
      byte[] got = r.stream().readAllBytes();
      assertEquals(1 << 20, got.length);
      for (byte b : got) {
        assertEquals(got[0], b, "mixed content");
      }
      int stored = Integer.parseInt(r.info().metadata().get("v"));
      assertTrue(stored >= acknowledged, "version " + acknowledged + " was acknowledged, " + stored + " survived");
      assertEquals((byte) ('a' + stored % 26), got[0], "the content is not the version its info names");
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)), r.info().etag());
    }
    assertEquals(List.of(), tempFiles());
  }

  private List<Path> tempFiles() throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(x -> x.getFileName().toString().startsWith(".ren-tmp-")).toList();
    }
  }
}
