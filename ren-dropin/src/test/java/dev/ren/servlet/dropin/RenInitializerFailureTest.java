package dev.ren.servlet.dropin;

import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RenThreads;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way the drop-in refuses to deploy: the container's start fails with the initializer's exception, whose
 * message names the problem, and nothing the initializer created is left running.
 */
class RenInitializerFailureTest {

  @TempDir
  Path data;

  /** Starts {@code s}, expects the start to fail, and returns the initializer's exception. */
  static ServletException startupFailure(JettyTestServer s) {
    IllegalStateException e = assertThrows(IllegalStateException.class, s::start);
    try {
      s.server().stop();
    } catch (Exception ignored) {
      // it never fully started; stopping releases the connector
    }
    List<Throwable> seen = new ArrayList<>();
    collect(e, seen);
    for (Throwable t : seen) {
      if (t instanceof ServletException se && t.getStackTrace().length > 0
          && t.getStackTrace()[0].getClassName().startsWith("dev.ren.servlet.dropin.")) {
        return se;
      }
    }
    throw new AssertionError("no ServletException from the initializer among " + seen, e);
  }

  private static void collect(Throwable t, List<Throwable> into) {
    if (into.contains(t)) {
      return;
    }
    into.add(t);
    if (t.getCause() != null) {
      collect(t.getCause(), into);
    }
    for (Throwable s : t.getSuppressed()) {
      collect(s, into);
    }
  }

