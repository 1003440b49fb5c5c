package dev.ren.servlet.db;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.access.AccessPolicy;
import dev.ren.access.RenCaller;
import dev.ren.db.Document;
import dev.ren.db.DocumentStore;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A document server behind a real {@link dev.ren.access.AccessRules} policy, with callers authenticated from request
 * headers by a {@link RenAuthenticator} (the SPI a host application implements), the stream beside it with the same
 * security, and a record of every event the store publishes.
 */
final class SecureDbFixture implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(20);

  /** A caller: who it is and in which tenant; {@link #ANONYMOUS} sends no credentials. */
  record Who(String label, @Nullable String user, Set<String> roles, @Nullable String tenant) {
    static final Who ANONYMOUS = new Who("anonymous", null, Set.of(), null);

    Map<String, String> headers() {
      Map<String, String> h = new HashMap<>();
      if (user != null) {
        h.put("X-Test-User", user);
        if (!roles.isEmpty()) {
          h.put("X-Test-Roles", String.join(",", roles));
        }
        if (tenant != null) {
          h.put("X-Test-Tenant", tenant);
        }
      }
      return h;
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

  /** Every event the store published, in order, before the hub got it. */
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
  final RenHub hub = RenHub.create();
  final Recorder recorder = new Recorder(hub);
  final DocumentStore store = DocumentStore.h2InMemory(recorder);
  final JettyTestServer server;
  private final List<SseTestClient> streams = new ArrayList<>();

  SecureDbFixture(AccessPolicy policy) {
    RenSecurity security = RenSecurity.builder(policy).authenticator(HEADERS).build();
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, security)
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet(DbServlet.PATH, new DbServlet(store, 1 << 20, security))
        .start();
  }

  HttpResponse<String> send(Who who, String method, String path, @Nullable String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    who.headers().forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A stream as {@code who}, past its {@code ren.meta}. */
  SseTestClient stream(Who who, String filters, @Nullable String lastEventId) throws Exception {
    Map<String, String> h = who.headers();
    if (lastEventId != null) {
      h.put("Last-Event-ID", lastEventId);
    }
    SseTestClient c = SseTestClient.open(server.uri("/api/maravilla/ren?s=" + filters), h);
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

  /** What a tenant holds: collection/id → revision and document, and each collection's indexes. */
  Map<String, String> snapshot(@Nullable String tenant) {
    DocumentStore t = store.tenant(tenant);
    Map<String, String> out = new TreeMap<>();
    for (String c : t.collectionNames()) {
      for (Document d : t.collection(c).find(TestJson.parse("{}"))) {
        out.put(c + "/" + d.id(), d.revision() + " " + d.json());
      }
      out.put(c + "#indexes", t.collection(c).listIndexes().toString());
    }
    return out;
  }

  static JsonNode json(HttpResponse<String> r) {
    return TestJson.parse(r.body());
  }

  @Override
  public void close() {
    streams.forEach(SseTestClient::close);
    server.close();
    store.close();
    hub.close();
  }
}
