package dev.ren.storage;

import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.health.Health;
import dev.ren.access.RenCaller;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.SortedSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Each object is one file holding its content and its info ({@link BlobFormat}); {@link BlobPaths} says where.
 *
 * <p>A write streams the content into a temp file in the target's directory while hashing it, appends the info,
 * forces the file to disk ({@link StagedFile}), then — under the key's lock — checks the precondition, renames it
 * over the target and forces the directory. Content and info therefore change in one rename: no crash can leave
 * one without the other, and a restart only sweeps temp files. Readers open the file and read its info under the
 * same lock and keep reading that version (an open file survives a rename over it). No path component is ever
 * followed through a symbolic link. A copied or restored data directory keeps every object's type and metadata,
 * since nothing is matched by inode or time.
 *
 * <p>Keys are taken in their NFC form ({@link BlobKeys#canonical}); a segment longer than the filesystem's name
 * limit is refused before anything is written. A listing skips (and logs) an object whose file is damaged.
 *
 * <p>Events: {@code storage.object.created} (the key did not exist), {@code storage.object.updated} (an
 * overwrite) and {@code storage.object.deleted}, which streams also see as {@code storage.put} /
 * {@code storage.delete} (see {@link dev.ren.hub.StorageEventNames}), are published after the change is durable, through
 * {@link RenPublisher#publishApplied}: a failed publish surfaces as
 * {@link dev.ren.AppliedButNotPublishedException}, with the change in place.
 *
 * <p>Limits of the filesystem: a key cannot be both an object and a "directory" ({@code a} and {@code a/b});
 * the second one fails with {@link BlobConflictException}.
 *
 * <p>Tenants: {@link #tenant(String)} gives a view on the tenant's own tree ({@link BlobPaths#tenant}); the views
 * share the publisher, the locks (a stripe may cover one key of several tenants, which only costs contention) and
 * the listing cursors of the store they came from. Owners: the owner lives in the object's info; under the key's
 * lock a write keeps it or checks it ({@link PutOptions}), so no write changes an object's owner.
 *
 * <p>Thread-safety: thread-safe. The striped locks guard the object files of the keys that hash to them; large
 * copies run outside any lock.
 */
final class FileSystemBlobStore implements BlobStore {

  private static final System.Logger LOG = System.getLogger(FileSystemBlobStore.class.getName());
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  private static final int MAX_LIST = 1000;
  /** Objects a filtered listing looks at per call, at most; past it the page ends with a sealed cursor. */
  static final int MAX_LIST_SCAN = 10_000;
  /** Keys fetched per walk of the tree while filling a filtered page. */
  private static final int LIST_BATCH = 1000;

  /** What a store and its tenant views share; the lock stripes are never handed out. */
  private static final class Shared {
    final String bucket;
    final RenPublisher publisher;
    final Object[] locks = new Object[256];
    final BlobPaths defaultPaths;
    final ListCursors cursors = new ListCursors();
    final int maxListScan;
    /**
     * Objects stored silently (presigned uploads) and not confirmed yet, by file: whether the key was new before
     * the first such write, so confirm can say created or updated. Guarded by the key's lock; bounded, an
     * object left out (or unknown after a restart) is announced as updated.
     */
    final Map<Path, Boolean> unconfirmed = new java.util.concurrent.ConcurrentHashMap<>();

    Shared(String bucket, RenPublisher publisher, BlobPaths defaultPaths, int maxListScan) {
      this.bucket = bucket;
      this.publisher = publisher;
      this.defaultPaths = defaultPaths;
      this.maxListScan = maxListScan;
      for (int i = 0; i < locks.length; i++) {
        locks[i] = new Object();
      }
    }
  }

  private final Shared shared;
  private final String bucket;
  private final @Nullable String tenant;
  private final BlobPaths paths;
  private final RenPublisher publisher;

  FileSystemBlobStore(Path root, String bucket, RenPublisher publisher) {
    this(root, bucket, publisher, MAX_LIST_SCAN);
  }

  /** With another scan budget for filtered listings (tests reach it without writing ten thousand objects). */
  FileSystemBlobStore(Path root, String bucket, RenPublisher publisher, int maxListScan) {
    if (maxListScan < 1) {
      throw new IllegalArgumentException("maxListScan must be >= 1, was " + maxListScan);
    }
    if (!BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException("bucket '" + Printable.of(bucket)
          + "' must match [a-z0-9][a-z0-9._-]{0,62}");
    }
    BlobPaths opened;
    try {
      opened = BlobPaths.open(root, bucket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open blob store at " + root + ": " + e.getMessage(), e);
    }
    this.shared = new Shared(bucket, Objects.requireNonNull(publisher, "publisher"), opened, maxListScan);
    this.bucket = bucket;
    this.tenant = null;
    this.paths = opened;
    this.publisher = publisher;
  }

  private FileSystemBlobStore(Shared shared, @Nullable String tenant, BlobPaths paths) {
    this.shared = shared;
    this.bucket = shared.bucket;
    this.tenant = tenant;
    this.paths = paths;
    this.publisher = shared.publisher;
  }

  @Override
  public String bucket() {
    return bucket;
  }

  @Override
  public Health health(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    Path dir = shared.defaultPaths.root();
    String what = "blobs of bucket " + bucket;
    long t0 = System.nanoTime();
    try {
      boolean empty;
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        empty = !entries.iterator().hasNext(); // readable: the listing opens and yields
      }
      Path probe = dir.resolve(StagedFile.TMP_PREFIX + "health-" + UUID.randomUUID());
      try {
        Files.write(probe, new byte[] {1}, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } finally {
        Files.deleteIfExists(probe);
      }
      return Health.up(what + ": readable" + (empty ? " (empty)" : "") + " and writable, "
          + (System.nanoTime() - t0) / 1_000_000 + " ms");
    } catch (IOException | RuntimeException e) {
      // the message names the failing file: say what failed without the path (health output may be public)
      return Health.down(what + ": " + e.getClass().getSimpleName());
    }
  }

  @Override
  public @Nullable String tenant() {
    return tenant;
  }

  @Override
  public BlobStore tenant(@Nullable String newTenant) {
    if (Objects.equals(newTenant, tenant)) {
      return this;
    }
    if (newTenant == null) {
      return new FileSystemBlobStore(shared, null, shared.defaultPaths);
    }
    RenCaller.checkTenant(newTenant);
    return new FileSystemBlobStore(shared, newTenant, shared.defaultPaths.tenant(newTenant));
  }

  /** An event of this view: its tenant, and the object's owner as {@code uid}. */
  private RenEvent scoped(RenEvent e, @Nullable String owner) {
    return e.withUid(owner).withTenant(tenant);
  }

  /** Unconfirmed silent uploads remembered at most (see {@code Shared.unconfirmed}). */
  private static final int MAX_UNCONFIRMED = 100_000;

  private Object lock(String key) {
    Object[] locks = shared.locks;
    return locks[(key.hashCode() & 0x7fffffff) % locks.length];
  }

  // ------------------------------------------------------------------------------------------------ writes

  @Override
  public BlobInfo put(String rawKey, InputStream data, PutOptions options) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    String contentType = BlobKeys.checkContentType(options.contentType());
    Map<String, String> metadata = BlobKeys.checkMetadata(options.metadata());
    BlobPaths.Location at = paths.locate(key);
    try {
      paths.objectParents(at, true);
    } catch (FileSystemException e) {
      throw nameTooLong(key, e);
    }
    BasicFileAttributes existing = BlobPaths.attrs(at.object());
    if (existing != null && existing.isDirectory()) {
      throw folderConflict(key);
    }
    String writer = options.owner();
    // the owner the new version gets: the writer's, or the one it keeps; made sure of under the lock
    String guess = writer != null ? writer : ownerGuess(at);
    BlobInfo info;
    boolean existed;
    try (StagedFile staged = StagedFile.copy(at.object(), data, options.maxBytes(),
        (size, sha256) -> new BlobInfo(key, size, contentType, sha256,
            Instant.ofEpochMilli(System.currentTimeMillis()), metadata, guess))) {
      synchronized (lock(key)) {
        String ifMatch = options.ifMatch();
        Optional<BlobInfo> current;
        boolean damagedBefore = false;
        try {
          current = headLocked(at);
        } catch (UnreadableBlobException damaged) {
          if (ifMatch != null) {
            throw damaged; // a precondition cannot be checked against a damaged version
          }
          current = Optional.empty(); // a plain write replaces a damaged file (whose owner is unknown)
          damagedBefore = true;
        }
        if (ifMatch != null) {
          checkMatch(at, current, ifMatch);
        }
        String currentOwner = current.map(BlobInfo::owner).orElse(null);
        if (writer != null && currentOwner != null && !currentOwner.equals(writer)) {
          throw new BlobConflictException("object '" + Printable.of(key) + "' belongs to another user; a write"
              + " never takes an object from its owner");
        }
        String owner = writer != null ? writer : currentOwner;
        if (!Objects.equals(owner, staged.info().owner())) {
          staged.rewriteInfo(staged.info().withOwner(owner)); // the kept owner changed since the guess
        }
        info = staged.info();
        existed = current.isPresent() || damagedBefore; // an overwrite, also of a damaged version
        try {
          staged.commit();
        } catch (DirectoryNotEmptyException e) {
          throw folderConflict(key);
        } catch (FileSystemException e) {
          throw nameTooLong(key, e);
        }
        staged.syncDirectory();
        if (!options.publish()) {
          Boolean wasNew = shared.unconfirmed.get(at.object());
          if (wasNew == null && shared.unconfirmed.size() < MAX_UNCONFIRMED) {
            shared.unconfirmed.put(at.object(), !existed);
          }
        } else {
          shared.unconfirmed.remove(at.object());
        }
      }
    }
    if (options.publish()) {
      RenEvent e = existed ? RenEvent.storageUpdated(bucket, key, info.etag())
          : RenEvent.storageCreated(bucket, key, info.etag());
      publisher.publishApplied(scoped(e, info.owner()));
    }
    return info;
  }

  /** The current owner read without the lock (a guess that {@link #put} checks under it), or null. */
  private @Nullable String ownerGuess(BlobPaths.Location at) {
    try {
      return headLocked(at).map(BlobInfo::owner).orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static void checkMatch(BlobPaths.Location at, Optional<BlobInfo> current, String ifMatch) {
    String expected = unquote(ifMatch);
    if (current.isEmpty() || (!expected.equals("*") && !current.get().etag().equals(expected))) {
      throw new BlobConflictException("object '" + Printable.of(at.key()) + "' "
          + (current.isEmpty() ? "does not exist" : "has etag " + current.get().etag())
          + "; the write required " + Printable.of(ifMatch));
    }
  }

  /**
   * A name the filesystem refused although it passed the measured limit (a folder on another filesystem, say):
   * still the key's fault, so an {@link IllegalArgumentException}; any other failure is rethrown as it is.
   */
  private static IOException nameTooLong(String key, FileSystemException e) {
    String reason = e.getReason();
    if (reason != null && reason.toLowerCase(Locale.ROOT).contains("name too long")) {
      throw new IllegalArgumentException("object key '" + Printable.of(key) + "' has a segment longer than this"
          + " store's filesystem allows", e);
    }
    return e;
  }

  private static BlobConflictException folderConflict(String key) {
    return new BlobConflictException("object key '" + Printable.of(key)
        + "' is a folder of other objects; it cannot also be an object");
  }

  @Override
  public boolean delete(String rawKey) throws IOException {
    return delete(rawKey, false, null);
  }

  @Override
  public boolean deleteIfOwner(String rawKey, @Nullable String owner) throws IOException {
    return delete(rawKey, true, owner);
  }

  private boolean delete(String rawKey, boolean checkOwner, @Nullable String expectedOwner) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    BlobPaths.Location at = paths.locate(key);
    String owner;
    synchronized (lock(key)) {
      if (!paths.objectParents(at, false)) {
        return false;
      }
      BasicFileAttributes a = BlobPaths.attrs(at.object());
      if (a == null || !a.isRegularFile()) {
        return false;
      }
      try {
        owner = headLocked(at).map(BlobInfo::owner).orElse(null);
      } catch (UnreadableBlobException damaged) {
        owner = null; // a damaged file can still be removed; its owner is unknown
      }
      if (checkOwner && !Objects.equals(owner, expectedOwner)) {
        throw new BlobConflictException("object '" + Printable.of(key) + "' changed owner; nothing was deleted");
      }
      try {
        Files.delete(at.object());
      } catch (NoSuchFileException e) {
        return false;
      }
      shared.unconfirmed.remove(at.object());
    }
    publisher.publishApplied(scoped(RenEvent.storageDeleted(bucket, key), owner));
    return true;
  }

  @Override
  public Optional<BlobInfo> confirm(String rawKey) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    BlobPaths.Location at = paths.locate(key);
    Optional<BlobInfo> info;
    boolean created;
    synchronized (lock(key)) {
      info = headLocked(at);
      // created if the key was new before the silent upload(s) confirm announces; else (or unknown) updated
      created = info.isPresent() && Boolean.TRUE.equals(shared.unconfirmed.get(at.object()));
    }
    if (info.isEmpty()) {
      return info;
    }
    BlobInfo i = info.get();
    // the object landed earlier (a silent presigned upload): announcing it is the change confirm applies
    publisher.publishApplied(scoped(created ? RenEvent.storageCreated(bucket, key, i.etag())
        : RenEvent.storageUpdated(bucket, key, i.etag()), i.owner()));
    // announced: a second confirm is an update (a failed announcement leaves it, so the retry still says created)
    shared.unconfirmed.remove(at.object(), true);
    return info;
  }

  // ------------------------------------------------------------------------------------------------ reads

  @Override
  public Optional<BlobInfo> head(String rawKey) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    BlobPaths.Location at = paths.locate(key);
    synchronized (lock(key)) {
      return headLocked(at);
    }
  }

  private Optional<BlobInfo> headLocked(BlobPaths.Location at) throws IOException {
    if (!paths.objectParents(at, false)) {
      return Optional.empty();
    }
    BasicFileAttributes a = BlobPaths.attrs(at.object());
    if (a == null || !a.isRegularFile()) {
      return Optional.empty();
    }
    try (FileChannel ch = FileChannel.open(at.object(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of(BlobFormat.read(at.key(), ch));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (UnreadableBlobException e) {
      throw e;
    } catch (FileSystemException e) {
      return Optional.empty(); // e.g. ELOOP: it became a link; never follow it
    }
  }

  @Override
  public Optional<BlobRead> get(String rawKey, long offset, long length) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, was " + offset);
    }
    BlobPaths.Location at = paths.locate(key);
    FileChannel ch = null;
    BlobInfo info;
    synchronized (lock(key)) {
      if (!paths.objectParents(at, false)) {
        return Optional.empty();
      }
      BasicFileAttributes a = BlobPaths.attrs(at.object());
      if (a == null || !a.isRegularFile()) {
        return Optional.empty();
      }
      try {
        ch = FileChannel.open(at.object(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        info = BlobFormat.read(key, ch);
      } catch (IOException | RuntimeException e) {
        if (ch != null) {
          ch.close();
        }
        if (e instanceof NoSuchFileException) {
          return Optional.empty();
        }
        if (e instanceof FileSystemException) {
          return Optional.empty(); // e.g. ELOOP: it became a link; never follow it
        }
        throw e;
      }
    }
    long start = Math.min(offset, info.size());
    long len = length < 0 ? info.size() - start : Math.min(length, info.size() - start);
    ch.position(start);
    InputStream in = new BoundedInputStream(Channels.newInputStream(ch), len);
    return Optional.of(new BlobRead(info, start, len, in));
  }

  @Override
  public BlobPage list(String rawPrefix, int limit, @Nullable String cursor, Predicate<BlobInfo> visible)
      throws IOException {
    String prefix = BlobKeys.checkPrefix(Normalizer.normalize(rawPrefix, Normalizer.Form.NFC));
    if (limit < 1 || limit > MAX_LIST) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIST + ", was " + limit);
    }
    Objects.requireNonNull(visible, "visible");
    String after = shared.cursors.open(cursor);
    List<BlobInfo> items = new ArrayList<>(Math.min(limit, 64));
    int scanned = 0;
    int batch = Math.max(limit + 1, LIST_BATCH);
    while (true) {
      SortedSet<String> keys = paths.keys(prefix, after, batch);
      for (String key : keys) {
        if (items.size() == limit) {
          // another object follows; the cursor is the last one shown, so it names nothing hidden
          return new BlobPage(items, items.get(items.size() - 1).key());
        }
        after = key;
        scanned++;
        Optional<BlobInfo> info;
        try {
          info = head(key);
        } catch (IOException | RuntimeException e) {
          // one damaged object never fails the listing for everyone
          LOG.log(Level.WARNING, "skipping object '" + Printable.of(key) + "' in a listing: " + e.getMessage());
          info = Optional.empty();
        }
        boolean shown = info.isPresent() && visible.test(info.get());
        if (shown) {
          items.add(info.get());
        }
        if (scanned >= shared.maxListScan && items.size() < limit) {
          // out of budget among hidden objects: continue from here next time, without naming where that is
          return new BlobPage(items, shown ? key : shared.cursors.seal(key));
        }
      }
      if (keys.size() < batch) {
        return new BlobPage(items, null);
      }
    }
  }

  private static String unquote(String etag) {
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
  }
}
