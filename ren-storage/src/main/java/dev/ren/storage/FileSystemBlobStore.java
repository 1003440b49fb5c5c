package dev.ren.storage;

import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
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
 * <p>Events: {@code storage.put} and {@code storage.delete} are published after the change is durable, through
 * {@link RenPublisher#publishApplied}: a failed publish surfaces as
 * {@link dev.ren.AppliedButNotPublishedException}, with the change in place.
 *
 * <p>Limits of the filesystem: a key cannot be both an object and a "directory" ({@code a} and {@code a/b});
 * the second one fails with {@link BlobConflictException}.
 *
 * <p>Thread-safety: thread-safe. The striped locks guard the object files of the keys that hash to them; large
 * copies run outside any lock.
 */
final class FileSystemBlobStore implements BlobStore {

  private static final System.Logger LOG = System.getLogger(FileSystemBlobStore.class.getName());
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  private static final int MAX_LIST = 1000;

  private final String bucket;
  private final BlobPaths paths;
  private final RenPublisher publisher;
  private final Object[] locks = new Object[256];

  FileSystemBlobStore(Path root, String bucket, RenPublisher publisher) {
    if (!BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException("bucket '" + Printable.of(bucket)
          + "' must match [a-z0-9][a-z0-9._-]{0,62}");
    }
    this.bucket = bucket;
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
    try {
      this.paths = BlobPaths.open(root, bucket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open blob store at " + root + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String bucket() {
    return bucket;
  }

  private Object lock(String key) {
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
    BlobInfo info;
    try (StagedFile staged = StagedFile.copy(at.object(), data, options.maxBytes(),
        (size, sha256) -> new BlobInfo(key, size, contentType, sha256,
            Instant.ofEpochMilli(System.currentTimeMillis()), metadata))) {
      info = staged.info();
      synchronized (lock(key)) {
        String ifMatch = options.ifMatch();
        if (ifMatch != null) {
          checkMatch(at, ifMatch);
        }
        try {
          staged.commit();
        } catch (DirectoryNotEmptyException e) {
          throw folderConflict(key);
        } catch (FileSystemException e) {
          throw nameTooLong(key, e);
        }
        staged.syncDirectory();
      }
    }
    if (options.publish()) {
      publisher.publishApplied(RenEvent.storagePut(bucket, key, info.etag()));
    }
    return info;
  }

  private void checkMatch(BlobPaths.Location at, String ifMatch) throws IOException {
    String expected = unquote(ifMatch);
    Optional<BlobInfo> current = headLocked(at);
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
    String key = BlobKeys.canonical(rawKey);
    BlobPaths.Location at = paths.locate(key);
    synchronized (lock(key)) {
      if (!paths.objectParents(at, false)) {
        return false;
      }
      BasicFileAttributes a = BlobPaths.attrs(at.object());
      if (a == null || !a.isRegularFile()) {
        return false;
      }
      try {
        Files.delete(at.object());
      } catch (NoSuchFileException e) {
        return false;
      }
    }
    publisher.publishApplied(RenEvent.storageDelete(bucket, key));
    return true;
  }

  @Override
  public Optional<BlobInfo> confirm(String rawKey) throws IOException {
    String key = BlobKeys.canonical(rawKey);
    Optional<BlobInfo> info = head(key);
    // the object landed earlier (a silent presigned upload): announcing it is the change confirm applies
    info.ifPresent(i -> publisher.publishApplied(RenEvent.storagePut(bucket, key, i.etag())));
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
  public BlobPage list(String rawPrefix, int limit, @Nullable String cursor) throws IOException {
    String prefix = BlobKeys.checkPrefix(Normalizer.normalize(rawPrefix, Normalizer.Form.NFC));
    if (limit < 1 || limit > MAX_LIST) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIST + ", was " + limit);
    }
    SortedSet<String> keys = paths.keys(prefix, cursor, limit + 1);
    List<BlobInfo> items = new ArrayList<>(Math.min(keys.size(), limit));
    String last = null;
    for (String key : keys) {
      if (items.size() == limit) {
        return new BlobPage(items, last);
      }
      Optional<BlobInfo> info;
      try {
        info = head(key);
      } catch (IOException | RuntimeException e) {
        // one damaged object never fails the listing for everyone
        LOG.log(Level.WARNING, "skipping object '" + Printable.of(key) + "' in a listing: " + e.getMessage());
        continue;
      }
      if (info.isPresent()) {
        items.add(info.get());
        last = key;
      }
    }
    return new BlobPage(items, null);
  }

  private static String unquote(String etag) {
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
  }
}
