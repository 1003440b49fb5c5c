package dev.ren.client;

import dev.ren.testing.ManualScheduler;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The builder's checks: bad values, repeated and conflicting settings, defaults. */
class RenClientBuilderTest {

  static final URI OK = URI.create("http://localhost/api/maravilla/ren");

  @Test
  void builder_invalidValues_failEarlyNamingTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RenClient.builder(URI.create("/relative")));
    assertTrue(e.getMessage().contains("/relative"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(URI.create("ftp://h/x")));
    e = assertThrows(IllegalArgumentException.class, () -> RenClient.builder(OK).clientId("has space"));
    assertTrue(e.getMessage().contains("has space"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(OK).subscriptions("a,b"));
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(OK).subscriptions("bad filter!"));
    e = assertThrows(IllegalArgumentException.class, () -> RenClient.builder(OK).maxBackoff(Duration.ZERO));
    assertTrue(e.getMessage().contains("maxBackoff"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RenClient.builder(OK).lastEventId("a\nb"));
    assertThrows(IllegalArgumentException.class,
        () -> RenClient.builder(OK).initialBackoff(Duration.ofSeconds(20)).maxBackoff(Duration.ofSeconds(5)).build());
  }

  @Test
  void builder_settingGivenTwice_refusedNamingEarlierValue() {
    HttpClient http = HttpClient.newHttpClient();
    ManualScheduler time = new ManualScheduler();
    RetryDelayStrategy strategy = (attempt, serverRetry) -> Duration.ofSeconds(attempt);
    Map<String, Consumer<RenClient.Builder>> setters = new LinkedHashMap<>();
    setters.put("subscriptions", b -> b.subscriptions("kv"));
    setters.put("clientId", b -> b.clientId("c1"));
    setters.put("autoReconnect", b -> b.autoReconnect(false));
    setters.put("initialBackoff", b -> b.initialBackoff(Duration.ofMillis(5)));
    setters.put("maxBackoff", b -> b.maxBackoff(Duration.ofSeconds(5)));
    setters.put("retryDelayStrategy", b -> b.retryDelayStrategy(strategy));
    setters.put("heartbeat", b -> b.heartbeat(Duration.ofSeconds(30)));
    setters.put("lastEventId", b -> b.lastEventId("e1"));
    setters.put("executor", b -> b.executor(Runnable::run));
    setters.put("httpClient", b -> b.httpClient(http));
    setters.put("scheduler", b -> b.scheduler(time, time.nanoTime()));
    setters.put("debug", b -> b.debug(true));
    for (Map.Entry<String, Consumer<RenClient.Builder>> s : setters.entrySet()) {
      RenClient.Builder b = RenClient.builder(OK);
      s.getValue().accept(b);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.getValue().accept(b), s.getKey());
      assertTrue(e.getMessage().startsWith(s.getKey() + " was already set to "), e.getMessage());
    }
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RenClient.builder(OK).clientId("first").clientId("second"));
    assertEquals("clientId was already set to first", e.getMessage());
    e = assertThrows(IllegalStateException.class,
        () -> RenClient.builder(OK).scheduler(time).scheduler(time, time.nanoTime()));
    assertTrue(e.getMessage().startsWith("scheduler was already set to "), e.getMessage());
  }

  @Test
  void retryDelayStrategy_withInitialOrMaxBackoff_refusedEitherWay() {
    RetryDelayStrategy strategy = (attempt, serverRetry) -> Duration.ofSeconds(1);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RenClient.builder(OK).maxBackoff(Duration.ofSeconds(3)).retryDelayStrategy(strategy));
    assertTrue(e.getMessage().contains("maxBackoff"), e.getMessage());
    e = assertThrows(IllegalStateException.class,
        () -> RenClient.builder(OK).retryDelayStrategy(strategy).initialBackoff(Duration.ofSeconds(3)));
    assertTrue(e.getMessage().contains("retryDelayStrategy"), e.getMessage());
  }

  @Test
  void clientId_default_randomAndValid() {
    RenClient a = RenClient.builder(OK).build();
    RenClient b = RenClient.builder(OK).build();
    try {
      assertTrue(a.clientId().matches("[A-Za-z0-9_-]{16}"), a.clientId());
      assertNotEquals(a.clientId(), b.clientId());
      assertEquals(RenClient.State.IDLE, a.state());
    } finally {
      a.close();
      b.close();
    }
  }
}
