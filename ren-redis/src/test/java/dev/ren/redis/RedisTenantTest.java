package dev.ren.redis;

import dev.ren.RenEvent;
import dev.ren.access.AccessPolicy;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenFilter;
import dev.ren.hub.RenHub;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TenantResolver;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.PrivateRedis;
import dev.ren.testing.SseTestClient;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tenant survives the Redis log (issue 16, RELIABILITY 38): it travels in the entry's {@code tn} field beside
 * the client-visible JSON, so every node's hub keeps each tenant's events to that tenant's streams, live and on
 * resume, and clients still see JSON without it.
 */
@Tag("redis")
class RedisTenantTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final String PATH = "/api/maravilla/ren";
  static final String END = "end";

  @TempDir
  static Path shared;
  private static PrivateRedis redis;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void startRedis() throws Exception {
    redis = PrivateRedis.start(shared.resolve("shared"), false);
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  Nodes nodes() {
    Nodes n = new Nodes(redis.uri());
    open.add(n);
    open.add(() -> redis.command("DEL " + n.prefix + ":stream " + n.prefix + ":epoch"));
    return n;
  }

  /** A subscription of a caller in {@code tenant}, as the stream servlet opens it. */
  Nodes.Resumed subscribe(RenHub hub, @Nullable String tenant, @Nullable String lastEventId) {
    Subscription s = hub.subscribe(SubscribeRequest.of(RenFilter.all()).withLastEventId(lastEventId)
        .withCaller(RenCaller.anonymous(tenant)), () -> {});
    open.add(s);
    return new Nodes.Resumed(s);
  }

  static RenEvent put(String key, @Nullable String tenant) {
    return RenEvent.kvPut("todos", key, "1").withTenant(tenant);
  }

  /** The keys a subscription received up to the marker, which must be the {@code n}-th. */
  static List<String> keys(Nodes.Resumed r, int n) {
    List<String> got = r.await(n).stream().map(g -> g.event().k()).toList();
    assertEquals(END, got.get(got.size() - 1), "the marker comes last: " + got);
    return got.subList(0, got.size() - 1);
  }

  @Test
  void tenantEvent_publishedOnA_reachesOnlyThatTenantOnBLiveAndOnResumeOnC() throws Exception {
    Nodes n = nodes();
    RenHub a = n.node();
    RenHub b = n.node();
    Nodes.Collector tailedByB = n.listen(b);
    String before = a.publish(put("before", null));
    tailedByB.await(1); // b has tailed it: the live subscriptions below start after it
    Nodes.Resumed onBa = subscribe(b, "a", null);
    Nodes.Resumed onBb = subscribe(b, "b", null);
    Nodes.Resumed onB = subscribe(b, null, null);
    a.publish(put("a1", "a"));
    a.publish(put("b1", "b"));
    a.publish(put("d1", null));
    a.publish(put("a2", "a"));
    for (String t : new String[] {"a", "b", null}) {
      a.publish(put(END, t));
    }
    assertEquals(List.of("a1", "a2"), keys(onBa, 3));
    assertEquals(List.of("b1"), keys(onBb, 2));
    assertEquals(List.of("d1"), keys(onB, 2));
    assertEquals("a", onBa.got.get(0).event().tenant());
    // a node that never tailed them serves the resume from the stream itself: the tenant comes back from Redis
    RenHub c = n.node();
    assertEquals(List.of("a1", "a2"), keys(subscribe(c, "a", before), 3));
    assertEquals(List.of("b1"), keys(subscribe(c, "b", before), 2));
    assertEquals(List.of("d1"), keys(subscribe(c, null, before), 2));
    // what clients see is still the JSON without the tenant; the tenant is the entry's own field
    List<LogEntry> all = c.log().readAfter(Position.ZERO, null, 100);
    Map<String, String> tenantOf = new HashMap<>();
    for (LogEntry le : all) {
      String json = new String(le.encoded().json(), StandardCharsets.UTF_8);
      assertFalse(json.contains("\"tn\""), json);
      tenantOf.put(le.encoded().event().k() + "@" + le.encoded().event().tenant(), le.id());
    }
    assertTrue(tenantOf.containsKey("a1@a") && tenantOf.containsKey("b1@b") && tenantOf.containsKey("d1@null"),
        tenantOf::toString);
    List<Map<String, String>> raw = rawEntries(n.prefix + ":stream");
    Map<String, String> a1 = raw.stream().filter(m -> m.get("j").contains("\"k\":\"a1\"")).findFirst().orElseThrow();
    assertEquals("a", a1.get("tn"));
    Map<String, String> d1 = raw.stream().filter(m -> m.get("j").contains("\"k\":\"d1\"")).findFirst().orElseThrow();
    assertFalse(d1.containsKey("tn"), "the default tenant is written as before: no field: " + d1);
  }

  @Test
  void hubShowingTenants_jsonAndFieldAgree_tenantKept() throws Exception {
    Nodes n = nodes();
    RedisEventLog log = RedisEventLog.builder(redis.uri()).streamPrefix(n.prefix).build();
    RenHub showing = RenHub.builder().log(log).showTenant(true).build();
    open.add(showing);
    RenHub b = n.node();
    Nodes.Resumed onBa = subscribe(b, "a", null);
    showing.publish(put("a1", "a"));
    showing.publish(put(END, "a"));
    assertEquals(List.of("a1"), keys(onBa, 2));
    String json = new String(b.log().readAfter(Position.ZERO, null, 10).get(0).encoded().json(),
        StandardCharsets.UTF_8);
    assertTrue(json.contains("\"tn\":\"a\""), "a hub that shows tenants still shows them: " + json);
  }

  @Test
  void tailAndResume_entryWithBadOrContradictingTenant_skippedNeverDelivered() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      Nodes n = nodes();
      RenHub a = n.node();
      Nodes.Resumed onA = subscribe(a, "a", null);
      Nodes.Resumed onX = subscribe(a, "x", null);
      String before = a.publish(put("before", null));
      a.publish(put("a1", "a"));
      String epoch = before.substring(0, before.indexOf(':'));
      String stream = n.prefix + ":stream";
      // not written by REN: a tenant field that is no tenant id, and one that contradicts the JSON's own tn
      String json = "'{\"t\":\"kv.put\",\"r\":\"kv\",\"k\":\"forged\",\"ns\":\"todos\",\"v\":\"1\",\"ts\":1";
      assertTrue(redis.command("XADD " + stream + " * e " + epoch + " j " + json + "}' tn ../b").startsWith("$"));
      assertTrue(redis.command("XADD " + stream + " * e " + epoch + " j " + json + ",\"tn\":\"x\"}' tn a")
          .startsWith("$"));
      a.publish(put(END, "a"));
      a.publish(put(END, "x"));
      assertEquals(List.of("a1"), keys(onA, 2));
      assertEquals(List.of(), keys(onX, 1));
      // a resume served from the stream by a node that never tailed them skips them too
      RenHub b = n.node();
      assertEquals(List.of("a1"), keys(subscribe(b, "a", before), 2));
      assertEquals(List.of(), keys(subscribe(b, "x", before), 1));
      List<String> skipped = logs.warnings().stream().filter(w -> w.startsWith("skipping stream entry ")).toList();
      assertTrue(skipped.stream().anyMatch(w -> w.contains("is not a valid tenant id")), skipped::toString);
      assertTrue(skipped.stream().anyMatch(w -> w.contains("name different tenants")), skipped::toString);
    }
  }

  // ------------------------------------------------------------------------------------------------ over SSE

  /** A node behind Jetty whose streams take their tenant from a trusted gateway header; everything else open. */
  JettyTestServer serve(RenHub hub) {
    RenSecurity security = RenSecurity.builder(AccessPolicy.open())
        .tenants(TenantResolver.trustedHeader("X-Tenant-Id")).build();
    JettyTestServer s = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, security)
        .servlet(PATH + "/*", new RenServlet(hub)).start();
    open.add(s);
    return s;
  }

  SseTestClient stream(JettyTestServer s, @Nullable String tenant, @Nullable String lastEventId) throws Exception {
    Map<String, String> headers = new HashMap<>();
    if (tenant != null) {
      headers.put("X-Tenant-Id", tenant);
    }
    if (lastEventId != null) {
      headers.put("Last-Event-ID", lastEventId);
    }
    SseTestClient c = SseTestClient.open(s.uri(PATH + "?s=kv"), headers);
    open.add(c);
    assertEquals(200, c.status());
    return c;
  }

  static List<String> untilEnd(SseTestClient c) throws InterruptedException {
    List<String> got = new ArrayList<>();
    while (true) {
      SseTestClient.Event e = c.next("kv.put", WAIT);
      assertNull(e.json().get("tn"), "clients never see the tenant: " + e.data());
      String k = e.json().get("k").asText();
      if (k.equals(END)) {
        return got;
      }
      got.add(k);
    }
  }

  @Test
  void sse_tenantEventOnA_reachesOnlyThatTenantsStreamsOnBLiveAndOnResume() throws Exception {
    Nodes n = nodes();
    RenHub a = n.node();
    RenHub b = n.node();
    JettyTestServer sb = serve(b);
    Nodes.Collector tailedByB = n.listen(b);
    String before = a.publish(put("before", null));
    tailedByB.await(1); // b has tailed it: the live streams below start after it
    SseTestClient tenantA = stream(sb, "a", null);
    SseTestClient tenantB = stream(sb, "b", null);
    SseTestClient plain = stream(sb, null, null);
    for (SseTestClient c : List.of(tenantA, tenantB, plain)) {
      c.next("ren.meta", WAIT);
    }
    a.publish(put("a1", "a"));
    a.publish(put("b1", "b"));
    a.publish(put("d1", null));
    for (String t : new String[] {"a", "b", null}) {
      a.publish(put(END, t));
    }
    assertEquals(List.of("a1"), untilEnd(tenantA));
    assertEquals(List.of("b1"), untilEnd(tenantB));
    assertEquals(List.of("d1"), untilEnd(plain));
    // a client moving from A to a fresh node C resumes with Last-Event-ID: still only its tenant's events
    JettyTestServer sc = serve(n.node());
    assertEquals(List.of("a1"), untilEnd(stream(sc, "a", before)));
    assertEquals(List.of("b1"), untilEnd(stream(sc, "b", before)));
    assertEquals(List.of("d1"), untilEnd(stream(sc, null, before)));
  }

  /** Every entry of {@code stream}, its fields as text, read with a client of the test's own. */
  private static List<Map<String, String>> rawEntries(String stream) {
    RedisClient client = RedisClient.create(redis.uri().toString());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      List<Map<String, String>> out = new ArrayList<>();
      for (StreamMessage<String, String> m : c.sync().xrange(stream, Range.create("-", "+"))) {
        out.add(m.getBody());
      }
      return out;
    } finally {
      client.shutdown();
    }
  }
}
