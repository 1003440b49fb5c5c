package dev.ren.storage;

import dev.ren.internal.Printable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Objects as files under {@code root/<bucket>/objects/<key>}; their info as JSON sidecars under
 * {@code root/<bucket>/meta/<key>.ren-meta.json}, a separate tree so no user key can collide with one.
 *
 * <p>A write streams into a temp file ({@code .ren-tmp-*}, a reserved name) in the target's directory while
 * hashing, forces it to disk, then — under the key's lock — checks the precondition, renames it over the target
 * ({@code ATOMIC_MOVE}) and writes the sidecar the same way. Readers open the file and read the sidecar under the
 * same lock, so they see one consistent version and keep reading it (an open file survives a rename over it).
 * No path component is ever followed through a symbolic link: parents are checked with {@code NOFOLLOW_LINKS}
 * one by one, files are opened with {@code NOFOLLOW_LINKS}, and a rename replaces a link rather than its target.
 * If a crash falls between the content rename and the sidecar rename, the sidecar disagrees with the file's
 * size (or is missing) and the info is rebuilt from the content.
 *
 * <p>Limits of the filesystem: a key cannot be both an object and a "directory" ({@code a} and {@code a/b});
 * the second one fails with {@link BlobConflictException}.
 *
 * <p>Thread-safety: thread-safe; large copies run outside any lock.
 */
final class FileSystemBlobStore implements BlobStore {

  private static final System.Logger LOG = System.getLogger(FileSystemBlobStore.class.getName());
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  private static final String TMP_PREFIX = BlobKeys.RESERVED_PREFIX + "tmp-";
  private static final String META_SUFFIX = ".ren-meta.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 64 * 1024;
  private static final int MAX_LIST = 1000;

  private final String bucket;
  private final Path objects;
  private final Path meta;
  private final RenPublisher publisher;
  private final Object[] locks = new Object[256];

  FileSystemBlobStore(Path root, String bucket, RenPublisher publisher) {
    if (!BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException("bucket '" + Printable.of(bucket)
          + "' must match [a-z0-9][a-z0-9._-]{0,62}");
    }
    this.bucket = bucket;
    this.publisher = java.util.Objects.requireNonNull(publisher, "publisher");
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
    try {
      Path base = Files.createDirectories(root).toRealPath().resolve(bucket);
      this.objects = Files.createDirectories(base.resolve("objects")).toRealPath();
      this.meta = Files.createDirectories(base.resolve("meta")).toRealPath();
      sweep(objects);
      sweep(meta);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open blob store at " + root + ": " + e.getMessage(), e);
    }
  }

