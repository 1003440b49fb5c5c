package dev.ren.spring.boot.autoconfigure;

import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.storage.BlobStore;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

import java.util.ArrayList;
import java.util.List;

/**
 * The Actuator health contributor {@code ren} ({@link RenHealthIndicator}) when Spring Boot's health support is
 * present; off with {@code management.health.ren.enabled=false}.
 *
 * <p>Thread-safety: configuration, run once by Spring.
 */
@AutoConfiguration(after = RenAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(RenHub.class)
@ConditionalOnEnabledHealthIndicator("ren")
public final class RenHealthAutoConfiguration {

  /** Named so that Actuator shows it as {@code ren}. */
  @Bean
  @ConditionalOnMissingBean(name = "renHealthIndicator")
  RenHealthIndicator renHealthIndicator(RenHub hub, RenProperties properties, ListableBeanFactory beans) {
    List<RenHealthIndicator.Part> stores = new ArrayList<>();
    ClassLoader loader = RenHealthAutoConfiguration.class.getClassLoader();
    // each store type is touched only when its module is on the classpath
    if (ClassUtils.isPresent("dev.ren.kv.KvStore", loader)) {
      Kv.add(stores, beans);
    }
    if (ClassUtils.isPresent("dev.ren.db.DocumentStore", loader)) {
      Documents.add(stores, beans);
    }
    if (ClassUtils.isPresent("dev.ren.storage.BlobStore", loader)) {
      Blobs.add(stores, beans);
    }
    return new RenHealthIndicator(hub, stores, properties.getHealthTimeout());
  }

  private static final class Kv {
    static void add(List<RenHealthIndicator.Part> parts, ListableBeanFactory beans) {
      KvStore kv = beans.getBeanProvider(KvStore.class).getIfUnique();
      if (kv != null) {
        parts.add(new RenHealthIndicator.Part("kv", kv::health));
      }
    }
  }

  private static final class Documents {
    static void add(List<RenHealthIndicator.Part> parts, ListableBeanFactory beans) {
      DocumentStore db = beans.getBeanProvider(DocumentStore.class).getIfUnique();
      if (db != null) {
        parts.add(new RenHealthIndicator.Part("documents", db::health));
      }
    }
  }

  private static final class Blobs {
    static void add(List<RenHealthIndicator.Part> parts, ListableBeanFactory beans) {
      BlobStore blobs = beans.getBeanProvider(BlobStore.class).getIfUnique();
      if (blobs != null) {
        parts.add(new RenHealthIndicator.Part("blobs", blobs::health));
      }
    }
  }
}
