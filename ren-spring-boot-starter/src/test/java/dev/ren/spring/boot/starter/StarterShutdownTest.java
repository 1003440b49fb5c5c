package dev.ren.spring.boot.starter;

import dev.ren.testing.SseTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing the application ends every open stream with {@code retry:} while the web server shuts down gracefully (Boot's default), so a
 * client reconnects elsewhere instead of holding the shutdown for {@code timeout-per-shutdown-phase} (30 s).
 */
class StarterShutdownTest {

  @Test
  void contextClose_openStreamsEndBeforeGracefulShutdownTimesOut() throws Exception {
    ConfigurableApplicationContext ctx = SpringApplication.run(StarterApp.class, "--server.port=0",
        "--spring.lifecycle.timeout-per-shutdown-phase=60s");
    int port = ((WebServerApplicationContext) ctx).getWebServer().getPort();
    try (SseTestClient a = SseTestClient.open(URI.create("http://127.0.0.1:" + port + "/api/maravilla/ren"));
         SseTestClient b = SseTestClient.open(URI.create("http://127.0.0.1:" + port + "/api/maravilla/ren?s=kv"))) {
      a.next("ren.meta", Duration.ofSeconds(10));
      b.next("ren.meta", Duration.ofSeconds(10));
      Thread closer = new Thread(ctx::close, "closer");
      closer.start();
      // well below the 60 s the graceful shutdown would wait for requests that never end
      assertThat(a.awaitEnd(Duration.ofSeconds(20))).isTrue();
      assertThat(b.awaitEnd(Duration.ofSeconds(20))).isTrue();
      // each got a retry: (ren.shutdown-retry, 1 s plus up to 1 s of jitter) before the end
      assertThat(a.lastRetry()).isBetween(1000L, 2000L);
      assertThat(b.lastRetry()).isBetween(1000L, 2000L);
      closer.join(Duration.ofSeconds(20).toMillis());
      assertThat(closer.isAlive()).isFalse();
      assertThat(ctx.isActive()).isFalse();
    } finally {
      ctx.close();
    }
  }
}
