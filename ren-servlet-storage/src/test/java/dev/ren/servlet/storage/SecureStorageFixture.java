package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
import dev.ren.access.AccessPolicy;
import dev.ren.access.RenCaller;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenAuthenticator;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import dev.ren.transform.TransformService;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A storage and transform server behind a real {@link dev.ren.access.AccessRules} policy, with callers
 * authenticated from request headers by a {@link RenAuthenticator} (the SPI a host application implements), the
 * stream beside them, and a record of every event the stores publish.
 */
final class SecureStorageFixture implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(20);

  /** A caller: who it is and in which tenant; {@link #ANONYMOUS} sends no credentials. */
  record Who(String label, @Nullable String user, Set<String> roles, @Nullable String tenant) {
    static final Who ANONYMOUS = new Who("anonymous", null, Set.of(), null);

    HttpRequest.Builder sign(HttpRequest.Builder b) {
      if (user != null) {
        b.header("X-Test-User", user);
        if (!roles.isEmpty()) {
          b.header("X-Test-Roles", String.join(",", roles));
        }
        if (tenant != null) {
          b.header("X-Test-Tenant", tenant);
        }
      }
      return b;
    }

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

  /** Every event the stores published, in order, before the hub got it. */
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
        notifyAll();
      }
      return hub.publish(event);
    }

    synchronized List<RenEvent> events() {
      return List.copyOf(events);
    }

    synchronized void clear() {
      events.clear();
    }

    synchronized RenEvent await(Predicate<RenEvent> p) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        for (RenEvent e : events) {
          if (p.test(e)) {
            return e;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching event within " + WAIT + "; recorded: " + events);
        }
        wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  final HttpClient http = HttpClient.newHttpClient();
  /** The presigner's clock: expiry is tested by moving it. */
  final ManualClock clock = new ManualClock(1_767_225_600_000L);
  final RenHub hub = RenHub.create();
  final Recorder recorder = new Recorder(hub);
  final BlobStore store;
  final TransformService transforms;
  final JettyTestServer server;
  private final List<SseTestClient> streams = new ArrayList<>();

  SecureStorageFixture(Path dir, AccessPolicy policy) {
    store = BlobStore.fileSystem(dir, recorder);
    transforms = TransformService.builder(store, recorder).build();
    RenSecurity security = RenSecurity.builder(policy).authenticator(HEADERS).build();
    StorageServlet storage = new StorageServlet(store, Presigner.builder().clock(clock).build(), 1 << 20, null,
        security);
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, security)
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet("/api/storage", storage)
        .servlet("/api/storage/*", storage)
        .servlet("/api/media/transforms/*", new TransformServlet(transforms, security))
        .start();
  }

  HttpResponse<String> send(Who who, HttpRequest.Builder b) throws IOException, InterruptedException {
    return http.send(who.sign(b).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(server.uri(pathAndQuery));
  }

  HttpResponse<String> get(Who who, String path) throws IOException, InterruptedException {
    return send(who, request(path));
  }

  HttpResponse<String> put(Who who, String path, String body, String type) throws IOException, InterruptedException {
    return send(who, request(path).header("Content-Type", type).PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> postJson(Who who, String path, String json) throws IOException, InterruptedException {
    return send(who, request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  HttpResponse<String> delete(Who who, String path) throws IOException, InterruptedException {
    return send(who, request(path).DELETE());
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

  /** What a tenant holds: key → etag and owner, every object. */
  Map<String, String> snapshot(@Nullable String tenant) throws IOException {
    Map<String, String> out = new HashMap<>();
    String cursor = null;
    do {
      var page = store.tenant(tenant).list("", 1000, cursor);
      for (BlobInfo i : page.items()) {
        out.put(i.key(), i.etag() + "/" + i.owner() + "/" + i.contentType() + "/" + i.metadata());
      }
      cursor = page.nextCursor();
    } while (cursor != null);
    return out;
  }

  static JsonNode json(HttpResponse<String> r) {
    return TestJson.parse(r.body());
  }

  @Override
  public void close() {
    streams.forEach(SseTestClient::close);
    server.close();
    transforms.close();
    hub.close();
  }
}
