package dev.ren.spring.boot.autoconfigure;

import dev.ren.hub.StorageEventNames;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * REN's settings, under ren.* in application.properties / application.yml. Every value is
 * checked by the REN builder it goes to, so a value out of range fails the startup naming it.
 *
 * <pre>{@code
 * ren.access=open            # or an AccessPolicy bean
 * ren.bindings=kv,db         # HTTP bindings to mount (default none: the stream alone)
 * ren.data-dir=./ren-data    # H2 documents (without a DataSource) and blobs
 * }</pre>
 *
 * <p>Thread-safety: a mutable bean filled by Spring's binder at startup, then only read.
 */
@ConfigurationProperties("ren")
public class RenProperties {

  /** Whether REN is configured at all. */
  private boolean enabled = true;

  /** Path of the SSE stream; the stream token endpoint is PATH/token, the browser client
   *  PATH/client.js. */
  private String path = "/api/maravilla/ren";

  /** HTTP bindings to mount (each needs its module on the classpath); default none: the stream alone. */
  private Set<RenBinding> bindings = EnumSet.noneOf(RenBinding.class);

  /**
   * Access control: policy (default) uses the application's AccessPolicy (or RenSecurity)
   * bean; open lets anyone read and write everything and receive every event (logged as a warning).
   * With bindings and neither, the startup fails.
   */
  private AccessMode access = AccessMode.POLICY;

  /**
   * Directory for the H2 documents (DIR/ren.mv.db, when the application has no DataSource) and blobs
   * (DIR/blobs); a relative path is resolved against the working directory. Required by those stores.
   */
  private @Nullable Path dataDir;

  /** Interval of the :ping comment on every stream. */
  private Duration heartbeat = Duration.ofSeconds(15);

  /** Events the hub keeps for resume (Last-Event-ID). */
  private int history = 65_536;

  /** SSE streams in all; beyond, a client gets retry: and a closed stream. */
  private int maxStreams = 10_000;

  /** Streams one caller may hold (per user; per remote address when anonymous). */
  private int maxStreamsPerCaller = 32;

  /** Exact origins allowed to call REN cross-origin (CORS); default none. */
  private List<String> cors = new ArrayList<>();

  /** Which names storage changes are announced under: table, object or both. */
  private StorageEventNames storageEventNames = StorageEventNames.BOTH;

  /**
   * A request header naming the caller's tenant, trusted as is: only behind a gateway that sets it and strips any
   * the client sent. Default none (the caller's own tenant).
   */
  private @Nullable String tenantHeader;

  /** Lifetime of a stream token minted by POST PATH/token (10 s to 24 h). */
  private Duration streamTokenTtl = Duration.ofMinutes(5);

  /**
   * The retry: every stream gets when the application shuts down, before it is closed: its client
   * reconnects (to another node) after this plus a random share of up to as much again.
   */
  private Duration shutdownRetry = Duration.ofSeconds(1);

  /** How long the shutdown waits for streams to take their retry: before closing the rest. */
  private Duration shutdownTimeout = Duration.ofSeconds(5);

  /** How long each part of the ren health check (hub and log, each store) may take before it is down. */
  private Duration healthTimeout = Duration.ofSeconds(1);

  /**
   * Path of realtime over WebSocket (ren-websocket-realtime, with the realtime binding and a container that has
   * Jakarta WebSocket); the Maravilla realtime client connects to /_rt/ws.
   */
  private String realtimeWsPath = "/_rt/ws";

  private final Tokens tokens = new Tokens();
  private final Redis redis = new Redis();
  private final Realtime realtime = new Realtime();

  /** The values of ren.access. */
  public enum AccessMode {
    /** The application's AccessPolicy or RenSecurity bean. */
    POLICY,
    /** Everyone may do everything; logged as a warning. */
    OPEN
  }

  /** Stream and channel tokens (ren-tokens). */
  public static class Tokens {
    /**
     * HMAC secret of the tokens, Base64, at least 32 bytes; the same on every node. Default: a random key per
     * start (tokens then hold on this node until it stops).
     */
    private @Nullable String secret;

    public @Nullable String getSecret() {
      return secret;
    }

    public void setSecret(@Nullable String secret) {
      this.secret = secret;
    }
  }

