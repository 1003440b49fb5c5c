package dev.ren.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental Server-Sent Events parser over raw bytes, as the HTML spec defines it: lines end with CRLF, LF or a
 * lone CR (also across buffer boundaries); {@code :} starts a comment; a field name runs to the first colon and one
 * space after it is dropped; {@code data} lines accumulate joined by LF; a blank line dispatches the event if it has
 * data. Allocation-free per event: values are handed to the listener as byte ranges of reused buffers.
 *
 * <p>Thread-safety: not thread-safe; one parser per connection, used by one thread.
 */
final class SseParser {

  /** Receives parsed events. Arrays are reused: copy what you keep. */
  interface Listener {
    void onEvent(byte[] event, int eventLen, byte[] data, int dataLen, byte[] id, int idLen);

    default void onComment() {}
  }

  private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);

  private final Listener listener;
  private byte[] line = new byte[512];
  private int lineLen;
  private boolean lastWasCr;
  private byte[] data = new byte[512];
  private int dataLen;
  private boolean hasData;
  private byte[] event = new byte[64];
  private int eventLen = -1;
  private byte[] id = new byte[64];
  private int idLen;

  SseParser(Listener listener) {
    this.listener = listener;
  }

  void feed(byte[] buf, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end) {
      byte b = buf[i];
      if (lastWasCr) {
        lastWasCr = false;
        if (b == '\n') {
          i++;
          continue;
        }
      }
      // fast path: find the end of the line inside this buffer
      int j = i;
      while (j < end && buf[j] != '\n' && buf[j] != '\r') {
        j++;
      }
      if (j == end) {
        append(buf, i, j - i);
        return;
      }
      if (lineLen == 0) {
        line(buf, i, j - i);
      } else {
        append(buf, i, j - i);
        line(line, 0, lineLen);
        lineLen = 0;
      }
      lastWasCr = buf[j] == '\r';
      i = j + 1;
    }
  }

  private void append(byte[] buf, int off, int len) {
    if (lineLen + len > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + len));
    }
    System.arraycopy(buf, off, line, lineLen, len);
    lineLen += len;
  }

  private void line(byte[] b, int off, int len) {
    if (len == 0) {
      dispatch();
      return;
    }
    if (b[off] == ':') {
      listener.onComment();
      return;
    }
    int colon = off;
    int end = off + len;
    while (colon < end && b[colon] != ':') {
      colon++;
    }
    int nameLen = colon - off;
    int v = colon < end ? colon + 1 : end;
    if (v < end && b[v] == ' ') {
      v++;
    }
    int vLen = end - v;
    if (is(b, off, nameLen, 'd', "data")) {
      if (hasData) {
        ensureData(dataLen + 1 + vLen);
        data[dataLen++] = '\n';
      } else {
        ensureData(vLen);
      }
      System.arraycopy(b, v, data, dataLen, vLen);
      dataLen += vLen;
      hasData = true;
    } else if (is(b, off, nameLen, 'e', "event")) {
      if (vLen > event.length) {
        event = new byte[vLen];
      }
      System.arraycopy(b, v, event, 0, vLen);
      eventLen = vLen;
    } else if (is(b, off, nameLen, 'i', "id")) {
      if (vLen > id.length) {
        id = new byte[vLen];
      }
      System.arraycopy(b, v, id, 0, vLen);
      idLen = vLen;
    }
    // retry and unknown fields are ignored
  }

  private void ensureData(int extra) {
    if (dataLen + extra > data.length) {
      data = Arrays.copyOf(data, Math.max(data.length * 2, dataLen + extra));
    }
  }

  private static boolean is(byte[] b, int off, int len, char first, String name) {
    if (len != name.length() || b[off] != first) {
      return false;
    }
    for (int k = 1; k < len; k++) {
      if (b[off + k] != name.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private void dispatch() {
    if (hasData) {
      if (eventLen < 0) {
        listener.onEvent(MESSAGE, MESSAGE.length, data, dataLen, id, idLen);
      } else {
        listener.onEvent(event, eventLen, data, dataLen, id, idLen);
      }
    }
    hasData = false;
    dataLen = 0;
    eventLen = -1; // the last event id persists across events, per spec
  }

  /** The number after {@code "key":} in the data, or -1 when absent. */
  static long longField(byte[] data, int len, byte[] quotedKeyColon) {
    int k = quotedKeyColon.length;
    outer:
    for (int i = 0; i + k <= len; i++) {
      for (int j = 0; j < k; j++) {
        if (data[i + j] != quotedKeyColon[j]) {
          continue outer;
        }
      }
      long v = 0;
      int p = i + k;
      boolean any = false;
      while (p < len && data[p] >= '0' && data[p] <= '9') {
        v = v * 10 + (data[p++] - '0');
        any = true;
      }
      return any ? v : -1;
    }
    return -1;
  }
}
