package dev.ren.spring.boot.autoconfigure;

import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.kv.redis.RedisKvBackend;
import dev.ren.log.EventLog;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeBackend;
import dev.ren.realtime.redis.RedisRealtimeBackend;
import dev.ren.redis.RedisEventLog;
import dev.ren.storage.BlobStore;
import dev.ren.transform.TransformService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

import javax.sql.DataSource;
import java.lang.System.Logger.Level;
import java.net.URI;

/**
 * REN's core beans, for any Spring application (web or not): the {@link RenHub} (on the Redis event log when
 * {@code ren.redis.uri} is set and {@code ren-redis} is present) and one store per store module on the classpath:
 * {@link KvStore} ({@code ren-kv}; on Redis with {@code ren-kv-redis} and {@code ren.redis.uri}),
 * {@link DocumentStore} ({@code ren-db}: on the application's {@link DataSource}, H2 or PostgreSQL, when it has
 * one, else H2 under {@code ren.data-dir}), {@link BlobStore} ({@code ren-storage}, under
 * {@code <ren.data-dir>/blobs}) and {@link Realtime} ({@code ren-realtime}; on Redis with {@code ren-realtime-redis}
 * and {@code ren.redis.uri}). Every bean backs off when the
 * application defines its own. The servlet side is {@link RenWebAutoConfiguration}.
 *
 * <p>Thread-safety: configuration, run once by Spring.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnBooleanProperty(name = "ren.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RenProperties.class)
public final class RenAutoConfiguration {

  private static final System.Logger LOG = System.getLogger(RenAutoConfiguration.class.getName());

  /** The hub every store publishes to; closed (with its log) when the context closes. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  RenHub renHub(RenProperties properties, ObjectProvider<EventLog> log) {
    return Settings.check(() -> {
      RenHub.Builder b = RenHub.builder().capacity(properties.getHistory())
          .storageEventNames(properties.getStorageEventNames());
      EventLog l = log.getIfUnique();
      if (l != null) {
        b.log(l);
      }
      return b.build();
    });
  }

  /** The event log on Redis Streams: with {@code ren.redis.uri}, every node shares one ordered, resumable log. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.ren.redis.RedisEventLog")
  @ConditionalOnProperty("ren.redis.uri")
  static class RedisLogConfiguration {
    /** Closed by the hub that uses it. */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean
    EventLog renEventLog(RenProperties properties) {
      URI uri = Settings.redisUri(properties);
      LOG.log(Level.INFO, "REN events go through the Redis Stream at " + Settings.redacted(uri));
      return Settings.check(() -> RedisEventLog.builder(uri).streamPrefix(properties.getRedis().getStreamPrefix())
          .retention(properties.getRedis().getRetention()).build());
    }
  }

  /** In-memory KV on Caffeine; closed with the context. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.ren.kv.KvStore")
  @ConditionalOnMissingClass("dev.ren.kv.redis.RedisKvBackend")
  static class KvConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KvStore renKvStore(RenHub hub) {
      return KvStore.inMemory(hub);
    }
  }

  /** KV in Redis (ren-kv-redis) when {@code ren.redis.uri} is set, shared by every node; else in memory. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.ren.kv.redis.RedisKvBackend")
  static class RedisKvConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KvStore renKvStore(RenHub hub, RenProperties properties) {
      if (properties.getRedis().getUri() == null) {
        return KvStore.inMemory(hub);
      }
      URI uri = Settings.redisUri(properties);
      return Settings.check(() -> KvStore.builder(hub)
          .backend(RedisKvBackend.builder(uri).prefix(properties.getRedis().getStreamPrefix() + ":kv:").build())
          .build());
    }
  }

  /** Documents: on the application's DataSource if it has exactly one, else H2 under {@code ren.data-dir}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.ren.db.DocumentStore")
  static class DocumentConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    DocumentStore renDocumentStore(RenHub hub, RenProperties properties, ObjectProvider<DataSource> dataSource) {
      DataSource ds = dataSource.getIfUnique();
      if (ds != null) {
        LOG.log(Level.INFO, "REN documents are stored on the application's DataSource");
        return DocumentStore.jdbc(ds, hub); // the DataSource stays the application's: closing the store leaves it
      }
      return DocumentStore.h2(Settings.dataDir(properties, "ren-db (documents) without a DataSource"), hub);
    }
  }

  /** Blobs on the filesystem under {@code <ren.data-dir>/blobs}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.ren.storage.BlobStore")
  static class BlobConfiguration {
    /** A filesystem store holds no thread and nothing to close. */
    @Bean
    @ConditionalOnMissingBean
    BlobStore renBlobStore(RenHub hub, RenProperties properties) {
      return BlobStore.fileSystem(Settings.dataDir(properties, "ren-storage (blobs)").resolve("blobs"), hub);
    }

    /** Media transforms, only when {@code ren.bindings} names {@code transforms} (they run worker threads). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnRenBinding(RenBinding.TRANSFORMS)
    TransformService renTransformService(BlobStore blobs, RenHub hub) {
      return TransformService.builder(blobs, hub).build();
    }
  }

  /**
   * Realtime on Redis (ren-realtime-redis) when {@code ren.redis.uri} is set: channel sequences, history and
   * presence shared by every node on that Redis, under the keys {@code <ren.redis.stream-prefix>:rt:}. Backs off
   * when the application defines its own {@link RealtimeBackend}. Lazy: made only when the realtime bean asks for
   * it, so an application that defines its own {@link Realtime} gets no unused Redis client.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.ren.realtime.Realtime", "dev.ren.realtime.redis.RedisRealtimeBackend"})
  @ConditionalOnProperty("ren.redis.uri")
  static class RedisRealtimeConfiguration {
    /** Closed by the realtime that uses it; connects on first use. */
    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnMissingBean(RealtimeBackend.class)
    RealtimeBackend renRealtimeBackend(RenProperties properties) {
      URI uri = Settings.redisUri(properties);
      LOG.log(Level.INFO, "REN realtime channels and presence are shared on the Redis at " + Settings.redacted(uri));
      return Settings.check(() -> RedisRealtimeBackend.builder(uri)
          .prefix(properties.getRedis().getStreamPrefix() + ":rt:").build());
    }
  }

  /**
   * Realtime channels and presence, keeping {@code ren.realtime.history} messages per channel; on the application's
   * {@link RealtimeBackend} bean when it has one (with {@code ren.redis.uri} and {@code ren-realtime-redis}: Redis,
   * see {@link RedisRealtimeConfiguration}), else in this process.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.ren.realtime.Realtime")
  static class RealtimeConfiguration {
    /** Closing the realtime closes its backend. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Realtime renRealtime(RenHub hub, RenProperties properties, ObjectProvider<RealtimeBackend> backend) {
      RealtimeBackend shared = backend.getIfUnique();
      if (shared == null && properties.getRedis().getUri() != null) {
        LOG.log(Level.WARNING, "ren.redis.uri is set, but realtime channels and presence stay in this process: "
            + "add dev.ren:ren-realtime-redis to share them (sequences, history, presence) between the nodes");
      }
      return Settings.check(() -> {
        Realtime.Builder b = Realtime.builder(hub);
        int history = properties.getRealtime().getHistory();
        if (history > 0) {
          b.history("*", history);
        }
        if (shared != null) {
          b.backend(shared);
        }
        return b.build();
      });
    }
  }
}