  /** Removes temp files a crashed write left behind; they were never visible. */
  private static void sweep(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().startsWith(TMP_PREFIX) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(p);
          LOG.log(Level.INFO, "removed leftover temp file " + p);
        }
      }
    }
  }

  @Override
  public String bucket() {
    return bucket;
  }

  // ------------------------------------------------------------------------------------------------ paths

  private Object lock(String key) {
    return locks[(key.hashCode() & 0x7fffffff) % locks.length];
  }

  /** Resolves a validated key under {@code base}, proving the result stays inside it. */
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
    Path rel = base.relativize(target.getParent() == null ? base : target.getParent());
    Path p = base;
    if (rel.toString().isEmpty()) {
      return true;
    }
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
          throw new IOException("directory " + p + " vanished while storing '" + key + "'");
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

  private static @Nullable BasicFileAttributes attrs(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------------------ writes

  @Override
  public BlobInfo put(String key, InputStream data, PutOptions options) throws IOException {
    BlobKeys.check(key);
    String contentType = BlobKeys.checkContentType(options.contentType());
    Map<String, String> metadata = BlobKeys.checkMetadata(options.metadata());
    Path target = resolve(objects, key, "");
    Path metaFile = resolve(meta, key, META_SUFFIX);
    checkParents(objects, target, key, true);
    BasicFileAttributes existing = attrs(target);
    if (existing != null && existing.isDirectory()) {
      throw new BlobConflictException("object key '" + Printable.of(key)
          + "' is a folder of other objects; it cannot also be an object");
    }
    Path tmp = target.resolveSibling(TMP_PREFIX + UUID.randomUUID());
    MessageDigest digest = sha256();
    long size = 0;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS)) {
        byte[] buf = new byte[BUFFER];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        int n;
        while ((n = data.read(buf)) >= 0) {
          if (n == 0) {
            continue;
          }
          size += n;
          if (size > options.maxBytes()) {
            throw new BlobTooLargeException(options.maxBytes());
          }
          digest.update(buf, 0, n);
          bb.clear().limit(n);
          while (bb.hasRemaining()) {
            ch.write(bb);
          }
        }
        ch.force(true);
      }
      BasicFileAttributes written = Files.readAttributes(tmp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      String etag = HexFormat.of().formatHex(digest.digest());
      BlobInfo info = new BlobInfo(key, size, contentType, etag, Instant.ofEpochMilli(System.currentTimeMillis()),
          metadata);
      synchronized (lock(key)) {
        if (options.ifMatch() != null) {
          String expected = unquote(options.ifMatch());
          Optional<BlobInfo> current = headLocked(key, target, metaFile);
          if (current.isEmpty() || (!expected.equals("*") && !current.get().etag().equals(expected))) {
            throw new BlobConflictException("object '" + Printable.of(key) + "' "
                + (current.isEmpty() ? "does not exist" : "has etag " + current.get().etag())
                + "; the write required " + options.ifMatch());
          }
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (DirectoryNotEmptyException e) {
          throw new BlobConflictException("object key '" + Printable.of(key)
              + "' is a folder of other objects; it cannot also be an object");
        }
        forceDirectory(target.getParent());
        writeMeta(key, metaFile, info, written);
      }
      if (options.publish()) {
        publisher.publish(RenEvent.storagePut(bucket, key, etag));
      }
      return info;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void writeMeta(String key, Path metaFile, BlobInfo info, BasicFileAttributes content) throws IOException {
    checkParents(meta, metaFile, key, true);
    ObjectNode node = JSON.createObjectNode();
    node.put("size", info.size());
    node.put("contentType", info.contentType());
    node.put("etag", info.etag());
    node.put("lastModified", info.lastModified().toEpochMilli());
    // identify the content file this sidecar describes (a rename keeps both), so a sidecar left stale by a crash
    // between the two renames is detected even when the sizes agree
    node.put("file", identity(content));
    ObjectNode m = node.putObject("metadata");
    info.metadata().forEach(m::put);
    Path tmp = metaFile.resolveSibling(TMP_PREFIX + UUID.randomUUID());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS)) {
        ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(node)));
        ch.force(true);
      }
      Files.move(tmp, metaFile, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void forceDirectory(Path dir) {
    // makes the rename itself durable on Linux; not supported everywhere, hence best effort
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.log(Level.TRACE, "cannot fsync directory " + dir, e);
    }
  }

  @Override
  public boolean delete(String key) throws IOException {
    BlobKeys.check(key);
    Path target = resolve(objects, key, "");
    Path metaFile = resolve(meta, key, META_SUFFIX);
    synchronized (lock(key)) {
      if (!checkParents(objects, target, key, false)) {
        return false;
      }
      BasicFileAttributes a = attrs(target);
      if (a == null || !a.isRegularFile()) {
        return false;
      }
      try {
        Files.delete(target);
      } catch (NoSuchFileException e) {
        return false;
      }
      if (checkParents(meta, metaFile, key, false)) {
        BasicFileAttributes m = attrs(metaFile);
        if (m != null && m.isRegularFile()) {
          Files.deleteIfExists(metaFile);
        }
      }
    }
    publisher.publish(RenEvent.storageDelete(bucket, key));
    return true;
  }

  @Override
  public Optional<BlobInfo> confirm(String key) throws IOException {
    Optional<BlobInfo> info = head(key);
    info.ifPresent(i -> publisher.publish(RenEvent.storagePut(bucket, key, i.etag())));
    return info;
  }

  // ------------------------------------------------------------------------------------------------ reads

  @Override
  public Optional<BlobInfo> head(String key) throws IOException {
    BlobKeys.check(key);
    Path target = resolve(objects, key, "");
    Path metaFile = resolve(meta, key, META_SUFFIX);
    synchronized (lock(key)) {
      return headLocked(key, target, metaFile);
    }
  }

  private Optional<BlobInfo> headLocked(String key, Path target, Path metaFile) throws IOException {
    if (!checkParents(objects, target, key, false)) {
      return Optional.empty();
    }
    BasicFileAttributes a = attrs(target);
    if (a == null || !a.isRegularFile()) {
      return Optional.empty();
    }
    return Optional.of(info(key, target, metaFile, a));
  }

  @Override
  public Optional<BlobRead> get(String key, long offset, long length) throws IOException {
    BlobKeys.check(key);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, was " + offset);
    }
    Path target = resolve(objects, key, "");
    Path metaFile = resolve(meta, key, META_SUFFIX);
    FileChannel ch = null;
    BlobInfo info;
    synchronized (lock(key)) {
      if (!checkParents(objects, target, key, false)) {
        return Optional.empty();
      }
      BasicFileAttributes a = attrs(target);
      if (a == null || !a.isRegularFile()) {
        return Optional.empty();
      }
      try {
        ch = FileChannel.open(target, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        info = info(key, target, metaFile, a);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException | RuntimeException e) {
        if (ch != null) {
          ch.close();
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

  /** Reads the sidecar; rebuilds the info from content when the sidecar is missing or belongs to another size. */
  private BlobInfo info(String key, Path target, Path metaFile, BasicFileAttributes a) throws IOException {
    long size = a.size();
    JsonNode node = null;
    if (checkParents(meta, metaFile, key, false)) {
      BasicFileAttributes m = attrs(metaFile);
      if (m != null && m.isRegularFile()) {
        try {
          node = JSON.readTree(Files.readAllBytes(metaFile));
        } catch (IOException e) {
          LOG.log(Level.WARNING, "unreadable metadata for '" + key + "'; rebuilding it from the content", e);
        }
      }
    }
    if (node != null && node.path("size").asLong(-1) == size && node.hasNonNull("etag")
        && identity(a).equals(node.path("file").asText())) {
      Map<String, String> metadata = new LinkedHashMap<>();
      node.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
      return new BlobInfo(key, size, node.path("contentType").asText("application/octet-stream"),
          node.get("etag").asText(), Instant.ofEpochMilli(node.path("lastModified").asLong()), metadata);
    }
    // a crash fell between the content rename and the sidecar rename: the content is whole, its info is not
    MessageDigest digest = sha256();
    try (InputStream in = Files.newInputStream(target, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[BUFFER];
      int n;
      while ((n = in.read(buf)) >= 0) {
        digest.update(buf, 0, n);
      }
    }
    return new BlobInfo(key, size, "application/octet-stream", HexFormat.of().formatHex(digest.digest()),
        a.lastModifiedTime().toInstant(), Map.of());
  }

  private static String identity(BasicFileAttributes a) {
    return a.fileKey() + "@" + a.lastModifiedTime().toMillis();
  }

  @Override
  public BlobPage list(String prefix, int limit, @Nullable String cursor) throws IOException {
    BlobKeys.checkPrefix(prefix);
    if (limit < 1 || limit > MAX_LIST) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIST + ", was " + limit);
    }
    int slash = prefix.lastIndexOf('/');
    Path dir = slash < 0 ? objects : resolve(objects, prefix.substring(0, slash), "");
    if (slash >= 0) {
      if (!checkParents(objects, dir.resolve("x"), prefix, false)) {
        return new BlobPage(List.of(), null);
      }
    }
    TreeSet<String> keys = new TreeSet<>();
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
        if (keys.size() > limit + 1) {
          keys.pollLast();
        }
      }
    } catch (NoSuchFileException e) {
      return new BlobPage(List.of(), null);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof NoSuchFileException) {
        LOG.log(Level.DEBUG, "an entry vanished during a listing", e);
      } else {
        throw e.getCause();
      }
    }
    List<BlobInfo> items = new ArrayList<>(Math.min(keys.size(), limit));
    String last = null;
    for (String key : keys) {
      if (items.size() == limit) {
        return new BlobPage(items, last);
      }
      Optional<BlobInfo> info = head(key);
      if (info.isPresent()) {
        items.add(info.get());
        last = key;
      }
    }
    return new BlobPage(items, null);
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static String unquote(String etag) {
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }

  /** Yields at most {@code remaining} bytes of a stream. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long remaining) {
      this.in = in;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
