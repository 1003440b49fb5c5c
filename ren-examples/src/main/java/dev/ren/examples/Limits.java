package dev.ren.examples;

import java.time.Duration;
import java.util.Objects;

/**
 * The demo server's connection limits: what one slow or careless client may hold.
 *
 * <ul>
 *   <li>{@code idleTimeout}: a connection with no bytes either way for this long is closed (a client that sends
 *       headers and then nothing). The demo raises it to twice the SSE heartbeat when the heartbeat is longer,
 *       so an idle stream is never cut between two heartbeats.</li>
 *   <li>{@code maxRequestHeaderBytes}: request line and headers together; past it the answer is {@code 431}
 *       (or {@code 414} for the URI alone).</li>
 *   <li>{@code maxThreads}: the bounded request thread pool (its job queue stays unbounded, as Jetty advises: a
 *       rejected job is a dropped connection, and no slow body holds a thread here).</li>
 *   <li>{@code eagerBodyBytes}: a request body up to this size is read without a thread (asynchronously) before
 *       the request is handed to a servlet, so a slow body never blocks a request thread; a larger body (a blob
 *       upload) is handed over once this much has arrived and the rest is read by the servlet.</li>
 *   <li>{@code minBodyBytesPerSecond}, {@code bodyRateGrace}: once {@code bodyRateGrace} has passed since the
 *       request arrived, a body that has not averaged this rate is cut with {@code 408}; the connection is
 *       closed.</li>
 * </ul>
 *
 * <pre>{@code
 * new DemoServer(options, Limits.defaults().withBodyRate(4096, Duration.ofSeconds(5)));
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public record Limits(Duration idleTimeout, int maxRequestHeaderBytes, int maxThreads, int eagerBodyBytes,
                     long minBodyBytesPerSecond, Duration bodyRateGrace) {

  /** Checks every value; a limit of zero or below is refused, not read as "unlimited". */
  public Limits {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(bodyRateGrace, "bodyRateGrace");
    positive("idleTimeout", idleTimeout.toMillis());
    positive("maxRequestHeaderBytes", maxRequestHeaderBytes);
    if (maxThreads < 8) {
      // Jetty reserves threads for its acceptors and selectors; fewer would fail at start
      throw new IllegalArgumentException("maxThreads must be >= 8, was " + maxThreads);
    }
    positive("eagerBodyBytes", eagerBodyBytes);
    positive("minBodyBytesPerSecond", minBodyBytesPerSecond);
    positive("bodyRateGrace", bodyRateGrace.toMillis());
  }

  /**
   * Idle timeout 30 s; headers 16 KiB; 200 threads; bodies up to 1 MiB (the bindings' JSON body limit) read
   * without a thread; a body must bring 1 KiB/s on average over each window of 10 s.
   */
  public static Limits defaults() {
    return new Limits(Duration.ofSeconds(30), 16 * 1024, 200, 1 << 20, 1024, Duration.ofSeconds(10));
  }

  /** These limits with another idle timeout. */
  public Limits withIdleTimeout(Duration timeout) {
    return new Limits(timeout, maxRequestHeaderBytes, maxThreads, eagerBodyBytes,
        minBodyBytesPerSecond, bodyRateGrace);
  }

  /** These limits with another thread pool size. */
  public Limits withThreads(int threads) {
    return new Limits(idleTimeout, maxRequestHeaderBytes, threads, eagerBodyBytes,
        minBodyBytesPerSecond, bodyRateGrace);
  }

  /** These limits with another minimum body rate. */
  public Limits withBodyRate(long bytesPerSecond, Duration grace) {
    return new Limits(idleTimeout, maxRequestHeaderBytes, maxThreads, eagerBodyBytes,
        bytesPerSecond, grace);
  }

  /** These limits with another request header size. */
  public Limits withMaxRequestHeaderBytes(int bytes) {
    return new Limits(idleTimeout, bytes, maxThreads, eagerBodyBytes, minBodyBytesPerSecond,
        bodyRateGrace);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
