package dev.ren.servlet.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.servlet.Cors;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks every binding inherits from {@link JsonServlet}, on a small subclass behind real Jetty. */
class JsonServletTest {

  final HttpClient http = HttpClient.newHttpClient();
  JettyTestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Echoes the JSON it read; counts the requests it acted on. */
  static final class EchoServlet extends JsonServlet {
    final AtomicInteger handled = new AtomicInteger();

    EchoServlet() {
      super(null, RenSecurity.open());
    }

    EchoServlet(RequestBodyLimits limits) {
      super(limits, RenSecurity.open());
    }

    /** Security from the servlet context only. */
    EchoServlet(boolean fromContext) {
      super();
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      JsonNode body = readJson(req, DEFAULT_MAX_BODY);
      handled.incrementAndGet();
      writeJson(resp, 200, body);
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      JsonNode filter = readJsonObject(req, DEFAULT_MAX_BODY, true);
      handled.incrementAndGet();
      writeJson(resp, 200, filter);
    }

    /** A raw-bytes route: streams the body and answers its length. */
    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      long n;
      try (java.io.InputStream in = bodyStream(req)) {
        n = in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      handled.incrementAndGet();
      writeJson(resp, 200, java.util.Map.of("bytes", n));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      switch (rawRest(req)) {
        case "io" -> throw new IOException("cannot open /secret/data/dir/object.bin");
        case "state" -> throw new IllegalStateException("broken at /secret/data/dir");
        default -> writeJson(resp, 200, TestJson.parse("{\"ok\":true}"));
      }
    }
  }

  EchoServlet start(EchoServlet servlet) {
    server = new JettyTestServer().servlet("/echo/*", servlet).start();
    return servlet;
  }

