package dev.ren.storage;

import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Where a key lives on disk: the content under {@code <bucket>/objects/<key>} and the sidecar under
 * {@code <bucket>/meta/<key>.ren-meta.json}, a separate tree so no user key can collide with a sidecar.
 *
 * <p>Invariant: every path handed out lies strictly inside its tree (proved after normalising, even though
 * {@link BlobKeys#check} already rules out every escape), and no path component is followed through a symbolic
 * link: parents are checked with {@code NOFOLLOW_LINKS} one by one before anything is opened or created.
 *
 * <p>Thread-safety: immutable; the filesystem checks it makes are point-in-time, so callers that need them to
 * hold together use the store's per-key lock.
 */
final class BlobPaths {

  private static final System.Logger LOG = System.getLogger(BlobPaths.class.getName());
  private static final String META_SUFFIX = ".ren-meta.json";

  /** The content file and the sidecar of one validated key. */
  record Location(String key, Path object, Path sidecar) {}

  private final Path objects;
  private final Path meta;

  private BlobPaths(Path objects, Path meta) {
    this.objects = objects;
    this.meta = meta;
  }

  /**
   * Opens (creating if needed) the trees of {@code bucket} under {@code root} and removes temp files a crashed
   * write left behind.
   */
  static BlobPaths open(Path root, String bucket) throws IOException {
    Path base = Files.createDirectories(root).toRealPath().resolve(bucket);
    Path objects = Files.createDirectories(base.resolve("objects")).toRealPath();
    Path meta = Files.createDirectories(base.resolve("meta")).toRealPath();
    StagedFile.sweep(objects);
    StagedFile.sweep(meta);
    return new BlobPaths(objects, meta);
  }

  /** The paths of a key that passed {@link BlobKeys#check}. */
  Location locate(String key) {
    return new Location(key, resolve(objects, key, ""), resolve(meta, key, META_SUFFIX));
  }

  /**
   * Whether the content file's parent folders exist as real folders (no links); with {@code create}, makes the
   * missing ones.
   *
   * @throws BlobConflictException    with {@code create}, when a parent is an object
   * @throws IllegalArgumentException when a parent is a symbolic link
   */
  boolean objectParents(Location at, boolean create) throws IOException {
    return checkParents(objects, at.object(), at.key(), create);
  }

  /** {@link #objectParents} for the sidecar. */
  boolean sidecarParents(Location at, boolean create) throws IOException {
    return checkParents(meta, at.sidecar(), at.key(), create);
  }

  /** The file's own attributes (a link is not followed), or null when nothing is there. */
  static @Nullable BasicFileAttributes attrs(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Up to {@code max} valid keys that start with {@code prefix} and sort after {@code cursor}, in key order. Entries
   * that vanish during the walk are skipped.
   */
  SortedSet<String> keys(String prefix, @Nullable String cursor, int max) throws IOException {
    TreeSet<String> keys = new TreeSet<>();
    int slash = prefix.lastIndexOf('/');
    Path dir = objects;
    if (slash >= 0) {
      String folder = prefix.substring(0, slash);
      dir = resolve(objects, folder, "");
      if (!checkParents(objects, dir.resolve("x"), prefix, false)) {
        return keys;
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        String key = objects.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
        if (!key.startsWith(prefix) || (cursor != null && key.compareTo(cursor) <= 0) || !BlobKeys.isValid(key)) {
          continue;
        }
        keys.add(key);
        if (keys.size() > max) {
          keys.pollLast();
        }
      }
    } catch (NoSuchFileException e) {
      return new TreeSet<>();
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof NoSuchFileException) {
        LOG.log(Level.DEBUG, "an entry vanished during a listing", e);
      } else {
        throw e.getCause();
      }
    }
    return keys;
  }

  /** Resolves a validated key under {@code base}, proving the result stays strictly inside it. */
  private static Path resolve(Path base, String key, String suffix) {
    Path p = base;
    for (String segment : key.split("/", -1)) {
      p = p.resolve(segment);
    }
    if (!suffix.isEmpty()) {
      p = p.resolveSibling(p.getFileName() + suffix);
    }
    Path normal = p.normalize();
    if (!normal.startsWith(base) || normal.equals(base)) {
      // unreachable for keys that passed BlobKeys.check; kept as the last line of defence
      throw new IllegalArgumentException("object key '" + Printable.of(key) + "' resolves outside the store");
    }
    return normal;
  }

  /**
   * Walks the parents of {@code target} below {@code base} without following links. Returns false if one is
   * missing (and {@code create} is false). Creates missing ones when asked.
   */
  private static boolean checkParents(Path base, Path target, String key, boolean create) throws IOException {
    // resolve() keeps every target strictly inside base, so it has a parent
    Path parent = Objects.requireNonNull(target.getParent(), "a store path has a parent");
    Path rel = base.relativize(parent);
    if (rel.toString().isEmpty()) {
      return true;
    }
    Path p = base;
    for (Path part : rel) {
      p = p.resolve(part);
      BasicFileAttributes a = attrs(p);
      if (a == null) {
        if (!create) {
          return false;
        }
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException raced) {
          // another writer created it (or something else is there): checked below
        }
        a = attrs(p);
        if (a == null) {
          throw new IOException("directory " + p + " vanished while storing '" + Printable.of(key) + "'");
        }
      }
      if (a.isSymbolicLink()) {
        throw new IllegalArgumentException("object key '" + Printable.of(key)
            + "' leads through a symbolic link in the store; refused");
      }
      if (!a.isDirectory()) {
        if (!create) {
          return false;
        }
        throw new BlobConflictException("object key '" + Printable.of(key) + "' needs '"
            + base.relativize(p).toString().replace('\\', '/') + "' to be a folder, but it is an object");
      }
    }
    return true;
  }
}
