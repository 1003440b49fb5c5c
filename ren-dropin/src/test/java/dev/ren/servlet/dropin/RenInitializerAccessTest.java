package dev.ren.servlet.dropin;

import dev.ren.RenEvent;
import dev.ren.access.AccessRules;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import jakarta.servlet.ServletContext;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.util.security.Credential;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may use what the drop-in registers (issue 16): {@code ren.access=open}, {@code ren.access=container} with
 * {@code ren.access.rules} on the container's own Basic authentication, {@code ren.tenantHeader}, and a
 * {@link RenSecurity} the application installed itself. What the stream delivers is checked over real SSE; what a
 * binding allows is asked of the installed security (each binding's own tests cover its routes).
 */
class RenInitializerAccessTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final String END = "end";
  static final String RULES = """
      # the todo list: readers see it, writers change it
      read  kv todos  reader, writer
      write kv todos  writer
      read  kv public *anyone
      admin admin
      """;

  final HttpClient http = HttpClient.newHttpClient();
  final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  JettyTestServer start(JettyTestServer s) {
    s.start();
    open.add(s);
    return s;
  }

  /** The container's own login: HTTP Basic against a user store (rita reads, wes writes, ada administers). */
  static JettyTestServer withBasicAuth(JettyTestServer s) {
    UserStore users = new UserStore();
    users.addUser("rita", Credential.getCredential("pw"), new String[] {"reader"});
    users.addUser("wes", Credential.getCredential("pw"), new String[] {"writer"});
    users.addUser("ada", Credential.getCredential("pw"), new String[] {"admin"});
    users.addUser("nora", Credential.getCredential("pw"), new String[] {});
    HashLoginService login = new HashLoginService("ren-test");
    login.setUserStore(users);
    ConstraintSecurityHandler security = new ConstraintSecurityHandler();
    security.setLoginService(login);
    security.setAuthenticator(new BasicAuthenticator());
    s.context().setSecurityHandler(security);
    return s;
  }

  static Map<String, String> basic(@Nullable String user) {
    return user == null ? Map.of() : Map.of("Authorization", "Basic "
        + Base64.getEncoder().encodeToString((user + ":pw").getBytes(StandardCharsets.UTF_8)));
  }

  SseTestClient stream(JettyTestServer s, Map<String, String> headers) throws Exception {
    SseTestClient c = SseTestClient.open(s.uri("/api/maravilla/ren?s=kv"), headers);
    open.add(c);
    assertEquals(200, c.status());
    c.next("ren.meta", WAIT);
    return c;
  }

  static ServletContext servletContext(JettyTestServer s) {
    return s.context().getServletContext();
  }

  static RenHub hub(JettyTestServer s) {
    return (RenHub) servletContext(s).getAttribute(RenServlet.HUB_ATTRIBUTE);
  }

  static RenSecurity security(JettyTestServer s) {
    return (RenSecurity) servletContext(s).getAttribute(RenSecurity.ATTRIBUTE);
  }

  /** The keys a stream received before the marker. */
  static List<String> untilEnd(SseTestClient c) throws InterruptedException {
    List<String> got = new ArrayList<>();
    while (true) {
      String k = c.next("kv.put", WAIT).json().get("k").asText();
      if (k.equals(END)) {
        return got;
      }
      got.add(k);
    }
  }

  // ------------------------------------------------------------------------------------------------ open

  @Test
  void onStartup_accessOpen_installsOpenSecurityLogsItAndRemovesItWithTheContext() throws Exception {
    try (Warnings warnings = new Warnings("dev.ren.servlet.security.RenSecurity")) {
      JettyTestServer s = start(RenInitializerTest.bare("ren.bindings", "kv", "ren.access", "open"));
      RenSecurity sec = security(s);
      assertTrue(sec.isOpen());
      assertTrue(warnings.all().stream().anyMatch(w -> w.contains("REN runs OPEN")), warnings.all()::toString);
      SseTestClient anonymous = stream(s, Map.of());
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(s.uri("/api/kv/demo/a"))
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("1")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, put.statusCode(), put.body());
      assertEquals("a", anonymous.next("kv.put", WAIT).json().get("k").asText());
      s.close();
      assertNull(servletContext(s).getAttribute(RenSecurity.ATTRIBUTE), "a restarted context must configure anew");
    }
  }

  // ------------------------------------------------------------------------------------------------ container

  @Test
  void onStartup_accessContainerWithRules_containerUsersGetWhatTheRulesGrant() throws Exception {
    JettyTestServer s = start(withBasicAuth(RenInitializerTest.bare("ren.bindings", "kv", "ren.access",
        "container", "ren.access.rules", RULES)));
    RenSecurity sec = security(s);
    assertFalse(sec.isOpen());
    SseTestClient rita = stream(s, basic("rita"));
    SseTestClient nora = stream(s, basic("nora"));
    SseTestClient ada = stream(s, basic("ada"));
    SseTestClient anonymous = stream(s, Map.of());
    RenHub hub = hub(s);
    hub.publish(RenEvent.kvPut("todos", "t1", "1"));
    hub.publish(RenEvent.kvPut("secret", "s1", "1"));
    hub.publish(RenEvent.kvPut("public", "p1", "1"));
    hub.publish(RenEvent.kvPut("public", END, "1"));
    assertEquals(List.of("t1", "p1"), untilEnd(rita)); // reader of todos, by the container's role
    assertEquals(List.of("p1"), untilEnd(nora)); // authenticated, no role
    assertEquals(List.of("t1", "s1", "p1"), untilEnd(ada)); // admin
    assertEquals(List.of("p1"), untilEnd(anonymous));
    // what the bindings will be told (each binding's tests cover its routes)
    RenCaller reader = RenCaller.user("rita", Set.of("reader"), null);
    RenCaller writer = RenCaller.user("wes", Set.of("writer"), null);
    assertTrue(sec.allows(reader, RenOperation.KV_GET, RenResource.kv("todos", "t1")));
    assertFalse(sec.allows(reader, RenOperation.KV_PUT, RenResource.kv("todos", "t1")));
    assertTrue(sec.allows(writer, RenOperation.KV_PUT, RenResource.kv("todos", "t1")));
    assertFalse(sec.allows(writer, RenOperation.KV_PUT, RenResource.kv("public", "p1")));
    assertFalse(sec.allows(RenCaller.anonymous(), RenOperation.KV_GET, RenResource.kv("todos", "t1")));
    assertTrue(sec.allows(RenCaller.anonymous(), RenOperation.KV_GET, RenResource.kv("public", "p1")));
  }

  @Test
  void onStartup_rulesOnOneLineWithSemicolonsAndOwned_parseToTheSamePolicy() throws Exception {
    JettyTestServer s = start(RenInitializerTest.bare("ren.bindings", "kv", "ren.access", "container",
        "ren.access.rules", "readwrite db notes *authenticated; owned db notes; admin admin,root"));
    RenSecurity sec = security(s);
    RenCaller alice = RenCaller.user("alice", Set.of(), null);
    RenCaller bob = RenCaller.user("bob", Set.of(), null);
    assertTrue(sec.allows(alice, RenOperation.DB_INSERT, RenResource.db("notes", null, null)));
    assertTrue(sec.allows(alice, RenOperation.DB_UPDATE, RenResource.db("notes", "n1", "alice")));
    assertFalse(sec.allows(bob, RenOperation.DB_UPDATE, RenResource.db("notes", "n1", "alice")), "owned");
    assertTrue(sec.allows(RenCaller.user("carl", Set.of("root"), null), RenOperation.DB_UPDATE,
        RenResource.db("notes", "n1", "alice")), "admin");
    assertFalse(sec.allows(RenCaller.anonymous(), RenOperation.DB_FIND, RenResource.db("notes", null, null)));
  }

  // ------------------------------------------------------------------------------------------------ tenants

  @Test
  void onStartup_tenantHeader_eachStreamSeesOnlyItsTenant() throws Exception {
    JettyTestServer s = start(RenInitializerTest.bare("ren.access", "open", "ren.tenantHeader", "X-Tenant-Id"));
    SseTestClient a = stream(s, Map.of("X-Tenant-Id", "a"));
    SseTestClient b = stream(s, Map.of("X-Tenant-Id", "b"));
    SseTestClient none = stream(s, Map.of());
    RenHub hub = hub(s);
    hub.publish(RenEvent.kvPut("todos", "a1", "1").withTenant("a"));
    hub.publish(RenEvent.kvPut("todos", "b1", "1").withTenant("b"));
    hub.publish(RenEvent.kvPut("todos", "d1", "1"));
    for (String t : new String[] {"a", "b", null}) {
      hub.publish(RenEvent.kvPut("todos", END, "1").withTenant(t));
    }
    assertEquals(List.of("a1"), untilEnd(a));
    assertEquals(List.of("b1"), untilEnd(b));
    assertEquals(List.of("d1"), untilEnd(none));
  }

  @Test
  void onStartup_maxStreamsPerCaller_isTheSecuritysBound() throws Exception {
    JettyTestServer s = start(RenInitializerTest.bare("ren.access", "open", "ren.maxStreamsPerCaller", "500"));
    assertEquals(500, security(s).maxStreamsPerCaller());
    JettyTestServer d = start(RenInitializerTest.bare("ren.access", "open"));
    assertEquals(RenSecurity.DEFAULT_MAX_STREAMS_PER_CALLER, security(d).maxStreamsPerCaller());
  }

  @Test
  void onStartup_withoutTenantHeader_theHeaderIsIgnored() throws Exception {
    JettyTestServer s = start(RenInitializerTest.bare("ren.access", "open"));
    SseTestClient forged = stream(s, Map.of("X-Tenant-Id", "a"));
    RenHub hub = hub(s);
    hub.publish(RenEvent.kvPut("todos", "a1", "1").withTenant("a"));
    hub.publish(RenEvent.kvPut("todos", END, "1"));
    assertEquals(List.of(), untilEnd(forged));
  }

  // ------------------------------------------------------------------------------------------------ the app's own

  @Test
  void onStartup_appInstalledSecurity_isUsedAsItIsAndLeftInPlace() throws Exception {
    RenSecurity app = RenSecurity.builder(AccessRules.builder().read("kv", "public", AccessRules.ANYONE).build())
        .build();
    JettyTestServer s = RenInitializerTest.bare("ren.bindings", "kv,realtime");
    s.context().setAttribute(RenSecurity.ATTRIBUTE, app);
    start(s);
    assertSame(app, security(s));
    SseTestClient anonymous = stream(s, Map.of());
    hub(s).publish(RenEvent.kvPut("todos", "t1", "1"));
    hub(s).publish(RenEvent.kvPut("public", END, "1"));
    assertEquals(List.of(), untilEnd(anonymous));
    s.close();
    assertSame(app, servletContext(s).getAttribute(RenSecurity.ATTRIBUTE), "the application's, left in place");
  }

  @Test
  void onStartup_streamOnlyWithoutAccess_startsAndWarns() throws Exception {
    try (Warnings warnings = new Warnings(DropinAccess.class.getName())) {
      JettyTestServer s = start(RenInitializerTest.bare());
      SseTestClient c = stream(s, Map.of());
      hub(s).publish(RenEvent.kvPut("todos", END, "1"));
      assertEquals(List.of(), untilEnd(c));
      assertNull(security(s));
      assertTrue(warnings.all().stream().anyMatch(w -> w.contains("runs without access control")),
          warnings.all()::toString);
    }
  }

  /** Warnings logged by one logger (java.util.logging backs System.Logger in these tests) while open. */
  static final class Warnings implements AutoCloseable {
    private final Logger logger; // held strongly: java.util.logging keeps loggers only weakly
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
          seen.add(r.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };

    Warnings(String name) {
      logger = Logger.getLogger(name);
      logger.addHandler(handler);
    }

    List<String> all() {
      return List.copyOf(seen);
    }

    @Override
    public void close() {
      logger.removeHandler(handler);
    }
  }
}
