package dev.ren.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Moves objects of the earlier layout (content under {@code objects/}, info in {@code meta/<key>.ren-meta.json}
 * sidecars) into {@link BlobFormat} files under {@code blobs/}, once, when a store opens. Each object is written
 * with the same atomic write as a put, and only then are its old file and sidecar removed, so a crash during the
 * move leaves every object readable in one tree or the other and the next open finishes the job (an object that
 * was already moved is moved again from the same bytes). A sidecar is trusted when its size agrees with the
 * content; the etag is hashed again either way. Keys are moved to their NFC spelling; when two old keys meet
 * there, the later version wins.
 *
 * <p>Thread-safety: runs in {@link BlobPaths#open}, before the store is shared.
 */
final class LegacyLayout {

  private static final System.Logger LOG = System.getLogger(LegacyLayout.class.getName());
  private static final String META_SUFFIX = ".ren-meta.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private LegacyLayout() {}

  static void migrate(Path base, BlobPaths paths) throws IOException {
    Path objects = base.resolve("objects");
    Path meta = base.resolve("meta");
    BasicFileAttributes a = BlobPaths.attrs(objects);
    if (a == null || !a.isDirectory()) {
      return;
    }
    StagedFile.sweep(objects);
    if (BlobPaths.attrs(meta) != null) {
      StagedFile.sweep(meta);
    }
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(objects, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
        if (attrs.isRegularFile() && !p.getFileName().toString().startsWith(StagedFile.TMP_PREFIX)) {
          files.add(p);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    int moved = 0;
    for (Path file : files) {
      String oldKey = objects.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
      Path sidecar = meta.resolve(objects.relativize(file).toString() + META_SUFFIX);
      try {
        if (move(paths, oldKey, file, sidecar)) {
          moved++;
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "could not move object '" + Printable.of(oldKey) + "' to the one-file layout; it"
            + " stays in " + objects + " and is not served", e);
      }
    }
    removeEmpty(objects);
    removeEmpty(meta);
    LOG.log(Level.INFO, "moved " + moved + " object(s) from the sidecar layout in " + base + " to " + base
        + "/blobs");
  }

  private static boolean move(BlobPaths paths, String oldKey, Path file, Path sidecar) throws IOException {
    String key = Normalizer.normalize(oldKey, Normalizer.Form.NFC);
    BlobKeys.check(key);
    BlobPaths.Location at = paths.locate(key);
    paths.objectParents(at, true);
    long size = Files.size(file);
    JsonNode info = sidecar(sidecar, size);
    Instant modified = info != null && info.path("lastModified").canConvertToLong()
        ? Instant.ofEpochMilli(info.path("lastModified").asLong())
        : Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
    BasicFileAttributes existing = BlobPaths.attrs(at.object());
    if (existing != null && existing.isRegularFile() && !key.equals(oldKey)) {
      try (FileChannel ch = FileChannel.open(at.object(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
        if (BlobFormat.read(key, ch).lastModified().isAfter(modified)) {
          delete(file, sidecar); // another spelling of this key holds a later version
          return false;
        }
      }
    }
    String type = info != null ? info.path("contentType").asText("application/octet-stream")
        : "application/octet-stream";
    Map<String, String> metadata = new LinkedHashMap<>();
    if (info != null) {
      info.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
    }
    try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
         StagedFile staged = StagedFile.copy(at.object(), in, Long.MAX_VALUE,
             (n, sha256) -> new BlobInfo(key, n, BlobKeys.checkContentType(type), sha256, modified, metadata))) {
      staged.commit();
      staged.syncDirectory();
    }
    delete(file, sidecar);
    return true;
  }

  /** The sidecar's JSON when it exists and describes {@code size} bytes, else null (the info is rebuilt). */
  private static @Nullable JsonNode sidecar(Path sidecar, long size) {
    try {
      BasicFileAttributes a = BlobPaths.attrs(sidecar);
      if (a == null || !a.isRegularFile()) {
        return null;
      }
      JsonNode node = JSON.readTree(Files.readAllBytes(sidecar));
      return node.path("size").asLong(-1) == size ? node : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static void delete(Path file, Path sidecar) throws IOException {
    Files.deleteIfExists(file);
    Files.deleteIfExists(sidecar);
  }

  /** Removes {@code tree}'s empty folders bottom-up, and the tree itself once nothing is left in it. */
  private static void removeEmpty(Path tree) throws IOException {
    if (BlobPaths.attrs(tree) == null) {
      return;
    }
    List<Path> dirs;
    try (Stream<Path> s = Files.walk(tree)) {
      dirs = s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
    }
    for (Path d : dirs) {
      try (Stream<Path> s = Files.list(d)) {
        if (s.findAny().isEmpty()) {
          Files.delete(d);
        }
      }
    }
  }
}
