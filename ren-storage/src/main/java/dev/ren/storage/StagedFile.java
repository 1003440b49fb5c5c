package dev.ren.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The atomic write of one object file ({@link BlobFormat}): content streamed into a temp file beside its target
 * ({@code .ren-tmp-*}, a name no key can have), hashed and size-checked on the way, followed by its info as a
 * trailer, forced to disk, and only then renamed over the target with
 * {@code ATOMIC_MOVE} by {@link #commit}. Until then the target is untouched, so a reader sees the old version or
 * the new one, never a mix; a crash leaves only a temp file, which {@link #sweep} removes at the next start. The
 * writer holds an exclusive OS lock on its temp file from creation to {@link #close}, so a store opening on the
 * same directory (another node on a shared volume, or a second store in this JVM) sweeps only the files of writes
 * that died: the lock goes with the process that held it.
 *
 * <pre>{@code
 * try (StagedFile staged = StagedFile.copy(target, in, limit, (size, sha256) -> info)) {
 *   synchronized (lock) { check precondition; staged.commit(); }
 * } // close() removes the temp file unless it was committed
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; one writer owns it from {@link #copy} to {@link #close}.
 */
final class StagedFile implements Closeable {

  private static final System.Logger LOG = System.getLogger(StagedFile.class.getName());
  static final String TMP_PREFIX = BlobKeys.RESERVED_PREFIX + "tmp-";
  private static final int BUFFER = 64 * 1024;

  private final Path tmp;
  private final Path target;
  /** Open, and holding the exclusive lock on {@link #tmp}, until {@link #close}. */
  private final FileChannel channel;
  private BlobInfo info;

  /** Describes the content once it is streamed: its size and lowercase hex SHA-256 become the info's. */
  @FunctionalInterface
  interface Describer {
    BlobInfo describe(long size, String sha256);
  }

  private StagedFile(Path tmp, Path target, FileChannel channel, BlobInfo info) {
    this.tmp = tmp;
    this.target = target;
    this.channel = channel;
    this.info = info;
  }

  /**
   * Streams {@code data} into a new temp file beside {@code target}, appends the info {@code describer} makes of
   * it, and forces the file to disk. Does not close {@code data}. On any failure the temp file is removed before
   * this throws.
   *
   * @throws BlobTooLargeException past {@code maxBytes}
   */
  static StagedFile copy(Path target, InputStream data, long maxBytes, Describer describer) throws IOException {
    Path tmp = target.resolveSibling(TMP_PREFIX + UUID.randomUUID());
    MessageDigest digest = newSha256();
    long size = 0;
    BlobInfo info;
    boolean staged = false;
    FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
    try {
      ch.lock(); // released when the channel closes, or by the OS when this process dies
      byte[] buf = new byte[BUFFER];
      ByteBuffer bb = ByteBuffer.wrap(buf);
      int n;
      while ((n = data.read(buf)) >= 0) {
        if (n == 0) {
          continue;
        }
        size += n;
        if (size > maxBytes) {
          throw new BlobTooLargeException(maxBytes);
        }
        digest.update(buf, 0, n);
        bb.clear().limit(n);
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
      }
      info = describer.describe(size, HexFormat.of().formatHex(digest.digest()));
      ByteBuffer trailer = ByteBuffer.wrap(BlobFormat.trailer(info));
      while (trailer.hasRemaining()) {
        ch.write(trailer);
      }
      ch.force(true);
      StagedFile file = new StagedFile(tmp, target, ch, info);
      staged = true;
      return file;
    } finally {
      if (!staged) {
        try {
          ch.close();
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
    }
  }

  /** The info written into the file. */
  BlobInfo info() {
    return info;
  }

  /**
   * Replaces the info trailer of the uncommitted file with {@code newInfo} (same content: only the info differs),
   * and forces it to disk again. For a write whose info depends on what it replaces (the owner it keeps), when
   * that changed between staging and committing.
   */
  void rewriteInfo(BlobInfo newInfo) throws IOException {
    if (newInfo.size() != info.size() || !newInfo.etag().equals(info.etag())) {
      throw new IllegalArgumentException("rewriteInfo keeps the content; only the info may change");
    }
    channel.truncate(newInfo.size());
    ByteBuffer trailer = ByteBuffer.wrap(BlobFormat.trailer(newInfo));
    long at = newInfo.size();
    while (trailer.hasRemaining()) {
      at += channel.write(trailer, at);
    }
    channel.force(true);
    this.info = newInfo;
  }

  /**
   * Renames the temp file over the target, atomically. The rename is in the directory's page cache until
   * {@link #syncDirectory} forces it.
   *
   * @throws java.nio.file.DirectoryNotEmptyException when the target is a non-empty folder
   */
  void commit() throws IOException {
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Forces the target's directory to disk, which makes a {@link #commit}ted rename durable on Linux. */
  void syncDirectory() {
    // a staged target always lies inside a store folder (BlobPaths), so it has a parent
    Path dir = Objects.requireNonNull(target.getParent(), "a staged file lies inside a folder");
    // not supported on every platform, hence best effort
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.log(Level.TRACE, "cannot fsync directory " + dir, e);
    }
  }

  /** Removes the temp file if it was not committed, and releases its lock. */
  @Override
  public void close() throws IOException {
    try {
      Files.deleteIfExists(tmp);
    } finally {
      channel.close();
    }
  }

  /**
   * Removes temp files a crashed write left behind under {@code dir}; they were never visible. A temp file whose
   * lock is held (a write in progress in this or another process) is left alone.
   */
  static void sweep(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().startsWith(TMP_PREFIX) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          sweepOne(p);
        }
      }
    }
  }

  private static void sweepOne(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException inThisJvm) {
        return; // a writer of this JVM holds it
      }
      if (lock == null) {
        return; // a writer of another process holds it
      }
      Files.deleteIfExists(p); // under the lock; the channel's close releases it
      LOG.log(Level.INFO, "removed leftover temp file " + p);
    } catch (NoSuchFileException committedOrRemoved) {
      // its writer renamed or removed it meanwhile
    }
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }
}
