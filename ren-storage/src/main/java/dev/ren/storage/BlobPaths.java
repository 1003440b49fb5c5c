package dev.ren.storage;

import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Where a key lives on disk: the object file ({@link BlobFormat}: content and info in one file) at
 * {@code <bucket>/blobs/<key>} for the default tenant, and at {@code <bucket>/tenants/<tenant folder>/blobs/<key>}
 * for a named tenant ({@link #tenant}). The two trees never meet ({@code blobs} and {@code tenants} are siblings),
 * and a tenant's folder name is an injective encoding of its id that also survives a case-insensitive filesystem
 * ({@link #tenantFolder}), so one key in two tenants is two files. REN adds no suffix to a key's last segment, so a
 * segment may use the whole of the filesystem's name limit, which {@link #open} measures ({@link #maxNameBytes}).
 *
 * <p>Invariant: every path handed out lies strictly inside the tree (proved after normalising, even though
 * {@link BlobKeys#check} already rules out every escape), and no path component is followed through a symbolic
 * link: parents are checked with {@code NOFOLLOW_LINKS} one by one before anything is opened or created. For a
 * tenant, the check starts at the bucket's folder, so the tenant's own folders are checked (and created on its
 * first write, never by a read) the same way.
 *
 * <p>Thread-safety: immutable; the filesystem checks it makes are point-in-time, so callers that need them to
 * hold together use the store's per-key lock.
 */
final class BlobPaths {

  private static final System.Logger LOG = System.getLogger(BlobPaths.class.getName());
  /** The store's own temp files are at most this long ({@code .ren-tmp-} and a UUID), so it needs at least that. */
  private static final int MIN_NAME_BYTES = 64;

  /** The object file of one validated key. */
  record Location(String key, Path object) {}

  private static final String TENANTS = "tenants";

  /** The folder below which every component is checked without following links (a real path). */
  private final Path walkRoot;
  /** The folder keys are resolved in: {@code walkRoot} itself, or a tenant's tree below it. */
  private final Path objects;
  private final int maxNameBytes;

  private BlobPaths(Path walkRoot, Path objects, int maxNameBytes) {
    this.walkRoot = walkRoot;
    this.objects = objects;
    this.maxNameBytes = maxNameBytes;
  }

  /**
   * Opens (creating if needed) the tree of {@code bucket} under {@code root}, moves objects of the earlier
   * two-tree layout into it ({@link LegacyLayout}), removes temp files a crashed write left behind, and measures
   * the filesystem's name limit.
   */
  static BlobPaths open(Path root, String bucket) throws IOException {
    Path base = Files.createDirectories(root).toRealPath().resolve(bucket);
    Path objects = Files.createDirectories(base.resolve("blobs")).toRealPath();
    StagedFile.sweep(objects);
    Path tenants = base.resolve(TENANTS);
    BasicFileAttributes t = attrs(tenants);
    if (t != null && t.isDirectory()) {
      StagedFile.sweep(tenants); // every tenant's leftovers; Files.walk follows no link
    }
    BlobPaths paths = new BlobPaths(objects, objects, probeNameLimit(objects));
    LegacyLayout.migrate(base, paths);
    return paths;
  }

  /**
   * The tree of {@code tenant} in the same bucket (and on the same filesystem, so with the same name limit). Only
   * computes paths: the folders are created by the tenant's first write.
   */
  BlobPaths tenant(String tenant) {
    // objects of the default tree is <bucket>/blobs as a real path, so its parent is the bucket's real folder
    Path bucketDir = Objects.requireNonNull(walkRoot.getParent(), "the blobs folder has a parent");
    return new BlobPaths(bucketDir, bucketDir.resolve(TENANTS).resolve(tenantFolder(tenant)).resolve("blobs"),
        maxNameBytes);
  }

  /** The folder of the default tenant's objects (a real path). */
  Path root() {
    return walkRoot;
  }

  /**
   * The folder name of a tenant id ({@code [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}}): lowercase letters, digits and
   * {@code -} stay, every other character becomes {@code _} and two hex digits. Injective (an {@code _} only ever
   * starts an escape), and two ids that differ only in case get two names, so a case-insensitive filesystem keeps
   * them apart; no name ends with a dot or is {@code .} or {@code ..}.
   */
  static String tenantFolder(String tenant) {
    StringBuilder sb = new StringBuilder(tenant.length() + 8);
    for (int i = 0; i < tenant.length(); i++) {
      char c = tenant.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
        sb.append(c);
      } else {
        sb.append('_').append(Character.forDigit((c >> 4) & 15, 16)).append(Character.forDigit(c & 15, 16));
      }
    }
    return sb.toString();
  }

  /** The longest file name, in UTF-8 bytes, this store's filesystem accepts (at most 255). */
  int maxNameBytes() {
    return maxNameBytes;
  }

  /**
   * The longest name (up to {@link BlobKeys#MAX_SEGMENT_BYTES}) a file in {@code dir} can have, found by creating
   * and removing probe files named like temp files (so a crash leaves only what {@link StagedFile#sweep} removes).
   */
  private static int probeNameLimit(Path dir) throws IOException {
    if (fits(dir, BlobKeys.MAX_SEGMENT_BYTES)) {
      return BlobKeys.MAX_SEGMENT_BYTES;
    }
    int lo = MIN_NAME_BYTES;
    int hi = BlobKeys.MAX_SEGMENT_BYTES - 1;
    if (!fits(dir, lo)) {
      throw new IOException("the filesystem of " + dir + " refuses names of " + lo + " bytes");
    }
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (fits(dir, mid)) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    LOG.log(Level.INFO, "the filesystem of " + dir + " allows names of at most " + lo + " bytes; longer key"
        + " segments are refused");
    return lo;
  }

  private static boolean fits(Path dir, int bytes) throws IOException {
    String name = StagedFile.TMP_PREFIX + "probe-" + "x".repeat(bytes - StagedFile.TMP_PREFIX.length() - 6);
    Path p;
    try {
      p = dir.resolve(name);
      Files.deleteIfExists(p);
      Files.createFile(p);
    } catch (AccessDeniedException e) {
      throw e; // not about the name: the store cannot write here at all
    } catch (FileSystemException | InvalidPathException e) {
      return false; // ENAMETOOLONG and its kin
    }
    Files.delete(p);
    return true;
  }

  /**
   * The path of a key that passed {@link BlobKeys#check}.
   *
   * @throws IllegalArgumentException when a segment is longer than this filesystem's name limit
   */
  Location locate(String key) {
    for (String segment : key.split("/", -1)) {
      if (segment.getBytes(StandardCharsets.UTF_8).length > maxNameBytes) {
        throw new IllegalArgumentException("object key '" + Printable.of(key) + "' has a segment longer than "
            + maxNameBytes + " UTF-8 bytes, the longest name this store's filesystem allows");
      }
    }
    return new Location(key, resolve(objects, key));
  }

  /**
   * Whether the content file's parent folders exist as real folders (no links); with {@code create}, makes the
   * missing ones.
   *
   * @throws BlobConflictException    with {@code create}, when a parent is an object
   * @throws IllegalArgumentException when a parent is a symbolic link
   */
  boolean objectParents(Location at, boolean create) throws IOException {
    return checkParents(at.object(), at.key(), create);
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
   * that vanish or cannot be read during the walk are skipped (and logged), never failing the listing.
   */
  SortedSet<String> keys(String prefix, @Nullable String cursor, int max) throws IOException {
    TreeSet<String> keys = new TreeSet<>();
    int slash = prefix.lastIndexOf('/');
    Path dir = slash >= 0 ? resolve(objects, prefix.substring(0, slash)) : objects;
    if (!checkParents(dir.resolve("x"), prefix, false)) {
      return keys;
    }
    BasicFileAttributes d = attrs(dir);
    if (d == null || !d.isDirectory()) {
      return keys;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
        if (!a.isRegularFile()) {
          return FileVisitResult.CONTINUE;
        }
        // NFC: a filesystem that normalises names itself (HFS+ hands back NFD) still lists the canonical key
        String key = Normalizer.normalize(
            objects.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/"), Normalizer.Form.NFC);
        if (!key.startsWith(prefix) || (cursor != null && key.compareTo(cursor) <= 0) || !BlobKeys.isValid(key)) {
          return FileVisitResult.CONTINUE;
        }
        keys.add(key);
        if (keys.size() > max) {
          keys.pollLast();
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path p, IOException e) {
        // one entry that vanished or cannot be read never fails the listing for everyone
        if (e instanceof NoSuchFileException) {
          LOG.log(Level.DEBUG, "an entry vanished during a listing", e);
        } else {
          LOG.log(Level.WARNING, "skipping an unreadable entry in a listing: "
              + Printable.of(objects.relativize(p).toString()) + " (" + e.getClass().getSimpleName() + ")");
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return keys;
  }

  /**
   * Resolves a validated key under {@code base}, proving the result stays strictly inside it (compared as paths,
   * by name elements, so a sibling such as {@code data2} of {@code data} is outside). Package-private for its test.
   */
  static Path resolve(Path base, String key) {
    Path p = base;
    for (String segment : key.split("/", -1)) {
      p = p.resolve(segment);
    }
    Path normal = p.normalize();
    if (!normal.startsWith(base) || normal.equals(base)) {
      // unreachable for keys that passed BlobKeys.check; kept as the last line of defence
      throw new IllegalArgumentException("object key '" + Printable.of(key) + "' resolves outside the store");
    }
    return normal;
  }

  /**
   * Walks the parents of {@code target} below {@link #walkRoot} (a tenant's own folders included) without following
   * links. Returns false if one is missing (and {@code create} is false). Creates missing ones when asked.
   */
  private boolean checkParents(Path target, String key, boolean create) throws IOException {
    Path base = walkRoot;
    // resolve() keeps every target strictly inside objects, which lies inside base, so it has a parent
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
        String folder = p.startsWith(objects) ? objects.relativize(p).toString().replace('\\', '/')
            : "the tenant's folder"; // a file where the tenant's tree should be: never shown as a path
        throw new BlobConflictException("object key '" + Printable.of(key) + "' needs '" + folder
            + "' to be a folder, but it is an object");
      }
    }
    return true;
  }
}
