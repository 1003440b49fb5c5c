package dev.ren.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.internal.Printable;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An object's info as a JSON sidecar ({@code size, contentType, etag, lastModified, file, metadata}) written with
 * the same atomic write as the content. The content rename and the sidecar rename are two steps, so a crash can
 * fall between them; the sidecar therefore names the content file it describes ({@code file}: the file key and
 * modification time, which a rename keeps), and {@link #read} trusts it only when that and the size agree with the
 * content, otherwise it rebuilds the info from the content (hashing it again).
 *
 * <p>Thread-safety: thread-safe (stateless apart from its paths); the store calls it under the key's lock so a
 * sidecar and its content are read and written as one.
 */
final class Sidecars {

  private static final System.Logger LOG = System.getLogger(Sidecars.class.getName());
  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 64 * 1024;

  private final BlobPaths paths;

  Sidecars(BlobPaths paths) {
    this.paths = paths;
  }

  /** Writes the sidecar of {@code info}, describing the content file whose attributes are {@code content}. */
  void write(BlobPaths.Location at, BlobInfo info, BasicFileAttributes content) throws IOException {
    paths.sidecarParents(at, true);
    ObjectNode node = JSON.createObjectNode();
    node.put("size", info.size());
    node.put("contentType", info.contentType());
    node.put("etag", info.etag());
    node.put("lastModified", info.lastModified().toEpochMilli());
    node.put("file", identity(content));
    ObjectNode m = node.putObject("metadata");
    info.metadata().forEach(m::put);
    try (StagedFile staged = StagedFile.copy(at.sidecar(), new ByteArrayInputStream(JSON.writeValueAsBytes(node)),
        Long.MAX_VALUE)) {
      // no directory sync: a sidecar lost to a crash is detected by read() and rebuilt from the content
      staged.commit();
    }
  }

  /**
   * The info of the content file at {@code at} (attributes {@code content}): from the sidecar when it describes
   * this very file, else rebuilt from the content.
   */
  BlobInfo read(BlobPaths.Location at, BasicFileAttributes content) throws IOException {
    long size = content.size();
    JsonNode node = null;
    if (paths.sidecarParents(at, false)) {
      BasicFileAttributes m = BlobPaths.attrs(at.sidecar());
      if (m != null && m.isRegularFile()) {
        try {
          node = JSON.readTree(Files.readAllBytes(at.sidecar()));
        } catch (IOException e) {
          LOG.log(Level.WARNING, "unreadable metadata for '" + Printable.of(at.key())
              + "'; rebuilding it from the content", e);
        }
      }
    }
    JsonNode etag = node == null ? null : node.get("etag");
    if (node != null && etag != null && !etag.isNull() && node.path("size").asLong(-1) == size
        && identity(content).equals(node.path("file").asText())) {
      Map<String, String> metadata = new LinkedHashMap<>();
      node.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
      return new BlobInfo(at.key(), size, node.path("contentType").asText("application/octet-stream"),
          etag.asText(), Instant.ofEpochMilli(node.path("lastModified").asLong()), metadata);
    }
    // a crash fell between the content rename and the sidecar rename: the content is whole, its info is not
    MessageDigest digest = StagedFile.newSha256();
    try (InputStream in = Files.newInputStream(at.object(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[BUFFER];
      int n;
      while ((n = in.read(buf)) >= 0) {
        digest.update(buf, 0, n);
      }
    }
    return new BlobInfo(at.key(), size, "application/octet-stream", HexFormat.of().formatHex(digest.digest()),
        content.lastModifiedTime().toInstant(), Map.of());
  }

  /** Removes the sidecar, if there is one (never through a link). */
  void delete(BlobPaths.Location at) throws IOException {
    if (paths.sidecarParents(at, false)) {
      BasicFileAttributes m = BlobPaths.attrs(at.sidecar());
      if (m != null && m.isRegularFile()) {
        Files.deleteIfExists(at.sidecar());
      }
    }
  }

  private static String identity(BasicFileAttributes a) {
    return a.fileKey() + "@" + a.lastModifiedTime().toMillis();
  }
}
