package dev.ren.servlet.storage;

import dev.ren.storage.BlobInfo;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The HTTP validators of a stored object and the conditional and range requests that use them (RFC 9110):
 * {@code ETag} (the quoted content hash), {@code Last-Modified}, {@code If-None-Match} / {@code If-Modified-Since}
 * (→ 304), and one byte {@code Range} with {@code If-Range} (→ 206, or 416 when unsatisfiable). Several ranges,
 * malformed ones and a stale {@code If-Range} are answered with the whole object, as the RFC allows.
 *
 * <p>Thread-safety: stateless.
 */
final class Conditionals {

  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private Conditionals() {}

  /**
   * One satisfiable byte range, {@code first} to {@code last} inclusive, of an object of {@code size} bytes.
   *
   * @param first first byte served
   * @param last  last byte served, {@code < size}
   * @param size  the whole object's size
   */
  record ByteRange(long first, long last, long size) {
    long length() {
      return last - first + 1;
    }

    /** The {@code Content-Range} of a 206. */
    String contentRange() {
      return "bytes " + first + "-" + last + "/" + size;
    }
  }

  /** A {@code Range} none of whose bytes exist; answered with 416 and {@code Content-Range: bytes *}{@code /size}. */
  static final class Unsatisfiable extends Exception {
    private static final long serialVersionUID = 1L;
    private final long size;

    Unsatisfiable(long size) {
      super(null, null, false, false);
      this.size = size;
    }

    /** The {@code Content-Range} of the 416. */
    String contentRange() {
      return "bytes */" + size;
    }
  }

  /** {@code "etag"}: the strong validator of a stored object. */
  static String quote(String etag) {
    return "\"" + etag + "\"";
  }

  /** The {@code Last-Modified} value of a stored object. */
  static String httpDate(Instant instant) {
    return HTTP_DATE.format(instant.atZone(ZoneOffset.UTC));
  }

  /**
   * Whether the request's validators match the object, so the answer is 304: {@code If-None-Match} (any listed
   * tag, weak or strong, or {@code *}) decides when present; otherwise {@code If-Modified-Since}, compared at the
   * one-second precision of an HTTP date. An unparseable date is ignored, as RFC 9110 says.
   */
  static boolean notModified(HttpServletRequest req, BlobInfo info) {
    String inm = req.getHeader("If-None-Match");
    if (inm != null) {
      for (String tag : inm.split(",")) {
        String t = tag.trim();
        if (t.equals("*") || unquote(t).equals(info.etag())) {
          return true;
        }
      }
      return false;
    }
    String ims = req.getHeader("If-Modified-Since");
    if (ims != null) {
      try {
        Instant since = ZonedDateTime.parse(ims, HTTP_DATE).toInstant();
        return !info.lastModified().truncatedTo(ChronoUnit.SECONDS).isAfter(since);
      } catch (DateTimeParseException e) {
        return false;
      }
    }
    return false;
  }

  /**
   * The one byte range asked for, clipped to the object; null to serve everything (no {@code Range}, several,
   * malformed, or a stale {@code If-Range}).
   *
   * @throws Unsatisfiable when the range starts past the end (or asks for the last 0 bytes, or of an empty object)
   */
  static @Nullable ByteRange range(HttpServletRequest req, BlobInfo info) throws Unsatisfiable {
    String h = req.getHeader("Range");
    if (h == null || !h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      return null;
    }
    String ifRange = req.getHeader("If-Range");
    if (ifRange != null && !ifRange.trim().equals(quote(info.etag()))) {
      return null;
    }
    String spec = h.substring("bytes=".length()).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    long size = info.size();
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      if (a.isEmpty()) {
        long n = Long.parseLong(b);
        if (n <= 0 || size == 0) {
          throw new Unsatisfiable(size);
        }
        return new ByteRange(Math.max(0, size - n), size - 1, size);
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
      if (first < 0 || last < first) {
        return null;
      }
      if (first >= size) {
        throw new Unsatisfiable(size);
      }
      return new ByteRange(first, Math.min(last, size - 1), size);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String unquote(String tag) {
    String t = tag.startsWith("W/") ? tag.substring(2) : tag;
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
  }
}