  static void assertMentions(Throwable e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
    }
  }

  /** A class loader that cannot see classes whose name starts with {@code prefix}: a WAR without that module. */
  static ClassLoader hiding(String prefix) {
    return new ClassLoader(RenInitializerFailureTest.class.getClassLoader()) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(prefix)) {
          throw new ClassNotFoundException(name);
        }
        return super.loadClass(name, resolve);
      }
    };
  }

  /** In open mode ({@code ren.access=open}) unless {@code params} set {@code ren.access}. */
  JettyTestServer server(RenInitializer initializer, String... params) {
    JettyTestServer s = bare(initializer, params);
    if (s.context().getInitParameter("ren.access") == null) {
      s.context().setInitParameter("ren.access", "open");
    }
    return s;
  }

  /** Exactly these context parameters. */
  static JettyTestServer bare(RenInitializer initializer, String... params) {
    JettyTestServer s = new JettyTestServer();
    for (int i = 0; i < params.length; i += 2) {
      s.context().setInitParameter(params[i], params[i + 1]);
    }
    s.context().addServletContainerInitializer(initializer);
    return s;
  }

  JettyTestServer server(String... params) {
    return server(new RenInitializer(), params);
  }

  @Test
  void onStartup_unknownBinding_failsNamingItAndTheKnownOnes() {
    ServletException e = startupFailure(server("ren.bindings", "kv,mongo"));
    assertMentions(e, "'mongo'", "known: kv, db, storage, transforms, realtime");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "kv,kv      | names kv twice",
      "kv,,db     | empty name",
      "KV         | 'KV'"})
  void onStartup_malformedBindings_failNamingTheProblem(String bindings, String expected) {
    assertMentions(startupFailure(server("ren.bindings", bindings)), expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tables", "none", "put"})
  void onStartup_malformedStorageEventNames_failsNamingTheParameter(String names) {
    assertMentions(startupFailure(server("ren.bindings", "kv", "ren.storageEventNames", names)),
        "ren.storageEventNames", "table, object or both");
  }

  @ParameterizedTest
  @ValueSource(strings = {"fast", "0", "20/0", "-1", "20/40/60", "2000000"})
  void onStartup_malformedPublishRate_failsNamingTheParameter(String rate) {
    assertMentions(startupFailure(server("ren.bindings", "realtime", "ren.realtimePublishRate", rate)),
        "ren.realtimePublishRate");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "kv         | dev.ren.servlet.kv.       | dev.ren:ren-servlet-kv",
      "kv         | dev.ren.kv.               | dev.ren:ren-kv",
      "db         | dev.ren.servlet.db.       | dev.ren:ren-servlet-db",
      "storage    | dev.ren.servlet.storage.  | dev.ren:ren-servlet-storage",
      "transforms | dev.ren.servlet.storage.  | dev.ren:ren-servlet-storage",
      "transforms | dev.ren.transform.        | dev.ren:ren-storage",
      "realtime   | dev.ren.servlet.realtime. | dev.ren:ren-servlet-realtime",
      "realtime   | dev.ren.realtime.         | dev.ren:ren-realtime"})
  void onStartup_namedBindingModuleMissing_failsNamingTheArtifact(String binding, String hidden, String artifact) {
    RenThreads threads = RenThreads.snapshot();
    ServletException e = startupFailure(server(new RenInitializer(hiding(hidden)), "ren.bindings", binding,
        "ren.dataDir", data.toString()));
    assertMentions(e, "ren.bindings names " + binding, artifact);
    assertTrue(threads.started().isEmpty(), "checked before anything started: " + threads.started());
  }

  @Test
  void onStartup_unnamedBindingModuleMissing_starts() {
    try (JettyTestServer s = server(new RenInitializer(hiding("dev.ren.servlet.db.")), "ren.bindings", "kv")) {
      s.start();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"db", "storage", "transforms", "kv,realtime,db"})
  void onStartup_diskBindingWithoutDataDir_failsInsteadOfUsingTmp(String bindings) {
    ServletException e = startupFailure(server("ren.bindings", bindings));
    assertMentions(e, "ren.dataDir is not set", bindings.substring(bindings.lastIndexOf(',') + 1));
  }

  @Test
  void onStartup_relativeDataDir_fails() {
    assertMentions(startupFailure(server("ren.bindings", "db", "ren.dataDir", "data")),
        "ren.dataDir must be an absolute path, was 'data'");
  }

  @Test
  void onStartup_dataDirThatCannotBeCreated_failsNamingIt() throws Exception {
    Path file = Files.writeString(data.resolve("file"), "x");
    assertMentions(startupFailure(server("ren.bindings", "storage", "ren.dataDir", file.resolve("sub").toString())),
        "ren.dataDir " + file.resolve("sub") + " cannot be created");
  }

  @Test
  void onStartup_bindingMappingTaken_failsNamingPatternAndOwnerAndClosesWhatItCreated() {
    RenThreads threads = RenThreads.snapshot();
    JettyTestServer s = server("ren.bindings", "kv,db", "ren.dataDir", data.toString());
    s.context().addServlet(new ServletHolder("app-kv", servlet()), "/api/kv/*");
    ServletException e = startupFailure(s);
    assertMentions(e, "'ren-kv'", "[/api/kv/*]", "servlet 'app-kv'");
    threads.awaitNoneLeft(RenInitializerTest.WAIT);
  }

  @Test
  void onStartup_streamMappingTaken_failsNamingIt() {
    JettyTestServer s = server();
    s.context().addServlet(new ServletHolder("app-events", servlet()), "/api/maravilla/ren");
    assertMentions(startupFailure(s), "'ren-stream'", "/api/maravilla/ren", "servlet 'app-events'");
  }

  @Test
  void onStartup_servletNameTaken_failsNamingIt() {
    RenThreads threads = RenThreads.snapshot();
    JettyTestServer s = server("ren.bindings", "realtime");
    s.context().addServlet(new ServletHolder("ren-realtime", servlet()), "/elsewhere/*");
    assertMentions(startupFailure(s), "servlet 'ren-realtime'", "already has a servlet of that name");
    threads.awaitNoneLeft(RenInitializerTest.WAIT);
  }

  @Test
  void onStartup_filterNameTaken_failsNamingIt() {
    JettyTestServer s = server();
    FilterHolder other = new FilterHolder((req, resp, chain) -> chain.doFilter(req, resp));
    other.setName("ren-client");
    s.context().addFilter(other, "/*", EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
    assertMentions(startupFailure(s), "filter 'ren-client'", "already has a filter of that name");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ren.history         | lots  | ren.history must be an integer, was 'lots'",
      "ren.maxStreams      | 0     | ren.maxStreams must be in [1, 10000000], was 0",
      "ren.path            | api   | ren.path 'api' must be an absolute path",
      "ren.errorPage       | error | ren.errorPage 'error' must be an absolute path",
      "ren.enabled         | maybe | ren.enabled must be true or false, was 'maybe'",
      "ren.datadir         | /x    | unknown REN context parameter(s) [ren.datadir]"})
  void onStartup_badParameter_failsNamingItAndItsValue(String name, String value, String expected) {
    assertMentions(startupFailure(server(name, value)), expected);
  }

  // ------------------------------------------------------------------------------------------------ access

  @ParameterizedTest
  @ValueSource(strings = {"kv", "db", "storage", "transforms", "realtime", "kv,realtime"})
  void onStartup_bindingsWithoutAnyAccessConfigured_failsWithNotConfiguredAndStartsNothing(String bindings) {
    RenThreads threads = RenThreads.snapshot();
    ServletException e = startupFailure(bare(new RenInitializer(), "ren.bindings", bindings,
        "ren.dataDir", data.toString()));
    assertEquals(RenSecurity.NOT_CONFIGURED, e.getMessage());
    assertMentions(e, "ren.access=open", "ren.access=container with ren.access.rules");
    threads.awaitNoneLeft(RenInitializerTest.WAIT);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "ren.access | maybe | ren.access must be open or container, was 'maybe'",
      "ren.access | rules | ren.access must be open or container, was 'rules'",
      "ren.access | container | ren.access=container needs ren.access.rules",
      "ren.access.rules | read kv todos reader | ren.access.rules is set but ren.access is not set",
      "ren.tenantHeader | X Tenant | ren.tenantHeader 'X Tenant' is not a header name",
      "ren.maxStreamsPerCaller | 0 | ren.maxStreamsPerCaller must be an integer in [1, 10000000], was '0'",
      "ren.maxStreamsPerCaller | many | ren.maxStreamsPerCaller must be an integer in [1, 10000000], was 'many'"})
  void onStartup_badAccessParameter_failsNamingIt(String name, String value, String expected) {
    assertMentions(startupFailure(bare(new RenInitializer(), "ren.bindings", "kv", name, value)), expected);
  }

  @Test
  void onStartup_rulesWithOpen_failsSayingTheyWouldBeIgnored() {
    assertMentions(startupFailure(server("ren.access", "open", "ren.access.rules", "read kv todos reader")),
        "ren.access.rules is set but ren.access is 'open'");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "reed kv todos reader            | rule 1 'reed kv todos reader': unknown rule 'reed'; rules are read, write",
      "read kv todos                   | rule 1 'read kv todos': expected read <domain> <namespace> <role>",
      "read kv                         | expected read <domain> <namespace>",
      "read KV todos reader            | rule 1 'read KV todos reader': domain 'KV' must be * or [a-z0-9_-]{1,32}",
      "write kv to*do writer           | namespace pattern 'to*do' must be a name, a prefix ending in *, or *",
      "owned db                        | expected owned <domain> <namespace>",
      "owned db notes writer           | expected owned <domain> <namespace>",
      "admin                           | expected admin <role>",
      "admin *anyone                   | admin takes role names, not *anyone",
      "read kv todos bad!role          | role 'bad!role' must match",
      "read kv todos reader,           | role '' must match",
      "read kv todos reader;; wrte kv todos w | rule 3 'wrte kv todos w': unknown rule 'wrte'",
      "# nothing but a comment         | ren.access.rules holds no rule: everything would be refused"})
  void onStartup_ruleThatDoesNotParse_failsNamingTheRuleAndTheProblem(String rules, String expected) {
    assertMentions(startupFailure(server("ren.bindings", "kv", "ren.access", "container",
        "ren.access.rules", rules)), expected);
  }

  @Test
  void onStartup_appSecurityAndAccessParameter_failsSayingConfigureOnce() {
    JettyTestServer s = server("ren.bindings", "kv", "ren.access", "open");
    s.context().setAttribute(RenSecurity.ATTRIBUTE, RenSecurity.open());
    assertMentions(startupFailure(s), "the application installed its own RenSecurity", "ren.access is set");
    JettyTestServer t = bare(new RenInitializer(), "ren.bindings", "kv", "ren.tenantHeader", "X-Tenant-Id");
    t.context().setAttribute(RenSecurity.ATTRIBUTE, RenSecurity.open());
    assertMentions(startupFailure(t), "the application installed its own RenSecurity", "ren.tenantHeader");
  }

  @Test
  void onStartup_securityAttributeOfAnotherType_fails() {
    JettyTestServer s = bare(new RenInitializer(), "ren.bindings", "kv");
    s.context().setAttribute(RenSecurity.ATTRIBUTE, "open please");
    assertMentions(startupFailure(s), RenSecurity.ATTRIBUTE + " holds a java.lang.String");
  }

  @Test
  void onStartup_streamOnlyWithTenantHeaderButNoAccess_fails() {
    assertMentions(startupFailure(bare(new RenInitializer(), "ren.tenantHeader", "X-Tenant-Id")),
        "ren.tenantHeader is set but no access is configured");
  }

  @Test
  void onStartup_hubAttributeOfAnotherType_fails() {
    JettyTestServer s = server();
    s.context().setAttribute("dev.ren.hub.RenHub", "not a hub");
    assertMentions(startupFailure(s), "dev.ren.hub.RenHub holds a java.lang.String");
  }

  @Test
  void onStartup_failure_isAServletExceptionFromOnStartup() {
    ServletException e = startupFailure(server("ren.bindings", "nope"));
    assertEquals("onStartup", stackFrameIn(e, RenInitializer.class));
  }

  private static String stackFrameIn(Throwable e, Class<?> type) {
    for (StackTraceElement f : e.getStackTrace()) {
      if (f.getClassName().equals(type.getName())) {
        return f.getMethodName();
      }
    }
    return "none";
  }

  private static Servlet servlet() {
    return new HttpServlet() {
      private static final long serialVersionUID = 1L;
    };
  }
}
