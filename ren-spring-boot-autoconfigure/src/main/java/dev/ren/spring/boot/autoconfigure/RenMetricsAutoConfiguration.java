package dev.ren.spring.boot.autoconfigure;

import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.micrometer.RenMetrics;
import dev.ren.realtime.Realtime;
import dev.ren.transform.TransformService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * REN's meters ({@link RenMetrics}, module {@code ren-micrometer}) when Micrometer is present: a
 * {@code MeterBinder} bean, which Spring Boot binds to every {@code MeterRegistry} (Actuator's
 * {@code /actuator/metrics}, Prometheus, OTLP, ...). The hub's counters always; the KV, transform and presence
 * gauges for the stores the application has.
 *
 * <p>Thread-safety: configuration, run once by Spring.
 */
@AutoConfiguration(after = RenAutoConfiguration.class)
@ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry", "dev.ren.micrometer.RenMetrics"})
@ConditionalOnBean(RenHub.class)
public final class RenMetricsAutoConfiguration {

  /**
   * The meters as a {@link MeterBinder}. The bean is an adapter, not the {@link RenMetrics} itself: Spring
   * introspects every method of a bean's class, and RenMetrics has methods on store types (transforms, realtime)
   * that an application without those modules lacks.
   */
  @Bean
  @ConditionalOnMissingBean(name = "renMetrics")
  MeterBinder renMetrics(RenHub hub, ListableBeanFactory beans) {
    RenMetrics metrics = metrics(hub, beans);
    return new RenMeterBinder(metrics);
  }

  /** Binds {@link RenMetrics}; its {@code toString} names it in Boot's condition and bean reports. */
  private record RenMeterBinder(RenMetrics metrics) implements MeterBinder {
    @Override
    public void bindTo(MeterRegistry registry) {
      metrics.bindTo(registry);
    }
  }

  private static RenMetrics metrics(RenHub hub, ListableBeanFactory beans) {
    RenMetrics.Builder b = RenMetrics.builder(hub);
    ClassLoader loader = RenMetricsAutoConfiguration.class.getClassLoader();
    // each store type is touched only when its module is on the classpath
    if (ClassUtils.isPresent("dev.ren.kv.KvStore", loader)) {
      Kv.add(b, beans);
    }
    if (ClassUtils.isPresent("dev.ren.transform.TransformService", loader)) {
      Transforms.add(b, beans);
    }
    if (ClassUtils.isPresent("dev.ren.realtime.Realtime", loader)) {
      Presence.add(b, beans);
    }
    return b.build();
  }

  private static final class Kv {
    static void add(RenMetrics.Builder b, ListableBeanFactory beans) {
      KvStore kv = beans.getBeanProvider(KvStore.class).getIfUnique();
      if (kv != null) {
        b.kv(kv);
      }
    }
  }

  private static final class Transforms {
    static void add(RenMetrics.Builder b, ListableBeanFactory beans) {
      TransformService t = beans.getBeanProvider(TransformService.class).getIfUnique();
      if (t != null) {
        b.transforms(t);
      }
    }
  }

  private static final class Presence {
    static void add(RenMetrics.Builder b, ListableBeanFactory beans) {
      Realtime r = beans.getBeanProvider(Realtime.class).getIfUnique();
      if (r != null) {
        b.realtime(r);
      }
    }
  }
}
