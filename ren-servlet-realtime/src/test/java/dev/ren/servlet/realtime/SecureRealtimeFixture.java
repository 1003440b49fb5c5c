package dev.ren.servlet.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.access.AccessPolicy;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.StoredMember;
import dev.ren.realtime.StoredMessage;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.ManualScheduler;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import dev.ren.tokens.JwtTokens;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A realtime server behind a real {@link AccessPolicy}, callers authenticated from request headers by a
 * {@link RenAuthenticator} (the SPI a host implements), channel tokens by ren-tokens' {@link JwtTokens}, the stream
 * beside it, a manual clock for presence expiry and a manual clock for the publish rate, and a record of every
 * event realtime publishes.
 */
final class SecureRealtimeFixture implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Duration GRACE = Duration.ofSeconds(10);

  /** A caller: who it is and in which tenant; {@link #ANONYMOUS} sends no credentials. */
  record Who(String label, @Nullable String user, Set<String> roles, @Nullable String tenant) {
    static final Who ANONYMOUS = new Who("anonymous", null, Set.of(), null);

    Map<String, String> headers() {
      Map<String, String> h = new HashMap<>();
      if (user != null) {
        h.put("X-Test-User", user);
        h.put("X-Test-Roles", String.join(",", roles));
        if (tenant != null) {
          h.put("X-Test-Tenant", tenant);
        }
      }
      return h;
    }

    RenCaller caller() {
      return user == null ? RenCaller.anonymous() : RenCaller.user(user, roles, tenant);
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** The host application's authentication, as a test stand-in: trusted headers naming user, roles and tenant. */
  static final RenAuthenticator HEADERS = req -> {
    String user = req.getHeader("X-Test-User");
    if (user == null) {
      return null;
    }
    String roles = req.getHeader("X-Test-Roles");
    String tenant = req.getHeader("X-Test-Tenant");
    return RenCaller.user(user, roles == null || roles.isEmpty() ? Set.of() : Set.of(roles.split(",")),
        tenant == null || tenant.isEmpty() ? null : tenant);
  };

  /** Every event realtime published, in order, before the hub got it. */
  static final class Recorder implements RenPublisher {
    private final RenHub hub;
    private final List<RenEvent> events = new ArrayList<>();

    Recorder(RenHub hub) {
      this.hub = hub;
    }

    @Override
    public String publish(RenEvent event) {
      synchronized (this) {
        events.add(event);
      }
      return hub.publish(event);
    }

    synchronized List<RenEvent> events() {
      return List.copyOf(events);
    }

    synchronized void clear() {
      events.clear();
    }
  }

  final HttpClient http = HttpClient.newHttpClient();
  final ManualClock clock = new ManualClock(1_767_225_600_000L);
  final ManualScheduler scheduler = new ManualScheduler(clock);
  /** What the publish rate limiter reads as {@code System.nanoTime()}. */
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final RenHub hub = RenHub.create();
  final Recorder recorder = new Recorder(hub);
  final Realtime realtime;
  final RenSecurity security;
  final JettyTestServer server;
  private final List<SseTestClient> streams = new ArrayList<>();

  SecureRealtimeFixture(AccessPolicy policy, RealtimeServlet.PublishRate rate) {
    realtime = Realtime.builder(recorder, hub).clock(clock).scheduler(scheduler).gracePeriod(GRACE)
        .history("room-*", 50).history("private-*", 50).build();
    security = RenSecurity.builder(policy).authenticator(HEADERS).tokens(JwtTokens.randomKey()).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, security)
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*",
            new RenServlet(hub, RenServletConfig.builder().heartbeat(Duration.ofMillis(100)).build()))
        .servlet(RealtimeServlet.PATH, new RealtimeServlet(realtime, security, rate, nanos::get))
        .start();
  }

  HttpResponse<String> send(Who who, HttpRequest.Builder b) throws IOException, InterruptedException {
    who.headers().forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  HttpResponse<String> get(Who who, String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/realtime/" + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(who, b);
  }

  HttpResponse<String> post(Who who, String path, String json, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/realtime/" + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(who, b);
  }

  /** A stream as {@code who} (with client id {@code cid} if not null), past its {@code ren.meta}. */
  SseTestClient stream(Who who, String filters, @Nullable String cid) throws Exception {
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren?s=" + filters
        + (cid == null ? "" : "&cid=" + cid)), who.headers());
    streams.add(c);
    if (c.status() != 200) {
      throw new AssertionError("stream as " + who + " answered " + c.status());
    }
    SseTestClient.Event meta = c.next(WAIT);
    if (!meta.type().equals("ren.meta")) {
      throw new AssertionError("first frame was " + meta.type());
    }
    return c;
  }

  /** Publishes a {@code test.marker} in {@code tenant}; a stream that reaches it has seen everything before it. */
  String marker(@Nullable String tenant, String name) {
    return hub.publish(RenEvent.builder("test.marker").key(name).tenant(tenant).build());
  }

  /** The events a stream receives up to the marker {@code name} (which it must receive). */
  static List<SseTestClient.Event> untilMarker(SseTestClient c, String name) throws InterruptedException {
    List<SseTestClient.Event> out = new ArrayList<>();
    while (true) {
      SseTestClient.Event e = c.next(WAIT);
      if (e.type().equals("test.marker") && name.equals(e.json().path("k").asText())) {
        return out;
      }
      out.add(e);
    }
  }

  /** What a tenant holds on {@code channel}: its channel list, history and members, as comparable text. */
  String snapshot(@Nullable String tenant, String channel) {
    Realtime t = realtime.tenant(tenant);
    StringBuilder sb = new StringBuilder().append(t.channels()).append(" history:");
    var h = t.historyJson(channel, 0, 1000);
    sb.append(h.lastSeq());
    for (StoredMessage m : h.messages()) {
      sb.append(' ').append(m.seq()).append('/').append(m.userId()).append('/')
          .append(new String(m.dataJson() == null ? new byte[0] : m.dataJson(), StandardCharsets.UTF_8));
    }
    sb.append(" members:");
    for (StoredMember m : t.membersJson(channel)) {
      sb.append(' ').append(m.userId()).append('=')
          .append(new String(m.metadataJson(), StandardCharsets.UTF_8)).append('@').append(m.lastSeen());
    }
    return sb.toString();
  }

  static JsonNode json(HttpResponse<String> r) {
    return TestJson.parse(r.body());
  }

  @Override
  public void close() {
    streams.forEach(SseTestClient::close);
    server.close();
    realtime.close();
    hub.close();
  }
}
