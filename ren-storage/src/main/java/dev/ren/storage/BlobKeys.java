package dev.ren.storage;

import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rule every object key, content type and metadata map must pass. Keys are user input, so they are
 * rejected, never repaired: a key is 1–1024 UTF-8 bytes of {@code /}-separated segments, and each segment
 * <ul>
 *   <li>is 1–255 UTF-8 bytes (so no leading, trailing or doubled {@code /}: no absolute paths),</li>
 *   <li>is not {@code .} or {@code ..}, does not end with {@code .} or a space, and does not start with the
 *       reserved {@code .ren-},</li>
 *   <li>contains no control or format character, no unpaired surrogate, none of {@code \ : * ? " < > | %}
 *       (backslashes, drive letters, encoded traversals like {@code %2e%2e}), no NUL,</li>
 *   <li>is not a Windows device name ({@code CON}, {@code NUL}, {@code COM1}, {@code LPT1.txt}, ...).</li>
 * </ul>
 *
 * <p>Keys are compared in their Unicode NFC form ({@link #canonical}). A store may allow less than 255 bytes per
 * segment when its filesystem does.
 *
 * <p>Thread-safety: stateless.
 */
public final class BlobKeys {

  /** Longest key, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 1024;
  /** Longest segment, in UTF-8 bytes (the common filesystem name limit). */
  public static final int MAX_SEGMENT_BYTES = 255;
  /** Segments starting with this are the store's own temp files. */
  static final String RESERVED_PREFIX = ".ren-";

  private static final String FORBIDDEN = "\\:*?\"<>|%";
  private static final Set<String> DEVICES = Set.of("con", "prn", "aux", "nul", "conin$", "conout$",
      "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
      "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");
  private static final Pattern CONTENT_TYPE = Pattern.compile(
      "[A-Za-z0-9!#$&^_.+-]{1,127}/[A-Za-z0-9!#$&^_.+-]{1,127}(\\s*;\\s*[A-Za-z0-9!#$&^_.+-]+=(\"[^\"\\p{Cntrl}]*\"|[A-Za-z0-9!#$&^_.+-]+))*");
  private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final int MAX_META_ENTRIES = 64;
  private static final int MAX_META_BYTES = 8192;

  private BlobKeys() {}

  /** Whether {@code key} passes {@link #check}. */
  public static boolean isValid(@Nullable String key) {
    try {
      check(key);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The canonical spelling of {@code key}: its Unicode NFC form, so that NFC and NFD spellings of one name
   * ({@code "caf\u00e9"}, {@code "cafe\u0301"}) are one object. Stores and signatures use this form.
   *
   * @throws IllegalArgumentException when the NFC form does not follow {@link #check}
   */
  public static String canonical(@Nullable String key) {
    return check(key == null ? null : Normalizer.normalize(key, Normalizer.Form.NFC));
  }

  /**
   * Returns {@code key} if it follows the rule in the class comment.
   *
   * @throws IllegalArgumentException naming the key and the broken rule
   */
  public static String check(@Nullable String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("object key is required (1-" + MAX_KEY_BYTES + " UTF-8 bytes)");
    }
    if (key.length() > MAX_KEY_BYTES || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw bad(key, "is longer than " + MAX_KEY_BYTES + " UTF-8 bytes");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
          i++;
          continue;
        }
        throw bad(key, "contains an unpaired surrogate");
      }
      if (Character.isLowSurrogate(c)) {
        throw bad(key, "contains an unpaired surrogate");
      }
      int type = Character.getType(c);
      if (type == Character.CONTROL || type == Character.FORMAT || c == '\u2028' || c == '\u2029'
          || c == '\uFFFE' || c == '\uFFFF') {
        throw bad(key, "contains a control or format character (U+" + String.format("%04X", (int) c) + ")");
      }
      if (FORBIDDEN.indexOf(c) >= 0) {
        throw bad(key, "contains '" + c + "'; keys may not contain any of " + FORBIDDEN);
      }
    }
    int start = 0;
    while (true) {
      int slash = key.indexOf('/', start);
      String segment = slash < 0 ? key.substring(start) : key.substring(start, slash);
      checkSegment(key, segment);
      if (slash < 0) {
        return key;
      }
      start = slash + 1;
    }
  }

  private static void checkSegment(String key, String segment) {
    if (segment.isEmpty()) {
      throw bad(key, "has an empty segment (leading, trailing or doubled '/')");
    }
    if (segment.equals(".") || segment.equals("..")) {
      throw bad(key, "has a '" + segment + "' segment");
    }
    if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
      throw bad(key, "has a segment longer than " + MAX_SEGMENT_BYTES + " UTF-8 bytes");
    }
    char last = segment.charAt(segment.length() - 1);
    if (last == '.' || last == ' ') {
      throw bad(key, "has a segment ending with '" + last + "'");
    }
    if (segment.startsWith(RESERVED_PREFIX)) {
      throw bad(key, "has a segment starting with the reserved '" + RESERVED_PREFIX + "'");
    }
    int dot = segment.indexOf('.');
    String base = (dot < 0 ? segment : segment.substring(0, dot)).trim().toLowerCase(Locale.ROOT);
    if (DEVICES.contains(base)) {
      throw bad(key, "has a segment naming a device ('" + segment + "')");
    }
  }

  /** Returns the key prefix if it is usable for a listing (any prefix of a valid key), else throws. */
  static String checkPrefix(String prefix) {
    if (prefix.isEmpty()) {
      return prefix;
    }
    // a prefix may end mid-segment ("photos/ca") or with '/'; validate the longest complete key it implies
    String probe = prefix.endsWith("/") ? prefix + "x" : prefix;
    String lastSegment = probe.substring(probe.lastIndexOf('/') + 1);
    if (lastSegment.endsWith(".") || lastSegment.endsWith(" ")) {
      probe = probe + "x";
    }
    try {
      check(probe);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("prefix '" + Printable.of(prefix) + "' cannot begin any valid key: "
          + e.getMessage());
    }
    return prefix;
  }

  /**
   * Returns the content type (or {@code application/octet-stream} for null/blank) if it is a well-formed media
   * type with optional parameters, at most 255 characters.
   */
  public static String checkContentType(@Nullable String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return "application/octet-stream";
    }
    String ct = contentType.trim();
    if (ct.length() > 255 || !CONTENT_TYPE.matcher(ct).matches()) {
      throw new IllegalArgumentException("content type '" + Printable.of(ct)
          + "' must be a media type like 'image/png' (optionally with parameters), at most 255 characters");
    }
    return ct;
  }

  /** Returns the metadata if keys match {@code [A-Za-z0-9_.-]{1,128}}, at most 64 entries, 8 KiB in total. */
  public static Map<String, String> checkMetadata(Map<String, String> metadata) {
    if (metadata.size() > MAX_META_ENTRIES) {
      throw new IllegalArgumentException("metadata has " + metadata.size() + " entries; at most "
          + MAX_META_ENTRIES + " are allowed");
    }
    long bytes = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (!META_KEY.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException("metadata key '" + Printable.of(e.getKey())
            + "' must match [A-Za-z0-9_.-]{1,128}");
      }
      bytes += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (bytes > MAX_META_BYTES) {
      throw new IllegalArgumentException("metadata is " + bytes + " bytes; at most " + MAX_META_BYTES
          + " are allowed");
    }
    return metadata;
  }

  /**
   * Returns {@code owner} if it can be an object's owner: a user name of 1-256 characters without control
   * characters (what {@code RenCaller} accepts), so it can be stored, signed and compared unambiguously.
   */
  static String checkOwner(String owner) {
    if (owner.isEmpty() || owner.length() > 256) {
      throw new IllegalArgumentException("owner must be 1-256 characters, was " + owner.length());
    }
    for (int i = 0; i < owner.length(); i++) {
      if (Character.isISOControl(owner.charAt(i))) {
        throw new IllegalArgumentException("owner '" + Printable.of(owner) + "' contains a control character");
      }
    }
    return owner;
  }

  private static IllegalArgumentException bad(String key, String rule) {
    return new IllegalArgumentException("object key '" + Printable.of(key) + "' " + rule);
  }
}