  HttpResponse<String> send(String method, String path, String contentType, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) {
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.toString());
    return TestJson.parse(r.body());
  }

  // ---- finding 10: trailing content, nesting depth

  @Test
  void readJson_trailingContentAfterTheValue_is400() throws Exception {
    EchoServlet s = start(new EchoServlet());
    for (String body : new String[] {"{\"a\":1} xyz", "{\"a\":1} {\"b\":2}", "[1] 2", "1 2"}) {
      HttpResponse<String> r = send("POST", "/echo", "application/json", body);
      assertEquals(400, r.statusCode(), body);
      assertEquals("invalid_json", json(r).get("error").asText(), body);
    }
    assertEquals(200, send("POST", "/echo", "application/json", "{\"a\":1}  \n").statusCode());
    assertEquals(1, s.handled.get());
  }

  @Test
  void readJson_tenThousandOpenBrackets_is400NotStackOverflow() throws Exception {
    start(new EchoServlet());
    HttpResponse<String> r = send("POST", "/echo", "application/json", "[".repeat(10_000) + "]".repeat(10_000));
    assertEquals(400, r.statusCode());
    assertEquals("invalid_json", json(r).get("error").asText());
    assertTrue(json(r).get("message").asText().contains("nesting depth"), r.body());
  }

  @Test
  void readJson_nestingAtTheLimit_isAcceptedOneDeeperIsNot() throws Exception {
    start(new EchoServlet());
    int max = JsonServlet.MAX_JSON_DEPTH;
    assertEquals(200, send("POST", "/echo", "application/json", "[".repeat(max) + "]".repeat(max)).statusCode());
    assertEquals(400,
        send("POST", "/echo", "application/json", "[".repeat(max + 1) + "]".repeat(max + 1)).statusCode());
    String objects = "{\"a\":".repeat(max + 1) + "1" + "}".repeat(max + 1);
    assertEquals(400, send("POST", "/echo", "application/json", objects).statusCode());
  }

  @Test
  void readJson_moreTokensThanTheLimit_is413AndHandlerNeverRuns() throws Exception {
    EchoServlet s = start(new EchoServlet(RequestBodyLimits.builder().maxJsonTokens(10).build()));
    assertEquals(200, send("POST", "/echo", "application/json", "[1,2,3,4,5,6,7,8]").statusCode()); // 10 tokens
    HttpResponse<String> r = send("POST", "/echo", "application/json", "[1,2,3,4,5,6,7,8,9]");
    assertEquals(413, r.statusCode(), r.body());
    assertEquals("payload_too_large", json(r).get("error").asText());
    assertTrue(json(r).get("message").asText().contains("maxJsonTokens"), r.body());
    assertEquals(1, s.handled.get());
  }

  @Test
  void readJson_smallBodyOfManyEmptyObjects_is413UnderTheDefaultLimit() throws Exception {
    EchoServlet s = start(new EchoServlet());
    // 600 KB that would be a tree of about 18 MB: 120,001 tokens, over the default 100,000
    String body = "[" + "{},".repeat(60_000) + "{}]";
    HttpResponse<String> r = send("POST", "/echo", "application/json", body);
    assertEquals(413, r.statusCode(), r.body());
    assertEquals(0, s.handled.get());
    String fits = "[" + "{},".repeat(49_000) + "{}]"; // 98,002 tokens
    assertEquals(200, send("POST", "/echo", "application/json", fits).statusCode());
  }

  // ---- finding 9: media type

  @Test
  void readJson_notJsonContentType_is415AndHandlerNeverRuns() throws Exception {
    EchoServlet s = start(new EchoServlet());
    for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
        "application/json; charset=iso-8859-1", "application/jsonx", "text/json", null}) {
      HttpResponse<String> r = send("POST", "/echo", type, "{\"a\":1}");
      assertEquals(415, r.statusCode(), String.valueOf(type));
      assertEquals("unsupported_media_type", json(r).get("error").asText());
      HttpResponse<String> d = send("DELETE", "/echo", type, "{\"a\":1}");
      assertEquals(415, d.statusCode(), String.valueOf(type));
    }
    assertEquals(0, s.handled.get());
  }

  @Test
  void readJson_jsonContentTypes_areAccepted() throws Exception {
    EchoServlet s = start(new EchoServlet());
    for (String type : new String[] {"application/json", "application/json; charset=utf-8",
        "Application/JSON;charset=\"UTF-8\"", "application/merge-patch+json", "application/vnd.api+json"}) {
      HttpResponse<String> r = send("POST", "/echo", type, "{\"a\":1}");
      assertEquals(200, r.statusCode(), type);
      assertEquals(1, json(r).get("a").asInt());
    }
    assertEquals(5, s.handled.get());
  }

  @Test
  void readJsonObject_optionalAndNoBody_needsNoContentType() throws Exception {
    EchoServlet s = start(new EchoServlet());
    HttpResponse<String> r = send("DELETE", "/echo", null, null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{}", r.body());
    assertEquals(1, s.handled.get());
  }

  @Test
  void isJson_mediaTypes_onlyJsonWithUtf8() {
    assertTrue(RequestChecks.isJson("application/json"));
    assertTrue(RequestChecks.isJson("application/problem+json; charset=UTF-8"));
    assertFalse(RequestChecks.isJson("application/+json"));
    assertFalse(RequestChecks.isJson("text/plain; application/json"));
    assertFalse(RequestChecks.isJson("application/json; charset=utf-16"));
    assertFalse(RequestChecks.isJson(null));
  }

  // ---- finding 9: Origin of mutations

  void startWithCors(EchoServlet servlet) {
    server = new JettyTestServer().filter("/*", new RenClientFilter(Cors.allow("http://app.example")))
        .servlet("/echo/*", servlet).start();
  }

  @Test
  void mutation_foreignOriginWithAllowlist_is403AndHandlerNeverRuns() throws Exception {
    EchoServlet s = new EchoServlet();
    startWithCors(s);
    for (String method : new String[] {"POST", "DELETE", "PUT", "PATCH"}) {
      HttpResponse<String> r = send(method, "/echo", "application/json", "{}", "Origin", "http://evil.example");
      assertEquals(403, r.statusCode(), method);
      assertEquals("origin_not_allowed", json(r).get("error").asText());
    }
    assertEquals(403, send("POST", "/echo", "application/json", "{}", "Origin", "null").statusCode());
    assertEquals(0, s.handled.get());
  }

  @Test
  void mutation_allowedSameOrNoOrigin_passes() throws Exception {
    EchoServlet s = new EchoServlet();
    startWithCors(s);
    assertEquals(200, send("POST", "/echo", "application/json", "{}", "Origin", "http://app.example").statusCode());
    assertEquals(200, send("POST", "/echo", "application/json", "{}").statusCode());
    String self = "http://127.0.0.1:" + server.port();
    assertEquals(200, send("POST", "/echo", "application/json", "{}", "Origin", self).statusCode());
    // reads are not mutations
    assertEquals(200, send("GET", "/echo", null, null, "Origin", "http://evil.example").statusCode());
    assertEquals(3, s.handled.get());
  }

  @Test
  void mutation_foreignOriginWithoutAllowlist_passes() throws Exception {
    EchoServlet s = new EchoServlet();
    server = new JettyTestServer().filter("/*", new RenClientFilter()).servlet("/echo/*", s).start();
    assertEquals(200, send("POST", "/echo", "application/json", "{}", "Origin", "http://evil.example").statusCode());
  }

  // ---- finding 7: slow bodies

  /**
   * A nano source that counts its uses: readBody reads it once to start and once after each chunk that does not
   * complete the body, so the test knows when the server has taken a byte in.
   */
  static LongSupplier observed(ManualClock clock, AtomicInteger uses) {
    LongSupplier nanos = clock.nanoSource();
    return () -> {
      uses.incrementAndGet();
      return nanos.getAsLong();
    };
  }

  static void awaitUses(AtomicInteger uses, int n) {
    Waits.until(() -> uses.get() >= n);
  }

  @Test
  void readBody_oneByteAtATimePastTheTimeout_is408AndOthersAreServed() throws Exception {
    ManualClock clock = new ManualClock(0);
    AtomicInteger uses = new AtomicInteger();
    EchoServlet slowOnes = new EchoServlet(RequestBodyLimits.builder().timeout(Duration.ofSeconds(30))
        .minBytesPerSecond(0).nanoSource(observed(clock, uses)).build());
    EchoServlet others = new EchoServlet();
    server = new JettyTestServer().servlet("/echo/*", slowOnes).servlet("/other/*", others).start();
    try (RawHttp slow = new RawHttp(server.port())) {
      slow.head("POST", "/echo", "Content-Type: application/json", "Content-Length: 20").send("[");
      awaitUses(uses, 2); // the read started and took the first byte
      // the slow body holds one thread; everyone else is served meanwhile
      assertEquals(200, send("POST", "/other", "application/json", "{\"other\":1}").statusCode());
      clock.advance(Duration.ofSeconds(29));
      slow.send("1");
      awaitUses(uses, 3); // "1" was taken in at 29 s: still in time
      clock.advance(Duration.ofSeconds(2));
      slow.send(",");
      RawHttp.Response r = slow.response();
      assertEquals(408, r.status());
      assertEquals("close", r.headers().get("connection"));
      assertEquals("request_timeout", TestJson.parse(r.body()).get("error").asText());
      assertTrue(r.body().contains("30000 ms"), r.body());
    }
    assertEquals(200, send("POST", "/other", "application/json", "{\"after\":1}").statusCode());
    assertEquals(0, slowOnes.handled.get());
    assertEquals(2, others.handled.get());
  }

  @Test
  void readBody_belowTheMinimumRateAfterTheGrace_is408() throws Exception {
    ManualClock clock = new ManualClock(0);
    AtomicInteger uses = new AtomicInteger();
    EchoServlet s = start(new EchoServlet(RequestBodyLimits.builder().minBytesPerSecond(100)
        .grace(Duration.ofSeconds(5)).nanoSource(observed(clock, uses)).build()));
    try (RawHttp slow = new RawHttp(server.port())) {
      slow.head("POST", "/echo", "Content-Type: application/json", "Content-Length: 2000").send("[1,2,3,");
      awaitUses(uses, 2); // the read started and took the first byte
      clock.advance(Duration.ofSeconds(4)); // within the grace: 9 bytes in 4 s is let through
      slow.send("4,");
      awaitUses(uses, 3);
      clock.advance(Duration.ofSeconds(2));
      slow.send("5,");
      RawHttp.Response r = slow.response();
      assertEquals(408, r.status());
      assertTrue(r.body().contains("too slowly"), r.body());
    }
    assertEquals(0, s.handled.get());
  }

  @Test
  void readBody_clientFallsSilent_containerIdleTimeoutAnswersJson408() throws Exception {
    EchoServlet s = new EchoServlet();
    server = new JettyTestServer().servlet("/echo/*", s);
    ((ServerConnector) server.server().getConnectors()[0]).setIdleTimeout(300);
    server.start();
    try (RawHttp slow = new RawHttp(server.port())) {
      slow.head("POST", "/echo", "Content-Type: application/json", "Content-Length: 20").send("[1,");
      RawHttp.Response r = slow.response();
      assertEquals(408, r.status(), r.body());
      assertEquals("request_timeout", TestJson.parse(r.body()).get("error").asText());
    }
    assertEquals(0, s.handled.get());
  }

  @Test
  void readBody_completeBodyAfterTheGrace_isNotRefused() throws Exception {
    ManualClock clock = new ManualClock(0);
    AtomicInteger uses = new AtomicInteger();
    EchoServlet s = start(new EchoServlet(RequestBodyLimits.builder().minBytesPerSecond(1_000_000)
        .grace(Duration.ZERO).nanoSource(observed(clock, uses)).build()));
    try (RawHttp client = new RawHttp(server.port())) {
      client.head("POST", "/echo", "Content-Type: application/json", "Content-Length: 7").send("[1,");
      awaitUses(uses, 2);
      clock.advance(Duration.ofMillis(1)); // 3 bytes in 1 ms is below the rate, but it is the last chunk
      // the first check (after "[1,") saw elapsed 0; the rest completes the body, which is never refused
      client.send("2,3]");
      assertEquals(200, client.response().status());
    }
    assertEquals(1, s.handled.get());
  }

  @Test
  void bodyStream_rawUploadPastTheTimeout_is408() throws Exception {
    ManualClock clock = new ManualClock(0);
    AtomicInteger uses = new AtomicInteger();
    EchoServlet s = start(new EchoServlet(RequestBodyLimits.builder().timeout(Duration.ofSeconds(30))
        .nanoSource(observed(clock, uses)).build()));
    try (RawHttp slow = new RawHttp(server.port())) {
      slow.head("PUT", "/echo", "Content-Type: application/octet-stream", "Content-Length: 1000").send("abc");
      awaitUses(uses, 2);
      clock.advance(Duration.ofSeconds(31));
      slow.send("d");
      RawHttp.Response r = slow.response();
      assertEquals(408, r.status());
      assertEquals("request_timeout", TestJson.parse(r.body()).get("error").asText());
    }
    assertEquals(0, s.handled.get());
    HttpResponse<String> ok = send("PUT", "/echo", "application/octet-stream", "x".repeat(5000));
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(5000, json(ok).get("bytes").asInt());
  }

  @Test
  void readBody_brokenChunkedEncoding_isJson400Not500() throws Exception {
    EchoServlet s = start(new EchoServlet());
    try (RawHttp c = new RawHttp(server.port())) {
      c.head("POST", "/echo", "Content-Type: application/json", "Transfer-Encoding: chunked").send("2\r\n[1\r\nZZ\r\n");
      RawHttp.Response r = c.response();
      assertEquals(400, r.status(), r.body());
      assertEquals("application/json", r.headers().get("content-type").split(";")[0]);
    }
    assertEquals(0, s.handled.get());
  }

  // ---- every error is JSON without paths or stack traces

  @Test
  void errors_handlerIoExceptionOrBug_isJson500WithoutPathOrTrace() throws Exception {
    start(new EchoServlet());
    for (String path : new String[] {"/echo/io", "/echo/state"}) {
      HttpResponse<String> r = send("GET", path, null, null);
      assertEquals(500, r.statusCode());
      assertEquals("internal_error", json(r).get("error").asText());
      assertFalse(r.body().contains("secret"), r.body());
      assertFalse(r.body().contains("Exception"), r.body());
    }
  }

  @Test
  void errors_unsupportedMethods_areJson405() throws Exception {
    start(new EchoServlet());
    for (String method : new String[] {"PATCH", "TRACE", "BREW"}) {
      HttpResponse<String> r = send(method, "/echo", "application/json", "{}");
      assertEquals(405, r.statusCode(), method);
      assertEquals("method_not_allowed", json(r).get("error").asText());
    }
  }

  @Test
  void limits_repeatedOrInvalidSetting_failsNamingTheValue() {
    RequestBodyLimits.Builder b = RequestBodyLimits.builder().timeout(Duration.ofSeconds(5));
    assertEquals("timeout was already set to PT5S",
        assertThrows(IllegalStateException.class, () -> b.timeout(Duration.ofSeconds(6))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RequestBodyLimits.builder().timeout(Duration.ZERO)).getMessage().contains("PT0S"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RequestBodyLimits.builder().minBytesPerSecond(-1)).getMessage().contains("was -1"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RequestBodyLimits.builder().grace(Duration.ofSeconds(-1))).getMessage().contains("PT-1S"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RequestBodyLimits.builder().maxJsonTokens(0)).getMessage().contains("was 0"));
    RequestBodyLimits.Builder t = RequestBodyLimits.builder().maxJsonTokens(5);
    assertEquals("maxJsonTokens was already set to 5",
        assertThrows(IllegalStateException.class, () -> t.maxJsonTokens(6)).getMessage());
    RequestBodyLimits d = RequestBodyLimits.defaults();
    assertEquals(100_000, d.maxJsonTokens());
    assertEquals(Duration.ofSeconds(30), d.timeout());
    assertEquals(1024, d.minBytesPerSecond());
    assertEquals(Duration.ofSeconds(5), d.grace());
  }

  @Test
  void limits_fromServletContextAttribute_usedWhenNoneGiven() throws Exception {
    ManualClock clock = new ManualClock(0);
    AtomicInteger uses = new AtomicInteger();
    EchoServlet s = new EchoServlet();
    server = new JettyTestServer().servlet("/echo/*", s);
    server.context().setAttribute(RequestBodyLimits.ATTRIBUTE, RequestBodyLimits.builder()
        .timeout(Duration.ofSeconds(1)).nanoSource(observed(clock, uses)).build());
    server.start();
    try (RawHttp slow = new RawHttp(server.port())) {
      slow.head("POST", "/echo", "Content-Type: application/json", "Content-Length: 20").send("[");
      awaitUses(uses, 2);
      clock.advance(Duration.ofSeconds(2));
      slow.send("1");
      assertEquals(408, slow.response().status());
    }
    assertEquals(Duration.ofSeconds(1), s.bodyLimits().timeout());
  }

  @Test
  void init_noSecurityGivenOrInstalled_refusesToStartSayingHow() {
    EchoServlet s = new EchoServlet(true);
    jakarta.servlet.ServletException e = assertThrows(jakarta.servlet.ServletException.class,
        () -> s.init(new FakeConfig(new org.eclipse.jetty.ee10.servlet.ServletContextHandler().getServletContext())));
    assertTrue(e.getMessage().contains("no access policy is configured"), e.getMessage());
    assertTrue(e.getMessage().contains("ren.access=open"), e.getMessage());
    assertTrue(e.getMessage().contains("RenSecurity.builder"), e.getMessage());
  }

  @Test
  void init_securityInstalledInContext_isUsed() throws Exception {
    EchoServlet s = new EchoServlet(true);
    RenSecurity open = RenSecurity.open();
    server = new JettyTestServer().servlet("/echo/*", s).attribute(RenSecurity.ATTRIBUTE, open).start();
    assertEquals(200, send("GET", "/echo/x", null, null).statusCode());
    assertTrue(s.security() == open);
  }

  /** The least a servlet's init needs. */
  record FakeConfig(jakarta.servlet.ServletContext ctx) implements jakarta.servlet.ServletConfig {
    @Override public String getServletName() { return "echo"; }
    @Override public jakarta.servlet.ServletContext getServletContext() { return ctx; }
    @Override public String getInitParameter(String name) { return null; }
    @Override public java.util.Enumeration<String> getInitParameterNames() { return java.util.Collections.emptyEnumeration(); }
  }
}