  /** The event log on Redis Streams (ren-redis), for several nodes. */
  public static class Redis {
    /** redis://host:port: events go through a Redis Stream shared by every node. Default none. */
    private @Nullable URI uri;
    /** Prefix of the log's keys (PREFIX:stream, PREFIX:epoch). */
    private String streamPrefix = "ren";
    /** Entries the stream keeps at least; a resume from before the oldest is a reset. */
    private long retention = 100_000;

    public @Nullable URI getUri() {
      return uri;
    }

    public void setUri(@Nullable URI uri) {
      this.uri = uri;
    }

    public String getStreamPrefix() {
      return streamPrefix;
    }

    public void setStreamPrefix(String streamPrefix) {
      this.streamPrefix = streamPrefix;
    }

    public long getRetention() {
      return retention;
    }

    public void setRetention(long retention) {
      this.retention = retention;
    }
  }

  /** Realtime channels and presence (ren-realtime). */
  public static class Realtime {
    /** Messages kept per channel for history and catch-up (0: none). */
    private int history = 100;
    /** Messages one caller may publish per second (user, else address). */
    private double publishRate = 20;
    /** Burst of messages one caller may publish at once. */
    private int publishBurst = 40;

    public int getHistory() {
      return history;
    }

    public void setHistory(int history) {
      this.history = history;
    }

    public double getPublishRate() {
      return publishRate;
    }

    public void setPublishRate(double publishRate) {
      this.publishRate = publishRate;
    }

    public int getPublishBurst() {
      return publishBurst;
    }

    public void setPublishBurst(int publishBurst) {
      this.publishBurst = publishBurst;
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Set<RenBinding> getBindings() {
    return bindings;
  }

  public void setBindings(Set<RenBinding> bindings) {
    this.bindings = bindings.isEmpty() ? EnumSet.noneOf(RenBinding.class) : EnumSet.copyOf(bindings);
  }

  public AccessMode getAccess() {
    return access;
  }

  public void setAccess(AccessMode access) {
    this.access = access;
  }

  public @Nullable Path getDataDir() {
    return dataDir;
  }

  public void setDataDir(@Nullable Path dataDir) {
    this.dataDir = dataDir;
  }

  public Duration getHeartbeat() {
    return heartbeat;
  }

  public void setHeartbeat(Duration heartbeat) {
    this.heartbeat = heartbeat;
  }

  public int getHistory() {
    return history;
  }

  public void setHistory(int history) {
    this.history = history;
  }

  public int getMaxStreams() {
    return maxStreams;
  }

  public void setMaxStreams(int maxStreams) {
    this.maxStreams = maxStreams;
  }

  public int getMaxStreamsPerCaller() {
    return maxStreamsPerCaller;
  }

  public void setMaxStreamsPerCaller(int maxStreamsPerCaller) {
    this.maxStreamsPerCaller = maxStreamsPerCaller;
  }

  public List<String> getCors() {
    return cors;
  }

  public void setCors(List<String> cors) {
    this.cors = cors;
  }

  public StorageEventNames getStorageEventNames() {
    return storageEventNames;
  }

  public void setStorageEventNames(StorageEventNames storageEventNames) {
    this.storageEventNames = storageEventNames;
  }

  public @Nullable String getTenantHeader() {
    return tenantHeader;
  }

  public void setTenantHeader(@Nullable String tenantHeader) {
    this.tenantHeader = tenantHeader;
  }

  public Duration getStreamTokenTtl() {
    return streamTokenTtl;
  }

  public void setStreamTokenTtl(Duration streamTokenTtl) {
    this.streamTokenTtl = streamTokenTtl;
  }

  public Duration getShutdownRetry() {
    return shutdownRetry;
  }

  public void setShutdownRetry(Duration shutdownRetry) {
    this.shutdownRetry = shutdownRetry;
  }

  public Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  public Duration getHealthTimeout() {
    return healthTimeout;
  }

  public void setHealthTimeout(Duration healthTimeout) {
    this.healthTimeout = healthTimeout;
  }

  public String getRealtimeWsPath() {
    return realtimeWsPath;
  }

  public void setRealtimeWsPath(String realtimeWsPath) {
    this.realtimeWsPath = realtimeWsPath;
  }

  public Tokens getTokens() {
    return tokens;
  }

  public Redis getRedis() {
    return redis;
  }

  public Realtime getRealtime() {
    return realtime;
  }
}
