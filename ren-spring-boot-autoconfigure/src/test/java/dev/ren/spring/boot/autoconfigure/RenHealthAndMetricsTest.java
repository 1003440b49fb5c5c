package dev.ren.spring.boot.autoconfigure;

import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The health contributor and the meters, on Spring's context runner with the real hub and stores. */
class RenHealthAndMetricsTest {

  @TempDir
  Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenAutoConfiguration.class, RenHealthAutoConfiguration.class,
            RenMetricsAutoConfiguration.class))
        .withPropertyValues("ren.data-dir=" + dir);
  }

  @Test
  void health_everythingReachable_upWithOneDetailPerPart() {
    runner().run(ctx -> {
      assertThat(ctx).hasNotFailed().hasBean("renHealthIndicator");
      Health h = ctx.getBean(RenHealthIndicator.class).health();
      assertThat(h.getStatus()).isEqualTo(Status.UP);
      assertThat(h.getDetails()).containsOnlyKeys("hub", "log", "kv", "documents", "blobs");
      assertThat(detail(h, "hub").get("status")).isEqualTo("UP");
      assertThat(String.valueOf(detail(h, "hub").get("description"))).contains("running");
    });
  }

  @Test
  void health_redisLogUnreachable_downNamingTheLog() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens there once closed
    }
    runner().withPropertyValues("ren.redis.uri=redis://127.0.0.1:" + closedPort, "ren.health-timeout=500ms")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          Health h = ctx.getBean(RenHealthIndicator.class).health();
          assertThat(h.getStatus()).isEqualTo(Status.DOWN);
          assertThat(detail(h, "log").get("status")).isEqualTo("DOWN");
          assertThat(detail(h, "hub").get("status")).isEqualTo("UP");
        });
  }

  @Test
  void health_hubClosed_down() {
    runner().run(ctx -> {
      ctx.getBean(RenHub.class).close();
      Health h = ctx.getBean(RenHealthIndicator.class).health();
      assertThat(h.getStatus()).isEqualTo(Status.DOWN);
      assertThat(detail(h, "hub").get("status")).isEqualTo("DOWN");
    });
  }

  @Test
  void health_disabledByManagementProperty_noContributor() {
    runner().withPropertyValues("management.health.ren.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean("renHealthIndicator"));
  }

  @Test
  void metrics_binderRegistersStreamAndKvMeters() {
    runner().run(ctx -> {
      MeterRegistry registry = new SimpleMeterRegistry();
      ctx.getBean("renMetrics", MeterBinder.class).bindTo(registry);
      ctx.getBean(KvStore.class).namespace("demo").put("todo:1", "milk");
      assertThat(registry.get("ren.streams.active").gauge().value()).isZero();
      assertThat(registry.get("ren.events.published").tag("domain", "kv").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.find("ren.kv.entries").gauge()).isNotNull();
      assertThat(registry.find("ren.presence.members").gauge()).isNotNull();
    });
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> detail(Health h, String part) {
    return (Map<String, Object>) h.getDetails().get(part);
  }
}
