package dev.ren.testing;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} of a test's own on a free port (never the shared one on 6379, so FLUSHALL and restarts
 * are safe). Tests that use it are skipped when no {@code redis-server} binary is installed. Shared by the Redis
 * modules' tests and the demo's.
 *
 * <p>Thread-safety: not thread-safe; one test drives it.
 */
public final class PrivateRedis implements AutoCloseable {

  private final int port;
  private final Path dir;
  private final boolean persistent;
  private @Nullable Process process;

  private PrivateRedis(int port, Path dir, boolean persistent) {
    this.port = port;
    this.dir = dir;
    this.persistent = persistent;
  }

  /** Starts a server; {@code persistent} keeps data across {@link #restart} (append-only file in {@code dir}). */
  public static PrivateRedis start(Path dir, boolean persistent) throws Exception {
    Assumptions.assumeTrue(binaryPresent(), "redis-server is not installed");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PrivateRedis r = new PrivateRedis(port, dir, persistent);
    r.launch();
    return r;
  }

  public static boolean binaryPresent() {
    try {
      Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException ex) {
      return false;
    }
  }

  public URI uri() {
    return URI.create("redis://127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  private void launch() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--daemonize", "no", "--dir", dir.toString(),
        // small stream nodes, so the event log's trimming tests see trims at small sizes
        "--stream-node-max-entries", "10"));
    if (persistent) {
      cmd.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
    } else {
      cmd.addAll(List.of("--appendonly", "no"));
    }
    Files.createDirectories(dir);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
    process = p;
    Waits.until(() -> {
      if (!p.isAlive()) {
        throw new IllegalStateException("redis-server exited: "
            + Files.readString(dir.resolve("redis-" + port + ".log")));
      }
      return "+PONG".equals(command("PING"));
    });
  }

  /** Stops the server (SIGKILL: no final save, like a crash). */
  public void stop() throws InterruptedException {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  public void restart() throws Exception {
    stop();
    launch();
  }

  /** One inline command over a raw socket, answering the first reply line (or null if unreachable). */
  public @Nullable String command(String line) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = s.getInputStream().read()) >= 0 && c != '\r') {
        sb.append((char) c);
      }
      return sb.toString();
    } catch (IOException ex) {
      return null;
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
