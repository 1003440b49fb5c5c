package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15: every error the demo's container produces itself is REN's JSON error, with no HTML, no filesystem
 * path, no stack trace and no server version, whether Jetty refuses the request before the servlet context (bad
 * URI, bad header, headers or URI too large) or inside it (no such resource, method not allowed).
 */
class DemoServerErrorsTest {

  @TempDir
  static Path data;
  static DemoServer demo;

  @BeforeAll
  static void start() throws Exception {
    demo = new DemoServer(DemoServer.Options.parse("--port", "0", "--data", data.toString())).start();
  }

  @AfterAll
  static void stop() {
    demo.close();
  }

  static Stream<Arguments> containerErrors() {
    String big = "x".repeat(20 * 1024);
    return Stream.of(
        Arguments.of("unmapped path", "GET /no/such/file.txt HTTP/1.1\r\nHost: a\r\n\r\n", 404, "not_found"),
        Arguments.of("NUL in the path", "GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Arguments.of("path escaping the root", "GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400,
            "bad_request"),
        Arguments.of("bad header", "GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", 400, "bad_request"),
        Arguments.of("no Host", "GET / HTTP/1.1\r\n\r\n", 400, "bad_request"),
        Arguments.of("headers too large", "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n", 431,
            "headers_too_large"),
        Arguments.of("URI too long", "GET /" + big + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri_too_long"),
        Arguments.of("method on a static file", "DELETE /index.html HTTP/1.1\r\nHost: a\r\n\r\n", 405,
            "method_not_allowed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containerErrors")
  void containerError_any_isJsonWithoutInternals(String what, String request, int status, String code)
      throws Exception {
    RawHttp.Reply r = RawHttp.exchange(demo.uri(), request);
    assertEquals(status, r.status(), what + ": " + r.body());
    assertTrue(r.header("Content-Type").startsWith("application/json"), what + ": " + r.headers());
    JsonNode body = TestJson.parse(r.body());
    assertEquals(code, body.get("error").asText(), r.body());
    assertTrue(body.get("message").isTextual(), r.body());
    assertFalse(r.body().contains("<"), r.body());
    assertFalse(r.body().contains(data.toString()), r.body());
    assertFalse(r.body().contains("Exception"), r.body());
    assertFalse((r.body() + r.header("Server")).toLowerCase(Locale.ROOT).contains("jetty"), r.body() + r.headers());
  }
}
