package dev.ren.spring.boot.autoconfigure;

import dev.ren.access.AccessPolicy;
import dev.ren.hub.RenHub;
import dev.ren.kv.redis.RedisKvBackend;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeBackend;
import dev.ren.realtime.redis.RedisRealtimeBackend;
import dev.ren.redis.RedisEventLog;
import dev.ren.servlet.realtime.RealtimeCalls;
import dev.ren.servlet.realtime.RealtimeServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.websocket.realtime.RealtimeWebSocketServlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The realtime conditions of the auto-configuration: the WebSocket endpoint (ren-websocket-realtime with the realtime
 * binding) and realtime on Redis (ren-realtime-redis with ren.redis.uri), on Spring's context runners; and the
 * endpoint's mount in a container without Jakarta WebSocket.
 */
class RealtimeAutoConfigurationTest {

  /** Nothing listens there: the Redis clients connect on first use, and fail at once if they try. */
  private static final String NO_REDIS = "ren.redis.uri=redis://127.0.0.1:1";

  @TempDir
  Path dir;

  private WebApplicationContextRunner web() {
    return new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenAutoConfiguration.class, RenWebAutoConfiguration.class))
        .withPropertyValues("ren.data-dir=" + dir, "ren.access=open");
  }

  private ApplicationContextRunner core() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RenAutoConfiguration.class))
        .withPropertyValues("ren.data-dir=" + dir);
  }

  // ------------------------------------------------------------------------------------------------ WebSocket

  @Test
  void realtimeBindingWithWebSocketModule_endpointRegisteredAtRtWs() {
    web().withPropertyValues("ren.bindings=realtime").run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(RealtimeWebSocketServlet.class);
      ServletRegistrationBean<?> r = ctx.getBean("renRealtimeWebSocketServletRegistration",
          ServletRegistrationBean.class);
      assertThat(r.getUrlMappings()).containsExactly("/_rt/ws");
      assertThat(r.getServletName()).isEqualTo("ren-realtime-ws");
      assertThat(r.getServlet()).isInstanceOf(RealtimeWebSocketMount.class);
      assertThat(ctx).hasBean("renRealtimeServletRegistration").hasSingleBean(RealtimeCalls.class);
    });
  }

  @Test
  void realtimeWsPathSet_endpointRegisteredThere() {
    web().withPropertyValues("ren.bindings=realtime", "ren.realtime-ws-path=/ws/realtime").run(ctx -> {
      assertThat(ctx).hasNotFailed();
      ServletRegistrationBean<?> r = ctx.getBean("renRealtimeWebSocketServletRegistration",
          ServletRegistrationBean.class);
      assertThat(r.getUrlMappings()).containsExactly("/ws/realtime");
    });
  }

  @Test
  void realtimeWsPathNotAPath_startupFailsNamingIt() {
    web().withPropertyValues("ren.bindings=realtime", "ren.realtime-ws-path=rt ws").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ctx.getStartupFailure()).rootCause().isInstanceOf(RenStartupException.class)
          .hasMessageContaining("ren.realtime-ws-path 'rt ws' is not an absolute path");
    });
  }

  @Test
  void realtimeNotInBindings_noWebSocketEndpoint() {
    web().withPropertyValues("ren.bindings=kv").run(ctx -> {
      assertThat(ctx).hasNotFailed().doesNotHaveBean(RealtimeWebSocketServlet.class)
          .doesNotHaveBean("renRealtimeWebSocketServletRegistration").doesNotHaveBean("renRealtimeServletRegistration");
    });
  }

  @Test
  void webSocketModuleMissing_httpRealtimeOnlyNoWebSocketEndpoint() {
    web().withPropertyValues("ren.bindings=realtime")
        .withClassLoader(new FilteredClassLoader(RealtimeWebSocketServlet.class))
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasBean("renRealtimeServletRegistration")
              .doesNotHaveBean("renRealtimeWebSocketServletRegistration");
        });
  }

  @Test
  void ownWebSocketEndpointBean_usedByTheRegistration() {
    web().withPropertyValues("ren.bindings=realtime").withUserConfiguration(OwnEndpoint.class).run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(RealtimeWebSocketServlet.class);
      assertThat(ctx.getBean(RealtimeWebSocketServlet.class)).isSameAs(ctx.getBean("myEndpoint"));
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnEndpoint {
    @Bean
    RealtimeWebSocketServlet myEndpoint(RenHub hub, RealtimeCalls calls) {
      return RealtimeWebSocketServlet.builder(hub, calls).maxSubscriptions(8).build();
    }
  }

  @Test
  void containerWithoutJakartaWebSocket_mountStartsAndAnswers404() throws Exception {
    try (RenHub hub = RenHub.create(); Realtime realtime = Realtime.builder(hub).build()) {
      RenSecurity security = RenSecurity.builder(AccessPolicy.open()).build();
      RealtimeWebSocketServlet endpoint = RealtimeWebSocketServlet.builder(hub,
          new RealtimeCalls(realtime, security, RealtimeServlet.PublishRate.DEFAULT)).build();
      RealtimeWebSocketMount mount = new RealtimeWebSocketMount(endpoint, "/_rt/ws");
      try (JettyTestServer server = new JettyTestServer().servlet("/_rt/ws", mount).start()) { // no WebSocket
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/_rt/ws"))
            .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("\"error\":\"websocket_unavailable\"");
        assertThat(mount.mounted()).isFalse();
        assertThat(endpoint.connectionCount()).isZero();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ Redis

  @Test
  void redisUriWithRealtimeRedisModule_realtimeOnRedisBackend() {
    core().withPropertyValues(NO_REDIS, "ren.redis.stream-prefix=app1")
        .withClassLoader(new FilteredClassLoader(RedisEventLog.class, RedisKvBackend.class))
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(Realtime.class).hasSingleBean(RealtimeBackend.class);
          assertThat(ctx.getBean(RealtimeBackend.class)).isInstanceOf(RedisRealtimeBackend.class);
          assertThat(ctx.getBean(RealtimeBackend.class).toString()).contains("prefix app1:rt:");
        });
  }

  @Test
  void redisUriWithoutRealtimeRedisModule_realtimeInProcess() {
    core().withPropertyValues(NO_REDIS)
        .withClassLoader(new FilteredClassLoader(RedisEventLog.class, RedisKvBackend.class,
            RedisRealtimeBackend.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(Realtime.class)
            .doesNotHaveBean(RealtimeBackend.class));
  }

  @Test
  void noRedisUri_realtimeInProcess() {
    core().run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(Realtime.class)
        .doesNotHaveBean(RealtimeBackend.class));
  }

  @Test
  void ownRealtimeBean_redisBackendNeverMade() {
    core().withPropertyValues(NO_REDIS)
        .withClassLoader(new FilteredClassLoader(RedisEventLog.class, RedisKvBackend.class))
        .withUserConfiguration(OwnRealtime.class)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(Realtime.class);
          assertThat(ctx.getBean(Realtime.class)).isSameAs(ctx.getBean("myRealtime"));
          // the lazy Redis backend was never made: no Redis client (threads) next to the application's realtime
          assertThat(ctx.getBeanFactory().containsSingleton("renRealtimeBackend")).isFalse();
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRealtime {
    @Bean(destroyMethod = "close")
    Realtime myRealtime(RenHub hub) {
      return Realtime.builder(hub).build();
    }
  }
}
