package dev.ren.servlet;

import dev.ren.internal.Settings;
import dev.ren.servlet.security.RenSecurity;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Settings of the SSE endpoint. Built with {@link #builder()}; every setting has a default.
 *
 * <pre>{@code
 * RenServletConfig config = RenServletConfig.builder().heartbeat(Duration.ofSeconds(15)).maxStreams(10_000).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable once built; the builder is not thread-safe.
 */
public final class RenServletConfig {

  final Duration heartbeat;
  final Duration presenceProbe;
  final int maxStreams;
  final long maxUnsentBytes;
  final int maxBatchBytes;
  final long overloadRetryMillis;
  final long shutdownRetryMillis;
  final RenAccess access;
  final @Nullable RenSecurity security;
  final @Nullable Executor executor;
  final @Nullable ScheduledExecutorService scheduler;

  private RenServletConfig(Builder b) {
    this.heartbeat = b.heartbeat;
    this.presenceProbe = b.presenceProbe;
    this.maxStreams = b.maxStreams;
    this.maxUnsentBytes = b.maxUnsentBytes;
    this.maxBatchBytes = b.maxBatchBytes;
    this.overloadRetryMillis = b.overloadRetryMillis;
    this.shutdownRetryMillis = b.shutdownRetryMillis;
    this.access = b.access;
    this.security = b.security;
    this.executor = b.executor;
    this.scheduler = b.scheduler;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static RenServletConfig defaults() {
    return builder().build();
  }

  public Duration heartbeat() {
    return heartbeat;
  }

  public Duration presenceProbe() {
    return presenceProbe;
  }

  public int maxStreams() {
    return maxStreams;
  }

  public long maxUnsentBytes() {
    return maxUnsentBytes;
  }

  public RenAccess access() {
    return access;
  }

  /** Builds a {@link RenServletConfig}; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private Duration heartbeat = Duration.ofSeconds(15);
    private Duration presenceProbe = Duration.ofSeconds(2);
    private int maxStreams = 10_000;
    private long maxUnsentBytes = 1L << 20;
    private int maxBatchBytes = 64 << 10;
    private long overloadRetryMillis = 5_000;
    private long shutdownRetryMillis = 1_000;
    private RenAccess access = RenAccess.allowAll();
    private @Nullable RenSecurity security;
    private @Nullable Executor executor;
    private @Nullable ScheduledExecutorService scheduler;

    private final Settings settings = new Settings();

    private Builder() {}

    /** Interval of the {@code :ping} comment (also how fast a vanished peer is noticed); default 15 s. */
    public Builder heartbeat(Duration interval) {
      if (interval.isNegative() || interval.isZero() || interval.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("heartbeat must be in (0, 10 min], was " + interval);
      }
      this.heartbeat = settings.once("heartbeat", interval);
      return this;
    }

    /**
     * Interval of the probe written to streams whose client id holds presence
     * ({@link dev.ren.hub.ClientTracker#isClientHeld}): a bare comment line {@code :}, so a stream whose socket was
     * closed fails its second write after the close and its members' grace period starts within two intervals
     * (a write to a closed peer is taken by the kernel once; the next one fails). Other streams get no probe.
     * Default 2 s, in [100 ms, 1 min].
     */
    public Builder presenceProbe(Duration interval) {
      if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("presenceProbe must be in [100 ms, 1 min], was " + interval);
      }
      this.presenceProbe = settings.once("presenceProbe", interval);
      return this;
    }

    /** Concurrent streams accepted; beyond it a client is told {@code retry:} and closed. Default 10,000. */
    public Builder maxStreams(int streams) {
      if (streams < 1) {
        throw new IllegalArgumentException("maxStreams must be >= 1, was " + streams);
      }
      this.maxStreams = settings.once("maxStreams", streams);
      return this;
    }

    /** A connection whose unread bytes exceed this is closed (slow consumer). Default 1 MiB. */
    public Builder maxUnsentBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxUnsentBytes must be >= 1024, was " + bytes);
      }
      this.maxUnsentBytes = settings.once("maxUnsentBytes", bytes);
      return this;
    }

    /** Frames coalesced into one write at most; default 64 KiB. */
    public Builder maxBatchBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBatchBytes must be >= 1024, was " + bytes);
      }
      this.maxBatchBytes = settings.once("maxBatchBytes", bytes);
      return this;
    }

    /** The {@code retry:} sent to clients refused for overload; default 5 s. */
    public Builder overloadRetry(Duration retry) {
      if (retry.isNegative()) {
        throw new IllegalArgumentException("overloadRetry must be >= 0, was " + retry);
      }
      this.overloadRetryMillis = settings.once("overloadRetry", retry).toMillis();
      return this;
    }

    /**
     * The {@code retry:} sent to every stream when the endpoint shuts down ({@link RenServlet#shutdown}), so clients
     * reconnect (to another node) after it; each stream gets this plus a random share of up to as much again, so
     * the clients of a node do not all come back in the same millisecond. Default 1 s.
     */
    public Builder shutdownRetry(Duration retry) {
      if (retry.isNegative() || retry.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("shutdownRetry must be in [0, 10 min], was " + retry);
      }
      this.shutdownRetryMillis = settings.once("shutdownRetry", retry).toMillis();
      return this;
    }

    /** Which events each connection may receive; default {@link RenAccess#allowAll()}. */
    public Builder access(RenAccess policy) {
      this.access = settings.once("access", Objects.requireNonNull(policy, "access"));
      return this;
    }

    /**
     * Who may receive what: the stream authenticates its caller, delivers only the caller's tenant's events and only
     * those the policy allows (live and replayed), ends a token-authorized stream when the token expires, and
     * mints stream tokens at {@code POST <path>/token}. Default: the {@link RenSecurity} installed in the servlet
     * context, if any; with none, the stream delivers what {@link #access} allows, to anyone.
     */
    public Builder security(RenSecurity s) {
      this.security = settings.once("security", Objects.requireNonNull(s, "security"));
      return this;
    }

    /**
     * Runs the non-blocking writes. Default: a pool with one thread per core that the servlet starts in
     * {@code init} and stops in {@code destroy}. A given executor is the caller's to shut down.
     */
    public Builder executor(Executor writer) {
      this.executor = settings.once("executor", Objects.requireNonNull(writer, "executor"));
      return this;
    }

    /**
     * Fires heartbeats. Default: one thread that the servlet starts in {@code init} and stops in {@code destroy}.
     * A given scheduler is the caller's to shut down.
     */
    public Builder scheduler(ScheduledExecutorService heartbeats) {
      this.scheduler = settings.once("scheduler", Objects.requireNonNull(heartbeats, "scheduler"));
      return this;
    }

    public RenServletConfig build() {
      return new RenServletConfig(this);
    }
  }
}
