package dev.ren.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental parser for the {@code text/event-stream} format as the HTML living standard defines it.
 *
 * <p>Bytes may be fed in any chunking: a line, a UTF-8 sequence or a CRLF pair split across two chunks is put
 * together before it is interpreted. Lines end at CRLF, LF or a bare CR. Several {@code data:} lines join with LF;
 * an {@code id} containing NUL is ignored; a {@code retry} that is not all ASCII digits is ignored; comments are
 * reported (servers send them as heartbeats); a leading UTF-8 BOM is skipped; an event not terminated by a blank
 * line when the stream ends is never dispatched. The last-event-id buffer persists across events, as in a browser.
 *
 * <p>Thread-safety: not thread-safe; one parser belongs to one connection and is fed by one thread at a time.
 */
final class SseParser {

  /** Receives what the parser finds, on the feeding thread. */
  interface Handler {
    /** A dispatched event; {@code lastEventId} is the last-event-id buffer at dispatch time (may be empty). */
    void onEvent(String lastEventId, String type, String data);

    /** A comment line (without the leading colon), e.g. a {@code :ping} heartbeat. */
    default void onComment(String comment) {}

    /** A valid {@code retry} field, in milliseconds. */
    default void onRetry(long millis) {}

    /**
     * Called at every blank line (dispatch point) with the last-event-id buffer, even when no event is
     * dispatched: this is when a browser updates its last event id, so an {@code id:} whose frame was cut off
     * before its blank line is never resumed from.
     */
    default void onLastEventId(String lastEventId) {}
  }

  private final Handler handler;
  private final int maxLineBytes;

  private byte[] line = new byte[256];
  private int lineLen;
  private boolean lastWasCr;
  private boolean firstLine = true;

  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String eventType = "";
  private String lastEventId;

  SseParser(Handler handler, String initialLastEventId, int maxLineBytes) {
    this.handler = handler;
    this.lastEventId = initialLastEventId;
    if (maxLineBytes < 16) {
      throw new IllegalArgumentException("maxLineBytes must be >= 16, was " + maxLineBytes);
    }
    this.maxLineBytes = maxLineBytes;
  }

  SseParser(Handler handler) {
    this(handler, "", 8 * 1024 * 1024);
  }

  /** The last-event-id buffer: the value of the last valid {@code id:} field seen (empty if none). */
  String lastEventId() {
    return lastEventId;
  }

  void feed(ByteBuffer buf) {
    while (buf.hasRemaining()) {
      accept(buf.get());
    }
  }

  void feed(byte[] bytes, int off, int len) {
    for (int i = off; i < off + len; i++) {
      accept(bytes[i]);
    }
  }

  void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  private void accept(byte b) {
    if (b == '\n') {
      if (lastWasCr) {
        lastWasCr = false; // second half of a CRLF: the line already ended at the CR
        return;
      }
      endLine();
    } else if (b == '\r') {
      lastWasCr = true;
      endLine();
    } else {
      lastWasCr = false;
      if (lineLen >= maxLineBytes) {
        throw new IllegalStateException("SSE line longer than " + maxLineBytes + " bytes");
      }
      if (lineLen == line.length) {
        line = Arrays.copyOf(line, Math.min(maxLineBytes, lineLen * 2));
      }
      line[lineLen++] = b;
    }
  }

  private void endLine() {
    int start = 0;
    if (firstLine) {
      firstLine = false;
      if (lineLen >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) {
        start = 3;
      }
    }
    String text = new String(line, start, lineLen - start, StandardCharsets.UTF_8);
    lineLen = 0;
    if (line.length > 64 * 1024) {
      line = new byte[256]; // do not keep one huge line's buffer for the life of the connection
    }
    processLine(text);
  }

  private void processLine(String text) {
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      handler.onComment(text.substring(1));
      return;
    }
    int colon = text.indexOf(':');
    String field;
    String value;
    if (colon < 0) {
      field = text;
      value = "";
    } else {
      field = text.substring(0, colon);
      int v = colon + 1;
      if (v < text.length() && text.charAt(v) == ' ') {
        v++;
      }
      value = text.substring(v);
    }
    switch (field) {
      case "event" -> eventType = value;
      case "data" -> {
        data.append(value).append('\n');
        hasData = true;
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventId = value;
        }
      }
      case "retry" -> {
        if (!value.isEmpty() && value.length() <= 18 && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
          handler.onRetry(Long.parseLong(value));
        }
      }
      default -> {
        // unknown fields are ignored, as the standard requires
      }
    }
  }

  private void dispatch() {
    handler.onLastEventId(lastEventId);
    if (!hasData) {
      eventType = "";
      return;
    }
    data.setLength(data.length() - 1); // the LF after the last data line
    String type = eventType.isEmpty() ? "message" : eventType;
    String payload = data.toString();
    data.setLength(0);
    hasData = false;
    eventType = "";
    handler.onEvent(lastEventId, type, payload);
  }
}
