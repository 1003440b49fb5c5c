package dev.ren.servlet.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ren.internal.Settings;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How long a request body may take to arrive, so that a client trickling bytes cannot hold a container thread for
 * as long as it likes. {@link JsonServlet#readBody} and the JSON readers on top of it check, each time a read
 * returns, that the whole body arrived within {@link #timeout()} and, once {@link #grace()} has passed, at no less
 * than {@link #minBytesPerSecond()} on average. A body that breaks either rule is refused with
 * {@code 408 request_timeout} and the connection is closed. A JSON body is also bounded by the number of its
 * tokens ({@link #maxJsonTokens()}), counted while it is parsed: a tree costs tens of bytes per token whatever the
 * body's size ({@code [{},{},...]} is about 30 times its JSON), so the byte limit alone does not bound the heap
 * one request takes. More tokens is a {@code 413 payload_too_large}.
 *
 * <p>What is guaranteed: the checks run each time a read returns; Servlet 6 has no portable read timeout, so a
 * read waiting for a client that sends nothing ends only at the container's idle timeout. Jetty (connector
 * {@code idleTimeout}, default 30 s) fails the read, and this class's caller answers {@code 408 request_timeout}
 * JSON. Tomcat (connector {@code connectionTimeout}, default 60 s, 20 s in the stock {@code server.xml}) answers
 * the {@code 408} itself before the servlet can, with its own error page: configure its
 * {@code ErrorReportValve} with {@code showReport="false" showServerInfo="false"}. So one body holds a thread for
 * at most {@code timeout} plus the idle timeout, and a client that keeps sending a byte now and then is cut at
 * its first byte after {@code grace} (too slow) or after {@code timeout}. Jetty can also enforce a rate on its
 * own ({@code HttpConfiguration.setMinRequestDataRate}), which an embedding server should set as well.
 *
 * <pre>{@code
 * RequestBodyLimits limits = RequestBodyLimits.builder().timeout(Duration.ofSeconds(10)).build();
 * servletContext.setAttribute(RequestBodyLimits.ATTRIBUTE, limits);   // every JsonServlet in this context
 * }</pre>
 *
 * <p>Thread-safety: immutable once built; the builder is not thread-safe.
 */
public final class RequestBodyLimits {

  /**
   * Servlet-context attribute from which a {@link JsonServlet} built without explicit limits takes them in
   * {@code init} (defaults when absent).
   */
  public static final String ATTRIBUTE = RequestBodyLimits.class.getName();

  /** Default of {@link #maxJsonTokens()}. */
  public static final long DEFAULT_MAX_JSON_TOKENS = 100_000;

  private static final RequestBodyLimits DEFAULTS = builder().build();

  private final Duration timeout;
  private final Duration grace;
  private final long minBytesPerSecond;
  private final long maxJsonTokens;
  private final LongSupplier nanoSource;
  private final ObjectMapper jsonReader;

  private RequestBodyLimits(Builder b) {
    this.timeout = b.timeout;
    this.grace = b.grace;
    this.minBytesPerSecond = b.minBytesPerSecond;
    this.maxJsonTokens = b.maxJsonTokens;
    this.nanoSource = b.nanoSource;
    this.jsonReader = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(JsonServlet.MAX_JSON_DEPTH)
                .maxTokenCount(maxJsonTokens)
                .build())
            .build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Timeout 30 s, minimum rate 1,024 bytes/s after a grace of 5 s, 100,000 JSON tokens. */
  public static RequestBodyLimits defaults() {
    return DEFAULTS;
  }

  /** The most a whole body may take to arrive; default 30 s. */
  public Duration timeout() {
    return timeout;
  }

  /** How long a body may arrive slower than {@link #minBytesPerSecond()}; default 5 s. */
  public Duration grace() {
    return grace;
  }

  /** The least average rate of a body still arriving after {@link #grace()}; default 1,024; 0 = no rate. */
  public long minBytesPerSecond() {
    return minBytesPerSecond;
  }

  /**
   * The most tokens (each value, each field name, each bracket) a JSON body may have; default 100,000, which
   * bounds the tree one body becomes to a few MiB. More is a {@code 413 payload_too_large}.
   */
  public long maxJsonTokens() {
    return maxJsonTokens;
  }

  /** The mapper that parses JSON bodies under these limits (depth, tokens, no trailing content). */
  ObjectMapper jsonReader() {
    return jsonReader;
  }

  /** Starts measuring one body now. */
  Deadline start() {
    return new Deadline(nanoSource.getAsLong());
  }

  @Override
  public String toString() {
    return "RequestBodyLimits[timeout=" + timeout + ", minBytesPerSecond=" + minBytesPerSecond + ", grace=" + grace
        + ", maxJsonTokens=" + maxJsonTokens + "]";
  }

  /** The measurement of one body being read. Confined to the reading thread. */
  final class Deadline {
    private final long startNanos;

    private Deadline(long startNanos) {
      this.startNanos = startNanos;
    }

    /** Throws {@code 408 request_timeout} when {@code received} bytes so far break a limit. */
    void check(long received) {
      long elapsed = nanoSource.getAsLong() - startNanos;
      if (elapsed > timeout.toNanos()) {
        throw timedOut("the request body did not arrive within " + timeout.toMillis() + " ms (" + received
            + " bytes came)");
      }
      if (minBytesPerSecond > 0 && elapsed > grace.toNanos()
          && received * 1_000_000_000.0 / elapsed < minBytesPerSecond) {
        throw timedOut("the request body arrives too slowly: " + received + " bytes in " + elapsed / 1_000_000
            + " ms; at least " + minBytesPerSecond + " bytes/s are required after the first " + grace.toMillis()
            + " ms");
      }
    }
  }

  /** {@code 408 request_timeout}, closing the connection (the rest of the body is not read). */
  static HttpError timedOut(String message) {
    return new HttpError(408, "request_timeout", message).withHeader("Connection", "close");
  }

  /** Builds {@link RequestBodyLimits}; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private Duration timeout = Duration.ofSeconds(30);
    private Duration grace = Duration.ofSeconds(5);
    private long minBytesPerSecond = 1024;
    private long maxJsonTokens = DEFAULT_MAX_JSON_TOKENS;
    private LongSupplier nanoSource = System::nanoTime;

    private final Settings settings = new Settings();

    private Builder() {}

    /** The most a whole body may take to arrive, in (0, 1 h]; default 30 s. */
    public Builder timeout(Duration limit) {
      if (limit.isNegative() || limit.isZero() || limit.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("timeout must be in (0, 1 h], was " + limit);
      }
      this.timeout = settings.once("timeout", limit);
      return this;
    }

    /** How long a body may arrive slower than the minimum rate, in [0, 1 h]; default 5 s. */
    public Builder grace(Duration period) {
      if (period.isNegative() || period.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("grace must be in [0, 1 h], was " + period);
      }
      this.grace = settings.once("grace", period);
      return this;
    }

    /** The least average rate of a body still arriving after the grace period; 0 turns it off; default 1,024. */
    public Builder minBytesPerSecond(long rate) {
      if (rate < 0) {
        throw new IllegalArgumentException("minBytesPerSecond must be >= 0, was " + rate);
      }
      this.minBytesPerSecond = settings.once("minBytesPerSecond", rate);
      return this;
    }

    /** The most tokens a JSON body may have, at least 1; default 100,000. */
    public Builder maxJsonTokens(long tokens) {
      if (tokens < 1) {
        throw new IllegalArgumentException("maxJsonTokens must be >= 1, was " + tokens);
      }
      this.maxJsonTokens = settings.once("maxJsonTokens", tokens);
      return this;
    }

    /** The time source ({@code System::nanoTime} by default); tests pass a manual clock's. */
    public Builder nanoSource(LongSupplier nanos) {
      this.nanoSource = settings.once("nanoSource", Objects.requireNonNull(nanos, "nanoSource"));
      return this;
    }

    public RequestBodyLimits build() {
      return new RequestBodyLimits(this);
    }
  }
}
