package dev.ren.testing;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A test SSE client over a raw socket with a spec-compliant parser (WHATWG "event stream interpretation"): lines end
 * in CRLF, LF or a bare CR; {@code data} lines join with LF; an {@code id} containing NUL is ignored; {@code retry}
 * must be all digits; comments are counted. HTTP/1.1 chunked bodies are decoded. Nothing is hidden: the status,
 * headers and every event are exposed, and {@link #kill()} drops the socket like a vanished browser.
 *
 * <pre>{@code
 * try (SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren?s=kv"))) {
 *   SseTestClient.Event meta = c.next(Duration.ofSeconds(5));
 *   SseTestClient.Event put = c.next(e -> e.type().equals("kv.put"), Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>Thread-safety: one reader thread fills the queue; the accessors are thread-safe.
 */
public final class SseTestClient implements AutoCloseable {

  /** One dispatched event. {@code type} is "message" when no {@code event:} field was given. */
  public record Event(@Nullable String id, String type, String data, @Nullable Long retry) {
    public JsonNode json() {
      return TestJson.parse(data);
    }
  }

  private final Socket socket;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final AtomicInteger comments = new AtomicInteger();
  private final AtomicInteger retries = new AtomicInteger();
  private final int status;
  private final Map<String, List<String>> headers;
  private final Thread reader;
  private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
  private volatile boolean ended;
  private volatile @Nullable String lastEventId;
  private volatile @Nullable Long lastRetry;

  private SseTestClient(Socket socket, int status, Map<String, List<String>> headers, InputStream body) {
    this.socket = socket;
    this.status = status;
    this.headers = headers;
    this.reader = new Thread(() -> read(body), "sse-test-client");
    this.reader.setDaemon(true);
    this.reader.start();
  }

  public static SseTestClient open(URI uri) throws IOException {
    return open(uri, Map.of());
  }

  /** Opens {@code uri} (http only) with extra request headers. */
  public static SseTestClient open(URI uri, Map<String, String> extraHeaders) throws IOException {
    Socket s = new Socket(uri.getHost(), uri.getPort());
    s.setSoTimeout(0);
    String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    StringBuilder req = new StringBuilder()
        .append("GET ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
        .append("Accept: text/event-stream\r\n")
        .append("Cache-Control: no-cache\r\n");
    for (Map.Entry<String, String> h : extraHeaders.entrySet()) {
      req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    req.append("\r\n");
    OutputStream out = s.getOutputStream();
    out.write(req.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    InputStream in = s.getInputStream();
    String statusLine = readLine(in);
    if (statusLine == null) {
      s.close();
      throw new IOException("connection closed before a status line");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    boolean chunked = headers.getOrDefault("transfer-encoding", List.of()).stream()
        .anyMatch(v -> v.equalsIgnoreCase("chunked"));
    InputStream body = chunked ? new ChunkedInputStream(in) : in;
    return new SseTestClient(s, status, headers, body);
  }

  public int status() {
    return status;
  }

  /** The first value of a response header (case-insensitive), or null. */
  public @Nullable String header(String name) {
    List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  public Map<String, List<String>> headers() {
    return headers;
  }

  /** The next event, or an AssertionError after the timeout. */
  public Event next(Duration timeout) throws InterruptedException {
    Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (e == null) {
      throw new AssertionError("no SSE event within " + timeout + (ended ? " (stream ended)" : ""));
    }
    return e;
  }

  /** The next event matching the predicate (skipping others), or an AssertionError after the timeout. */
  public Event next(Predicate<Event> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("no matching SSE event within " + timeout + (ended ? " (stream ended)" : ""));
      }
      if (match.test(e)) {
        return e;
      }
    }
  }

  /** The next event of the given type. */
  public Event next(String type, Duration timeout) throws InterruptedException {
    return next(e -> e.type().equals(type), timeout);
  }

  /** An event if one arrives within the timeout, else null (for asserting absence). */
  public @Nullable Event poll(Duration timeout) throws InterruptedException {
    return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Events received and not yet taken. */
  public List<Event> drain() {
    List<Event> list = new ArrayList<>();
    events.drainTo(list);
    return list;
  }

  public int comments() {
    return comments.get();
  }

  public @Nullable String lastEventId() {
    return lastEventId;
  }

  public @Nullable Long lastRetry() {
    return lastRetry;
  }

  /** Whether the server ended the stream (EOF). */
  public boolean ended() {
    return ended;
  }

  /** Waits until the server ends the stream. */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    reader.join(timeout.toMillis());
    return ended;
  }

  /** Every body byte received so far (after de-chunking). */
  public byte[] rawBody() {
    synchronized (raw) {
      return raw.toByteArray();
    }
  }

  /** Drops the connection abruptly (RST), like a browser tab killed. */
  public void kill() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  /**
   * Closes the socket the ordinary way (FIN), as a browser closing its tab does: the server learns nothing until it
   * writes, and its first write after the close is still taken by its kernel (the answer to it is a reset).
   */
  public void closeSocket() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() {
    kill();
  }

  // ---------------------------------------------------------------- parser

  private void read(InputStream in) {
    StringBuilder data = new StringBuilder();
    String eventType = "";
    boolean hasData = false;
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean lastWasCr = false;
    try {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        synchronized (raw) {
          raw.write(buf, 0, n);
        }
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n' && lastWasCr) {
            lastWasCr = false;
            continue; // the LF of a CRLF
          }
          lastWasCr = b == '\r';
          if (b == '\r' || b == '\n') {
            String l = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (l.isEmpty()) {
              if (hasData) {
                String d = data.toString();
                events.add(new Event(lastEventId, eventType.isEmpty() ? "message" : eventType, d, lastRetry));
              }
              data.setLength(0);
              hasData = false;
              eventType = "";
              continue;
            }
            if (l.startsWith(":")) {
              comments.incrementAndGet();
              continue;
            }
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1);
            if (value.startsWith(" ")) {
              value = value.substring(1);
            }
            switch (field) {
              case "data" -> {
                if (hasData) {
                  data.append('\n');
                }
                data.append(value);
                hasData = true;
              }
              case "event" -> eventType = value;
              case "id" -> {
                if (value.indexOf('\0') < 0) {
                  lastEventId = value;
                }
              }
              case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
                  lastRetry = Long.parseLong(value);
                  retries.incrementAndGet();
                }
              }
              default -> { /* ignored per spec */ }
            }
          } else {
            line.write(b);
          }
        }
      }
    } catch (IOException e) {
      // socket closed
    } finally {
      ended = true;
    }
  }

  private static @Nullable String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Decodes an HTTP/1.1 chunked body. */
  private static final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private int left;
    private boolean done;

    ChunkedInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = readLine(in);
        if (size == null) {
          done = true;
          return -1;
        }
        if (size.isEmpty()) {
          size = readLine(in); // CRLF after the previous chunk
          if (size == null) {
            done = true;
            return -1;
          }
        }
        int semi = size.indexOf(';');
        left = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (left == 0) {
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, Math.min(len, left));
      if (n < 0) {
        done = true;
        return -1;
      }
      left -= n;
      return n;
    }
  }
}
