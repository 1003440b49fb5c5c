package dev.ren.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client sends (a bad header, a body that trickles)
 * and for reading exactly what the server answers.
 *
 * <p>Thread-safety: one thread per instance.
 */
final class RawHttp implements AutoCloseable {

  /** A parsed response: status, headers (lower-case names), body. */
  record Reply(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  private final Socket socket;

  RawHttp(URI base, Duration readTimeout) throws IOException {
    socket = new Socket(base.getHost(), base.getPort());
    socket.setSoTimeout((int) readTimeout.toMillis());
  }

  /** Sends {@code text} as ISO-8859-1 bytes, as they are. */
  RawHttp send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  /** Reads one response: headers, then a body of Content-Length bytes or up to the end of the stream. */
  Reply read() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside the response head: " + head);
      }
      head.write(b);
      state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1)
            .trim());
      }
    }
    byte[] body;
    String length = headers.get("content-length");
    if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
    } else {
      body = in.readAllBytes();
    }
    return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  /** Whether the server closed the connection (reads end of stream within the read timeout). */
  boolean closedByServer() throws IOException {
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** One request on a fresh connection, and its response. */
  static Reply exchange(URI base, String request) throws IOException {
    try (RawHttp c = new RawHttp(base, Duration.ofSeconds(10))) {
      return c.send(request).read();
    }
  }
}
