package dev.ren.servlet.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.AppliedButNotPublishedException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Base of every HTTP binding: JSON in, JSON out, and errors in one place. A {@link HttpError} becomes its status
 * with {@code {"error","message"}}; an {@link IllegalArgumentException} from a store (bad key, bad filter, ...)
 * becomes {@code 400} with the exception's message; anything else is a logged {@code 500} that reveals nothing.
 *
 * <p>Thread-safety: stateless apart from configuration; safe for concurrent requests.
 */
public abstract class JsonServlet extends HttpServlet {

  /** This module's own mapper, configured once and never exposed. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final System.Logger LOG = System.getLogger(JsonServlet.class.getName());

  /** Default request body limit: 1 MiB. */
  public static final long DEFAULT_MAX_BODY = 1L << 20;

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    try {
      super.service(req, resp);
    } catch (RuntimeException e) {
      sendError(req, resp, toHttpError(req, e));
    }
  }

  /**
   * The one mapping from an exception to what the client sees. A binding overrides it to map its store's own
   * exceptions (a conflict, a missing object) and calls {@code super} for the rest:
   *
   * <ul>
   *   <li>{@link HttpError}: itself;</li>
   *   <li>{@link AppliedButNotPublishedException}: {@code 503 not_published} with {@code "applied":true};</li>
   *   <li>{@link IllegalArgumentException} (a bad key, filter or value): {@code 400 bad_request} with its
   *       message;</li>
   *   <li>anything else: a logged {@code 500} that reveals nothing.</li>
   * </ul>
   */
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof HttpError h) {
      return h;
    }
    if (e instanceof AppliedButNotPublishedException a) {
      LOG.log(Level.WARNING, req.getMethod() + " " + req.getRequestURI() + " was applied, its event was not"
          + " published", a.getCause());
      return HttpError.notPublished();
    }
    if (e instanceof IllegalArgumentException) {
      return HttpError.badRequest(String.valueOf(e.getMessage()));
    }
    LOG.log(Level.ERROR, "unexpected failure on " + req.getMethod() + " " + req.getRequestURI(), e);
    return new HttpError(500, "internal_error", "the server failed to handle this request");
  }

  /** {@link #sendError(HttpServletRequest, HttpServletResponse, int, String, String)} for an {@link HttpError}. */
  public static void sendError(HttpServletRequest req, HttpServletResponse resp, HttpError error)
      throws IOException {
    if (resp.isCommitted()) {
      return;
    }
    resp.resetBuffer();
    if (bodyMayBeUnread(req)) {
      resp.setHeader("Connection", "close");
    }
    error.headers().forEach(resp::setHeader);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("error", error.code());
    body.put("message", String.valueOf(error.getMessage()));
    error.details().forEach(body::putPOJO);
    writeJson(resp, error.status(), body);
  }

  /**
   * Writes {@code {"error": code, "message": message}} unless the response is already committed.
   *
   * <p>An error often answers before the request body was read (a bad key is refused from the path alone). The
   * container then closes the connection after the response, because it cannot reuse a connection with unread
   * bytes on it; without {@code Connection: close} a keep-alive client may send its next request on that
   * connection and get nothing back. So such an error says that the connection ends.
   */
  public static void sendError(HttpServletRequest req, HttpServletResponse resp, int status, String code,
      String message) throws IOException {
    sendError(req, resp, new HttpError(status, code, message));
  }

  private static boolean bodyMayBeUnread(HttpServletRequest req) throws IOException {
    if (req.getContentLengthLong() <= 0 && req.getHeader("Transfer-Encoding") == null) {
      return false;
    }
    try {
      return !req.getInputStream().isFinished();
    } catch (IllegalStateException readerInUse) {
      return true; // read through getReader(): whether all of it was read is not known here
    }
  }

  /** Writes a JSON body (UTF-8) with the given status. */
  public static void writeJson(HttpServletResponse resp, int status, Object body) throws IOException {
    byte[] bytes = body instanceof byte[] b ? b : MAPPER.writeValueAsBytes(body);
    resp.setStatus(status);
    resp.setContentType("application/json");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(bytes.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(bytes);
    }
  }

  /**
   * Reads the request body, failing with {@code 413} past {@code maxBytes} (checked while reading: a lying or
   * missing Content-Length cannot get more in).
   */
  public static byte[] readBody(HttpServletRequest req, long maxBytes) throws IOException {
    long declared = req.getContentLengthLong();
    if (declared > maxBytes) {
      throw HttpError.tooLarge("body is " + declared + " bytes; the limit is " + maxBytes);
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream(declared > 0 ? (int) declared : 256);
    byte[] chunk = new byte[8192];
    try (InputStream in = req.getInputStream()) {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        if (buf.size() + n > maxBytes) {
          throw HttpError.tooLarge("body exceeds the limit of " + maxBytes + " bytes");
        }
        buf.write(chunk, 0, n);
      }
    }
    return buf.toByteArray();
  }

  /** Reads and parses a JSON body; empty or malformed → {@code 400 invalid_json}. */
  public static JsonNode readJson(HttpServletRequest req, long maxBytes) throws IOException {
    byte[] body = readBody(req, maxBytes);
    if (body.length == 0) {
      throw new HttpError(400, "invalid_json", "request body is empty; expected JSON");
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new HttpError(400, "invalid_json", "request body is empty; expected JSON");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "invalid_json", "request body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  /** Reads a JSON body that must be an object (or is empty, giving an empty object when {@code optional}). */
  public static ObjectNode readJsonObject(HttpServletRequest req, long maxBytes, boolean optional) throws IOException {
    byte[] body = readBody(req, maxBytes);
    if (body.length == 0 && optional) {
      return JsonNodeFactory.instance.objectNode();
    }
    JsonNode node;
    try {
      node = body.length == 0 ? null : MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "invalid_json", "request body is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new HttpError(400, "invalid_json", "request body must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /**
   * The part of the request path after this servlet's mapping, taken from the raw URI and percent-decoded here,
   * so {@code a%2Fb} and {@code a/b} both yield {@code a/b} and no container decoding rule interferes.
   * Returns "" when nothing follows the mapping.
   */
  public static String rawRest(HttpServletRequest req) {
    String uri = req.getRequestURI();
    String prefix = req.getContextPath() + req.getServletPath();
    String rest = uri.length() > prefix.length() && uri.startsWith(prefix) ? uri.substring(prefix.length()) : "";
    // the container may have normalised servletPath; fall back to raw uri handling
    if (rest.startsWith("/")) {
      rest = rest.substring(1);
    }
    return rest;
  }

  /** Percent-decodes one path part as UTF-8 ({@code +} stays a plus); a malformed escape is a 400. */
  public static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    try {
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("malformed percent-encoding in path: " + raw);
    }
  }
}
