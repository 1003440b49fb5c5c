package dev.ren.servlet.dropin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.servlet.http.HttpError;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.TestJson;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ren.errorPage} with the application's default error page pointing at it (what the WAR's web.xml does):
 * the container's own errors answer REN's JSON error, without the container's message, exception or version.
 */
class JsonErrorServletTest {

  static final String SECRET = "/var/lib/secret/path";
  final HttpClient http = HttpClient.newHttpClient();

  /** A servlet that fails the way application code does, each mentioning a filesystem path. */
  static final class Failing extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if (req.getRequestURI().endsWith("/throw")) {
        throw new IllegalStateException("cannot open " + SECRET);
      }
      resp.sendError(409, "conflict at " + SECRET);
    }
  }

  static JettyTestServer server() {
    JettyTestServer s = new JettyTestServer().servlet("/fail/*", new Failing());
    s.context().setInitParameter("ren.errorPage", "/ren-error");
    ErrorPageErrorHandler pages = new ErrorPageErrorHandler();
    pages.addErrorPage(ErrorPageErrorHandler.GLOBAL_ERROR_PAGE, "/ren-error");
    s.context().setErrorHandler(pages);
    s.context().addServletContainerInitializer(new RenInitializer());
    return s.start();
  }

  HttpResponse<String> get(JettyTestServer s, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(s.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void assertJsonError(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers()
        .toString());
    JsonNode body = TestJson.parse(r.body());
    assertEquals(code, body.get("error").asText(), r.body());
    assertTrue(body.get("message").isTextual(), r.body());
    assertFalse(r.body().contains("<"), r.body());
    assertFalse(r.body().contains(SECRET), r.body());
    assertFalse(r.body().contains("Exception"), r.body());
    assertFalse(r.body().toLowerCase(java.util.Locale.ROOT).contains("jetty"), r.body());
  }

  @Test
  void containerError_unmappedPath_isJson404() throws Exception {
    try (JettyTestServer s = server()) {
      assertJsonError(get(s, "/no/such/thing"), 404, "not_found");
    }
  }

  @Test
  void containerError_servletThrows_isJson500WithoutTheException() throws Exception {
    try (JettyTestServer s = server()) {
      assertJsonError(get(s, "/fail/throw"), 500, "internal_error");
    }
  }

  @Test
  void containerError_sendErrorWithMessage_isJsonWithoutTheMessage() throws Exception {
    try (JettyTestServer s = server()) {
      assertJsonError(get(s, "/fail/conflict"), 409, "client_error");
    }
  }

  @Test
  void service_requestedDirectly_isJson404() throws Exception {
    try (JettyTestServer s = server()) {
      assertJsonError(get(s, "/ren-error"), 404, "not_found");
    }
  }

  @Test
  void forStatus_everyStatus_hasACodeAndKeepsErrorStatuses() {
    for (int status = 400; status < 600; status++) {
      assertEquals(status, HttpError.forStatus(status).status());
      assertFalse(HttpError.forStatus(status).code().isEmpty());
    }
    assertEquals(500, HttpError.forStatus(200).status());
  }
}
