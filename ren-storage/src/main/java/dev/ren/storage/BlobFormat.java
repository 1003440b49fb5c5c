package dev.ren.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One object is one file: its content, then its info as a JSON trailer, then a 12-byte footer (the trailer's
 * length as a big-endian int and the magic {@code REN-BLB1}). Content and info are therefore written, renamed,
 * copied, backed up and restored together; nothing matches one to the other by inode, time or name.
 *
 * <pre>
 * [ content: size bytes ][ {"size":..,"contentType":..,"etag":..,"lastModified":..,"metadata":{..},"owner":..} ][ len ][ REN-BLB1 ]
 * </pre>
 *
 * <p>{@code owner} is present only for an owned object; files written before owners were recorded have none and
 * read as objects without an owner.
 *
 * <p>The trailer follows the content because the etag is a hash of the content, known only once it has been
 * streamed; readers find it from the end of the file. A file whose footer or trailer does not check out (its
 * magic, its length, its {@code size} against the file's length) is {@link UnreadableBlobException unreadable}.
 *
 * <p>Thread-safety: stateless.
 */
final class BlobFormat {

  private static final byte[] MAGIC = "REN-BLB1".getBytes(StandardCharsets.US_ASCII);
  /** Footer bytes: trailer length (int) + magic. */
  static final int FOOTER = Integer.BYTES + MAGIC.length;
  /** Largest trailer accepted on read: metadata is at most 8 KiB of text, escaped at most 6x, plus the rest. */
  private static final int MAX_TRAILER = 64 * 1024;
  private static final Pattern ETAG = Pattern.compile("[0-9a-f]{64}");
  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper JSON = new ObjectMapper();

  private BlobFormat() {}

  /** The bytes that follow the content of {@code info}: trailer and footer. */
  static byte[] trailer(BlobInfo info) {
    ObjectNode node = JSON.createObjectNode();
    node.put("size", info.size());
    node.put("contentType", info.contentType());
    node.put("etag", info.etag());
    node.put("lastModified", info.lastModified().toEpochMilli());
    ObjectNode m = node.putObject("metadata");
    info.metadata().forEach(m::put);
    String owner = info.owner();
    if (owner != null) {
      node.put("owner", owner);
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
    ByteBuffer out = ByteBuffer.allocate(json.length + FOOTER);
    out.put(json).putInt(json.length).put(MAGIC);
    return out.array();
  }

  /**
   * The info of the object file open on {@code ch} (its content is bytes {@code [0, info.size())}).
   *
   * @throws UnreadableBlobException when the file is not a whole object in this format
   */
  static BlobInfo read(String key, FileChannel ch) throws IOException {
    long fileSize = ch.size();
    if (fileSize < FOOTER) {
      throw new UnreadableBlobException(key, "shorter than its footer");
    }
    ByteBuffer footer = readFully(ch, fileSize - FOOTER, FOOTER);
    int len = footer.getInt();
    byte[] magic = new byte[MAGIC.length];
    footer.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new UnreadableBlobException(key, "not in REN's object format (no footer)");
    }
    if (len < 2 || len > MAX_TRAILER || len > fileSize - FOOTER) {
      throw new UnreadableBlobException(key, "trailer length " + len + " is impossible");
    }
    long contentSize = fileSize - FOOTER - len;
    JsonNode node;
    try {
      node = JSON.readTree(readFully(ch, contentSize, len).array());
    } catch (JsonProcessingException e) {
      throw new UnreadableBlobException(key, "trailer is not JSON");
    }
    JsonNode etag = node.path("etag");
    JsonNode type = node.path("contentType");
    JsonNode modified = node.path("lastModified");
    JsonNode metadata = node.path("metadata");
    JsonNode owner = node.path("owner");
    boolean ownerOk = owner.isMissingNode() || (owner.isTextual() && validOwner(owner.asText()));
    if (!ownerOk || node.path("size").asLong(-1) != contentSize || !etag.isTextual()
        || !ETAG.matcher(etag.asText()).matches()
        || !type.isTextual() || !modified.canConvertToLong() || !metadata.isObject()) {
      throw new UnreadableBlobException(key, "trailer does not describe this content");
    }
    Map<String, String> meta = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : metadata.properties()) {
      if (!e.getValue().isTextual()) {
        throw new UnreadableBlobException(key, "metadata value '" + e.getKey() + "' is not a string");
      }
      meta.put(e.getKey(), e.getValue().asText());
    }
    return new BlobInfo(key, contentSize, type.asText(), etag.asText(), Instant.ofEpochMilli(modified.asLong()),
        meta, owner.isTextual() ? owner.asText() : null);
  }

  private static boolean validOwner(String owner) {
    try {
      BlobKeys.checkOwner(owner);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    long at = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, at);
      if (n < 0) {
        throw new IOException("file ended early (it shrank while being read)");
      }
      at += n;
    }
    return buf.flip();
  }
}
