package dev.ren.servlet.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.AppliedButNotPublishedException;
import dev.ren.internal.Printable;
import dev.ren.servlet.security.InvalidCredentialsException;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Base of every HTTP binding: JSON in, JSON out, and errors in one place. A {@link HttpError} becomes its status
 * with {@code {"error","message"}}; an {@link IllegalArgumentException} from a store (bad key, bad filter, ...)
 * becomes {@code 400} with the exception's message; anything else is a logged {@code 500} that reveals nothing.
 * Every answer this class gives is JSON: an unsupported method is a JSON {@code 405}, an {@link IOException} of a
 * handler a logged JSON {@code 500}, never the container's HTML page with a path or a stack trace.
 *
 * <p>What it enforces for every binding:
 * <ul>
 *   <li>a body read through {@link #readJson}, {@link #readJsonObject} or {@link #readBody} arrives within the
 *       {@link RequestBodyLimits} ({@code 408 request_timeout} otherwise) and within the caller's byte limit
 *       ({@code 413});</li>
 *   <li>a route opts into "this body is JSON" by reading it with {@link #readJson} or {@link #readJsonObject}: a
 *       body whose {@code Content-Type} is not {@code application/json} or {@code application/*+json} (charset,
 *       if any, UTF-8) is refused with {@code 415 unsupported_media_type} before it is read, so a cross-site form
 *       or {@code text/plain} post changes nothing. Raw-bytes routes (a blob upload) read the stream
 *       themselves;</li>
 *   <li>a JSON value must be the whole body ({@code {"a":1} xyz} is a {@code 400}) and nest at most
 *       {@value #MAX_JSON_DEPTH} levels;</li>
 *   <li>when {@code dev.ren.servlet.RenClientFilter} runs with a CORS allowlist, a mutation ({@code POST},
 *       {@code PUT}, {@code DELETE}, {@code PATCH}) whose {@code Origin} is neither allowed nor this server's own
 *       host is refused with {@code 403 origin_not_allowed} before the handler runs. A request without
 *       {@code Origin} (not from a browser) passes.</li>
 * </ul>
 *
 * <p>Thread-safety: stateless apart from configuration; safe for concurrent requests.
 */
public abstract class JsonServlet extends HttpServlet {

  /** Deepest nesting of arrays and objects a JSON body may have; deeper is a {@code 400 invalid_json}. */
  public static final int MAX_JSON_DEPTH = 100;

  /**
   * Request attribute holding the CORS allowlist (a {@code Set<String>} of origins), set by
   * {@code dev.ren.servlet.RenClientFilter} when one is configured; mutations from other origins are refused.
   */
  public static final String ALLOWED_ORIGINS_ATTRIBUTE = "dev.ren.servlet.http.allowedOrigins";

  /** This module's own mapper for the JSON it writes, never exposed; bodies are read by {@link RequestBodyLimits}'s. */
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private static final System.Logger LOG = System.getLogger(JsonServlet.class.getName());

  private static final Set<String> DISPATCHED = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS");

  /** Default request body limit: 1 MiB. */
  public static final long DEFAULT_MAX_BODY = 1L << 20;

  // explicit, or taken from the servlet context in init; written before the container sends any request
  private volatile @Nullable RequestBodyLimits bodyLimits;
  private volatile @Nullable RenSecurity security;

  /**
   * Body limits from the servlet-context attribute {@link RequestBodyLimits#ATTRIBUTE}, else the defaults; security
   * from the servlet-context attribute {@link RenSecurity#ATTRIBUTE}, else the servlet refuses to start.
   */
  protected JsonServlet() {
    this.bodyLimits = null;
  }

  /** Body limits given here, whatever the servlet context says; security as for {@link #JsonServlet()}. */
  protected JsonServlet(RequestBodyLimits bodyLimits) {
    this.bodyLimits = Objects.requireNonNull(bodyLimits, "bodyLimits");
  }

  /**
   * Body limits (null: as for {@link #JsonServlet()}) and security (null: from the servlet context, else the servlet
   * refuses to start) given here.
   */
  protected JsonServlet(@Nullable RequestBodyLimits bodyLimits, @Nullable RenSecurity security) {
    this.bodyLimits = bodyLimits;
    this.security = security;
  }

  /**
   * Takes the body limits and the security from the servlet context where none were given.
   *
   * @throws ServletException when no {@link RenSecurity} was given or installed: REN's bindings do not run
   *     unauthorized by accident ({@link RenSecurity#NOT_CONFIGURED} says how to configure one or run open)
   */
  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    if (bodyLimits == null) {
      Object fromContext = config.getServletContext().getAttribute(RequestBodyLimits.ATTRIBUTE);
      bodyLimits = fromContext instanceof RequestBodyLimits l ? l : RequestBodyLimits.defaults();
    }
    if (security == null) {
      security = RenSecurity.find(config.getServletContext()).orElseThrow(() -> new ServletException(
          getClass().getSimpleName() + ": " + RenSecurity.NOT_CONFIGURED));
    }
  }

  /** Who may do what: consult it before touching a store ({@link RenSecurity#authorize}). */
  protected RenSecurity security() {
    RenSecurity s = security;
    if (s == null) {
      throw new IllegalStateException(getClass().getSimpleName() + " used before init: " + RenSecurity.NOT_CONFIGURED);
    }
    return s;
  }

  /** The limits every body read by this servlet is held to. */
  public RequestBodyLimits bodyLimits() {
    RequestBodyLimits l = bodyLimits;
    return l != null ? l : RequestBodyLimits.defaults();
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    // the static body readers find the limits here, also when a route helper outside this class calls them
    req.setAttribute(RequestBodyLimits.ATTRIBUTE, bodyLimits());
    try {
      RequestChecks.checkOrigin(req);
      String method = req.getMethod();
      if ("PATCH".equals(method)) {
        doPatch(req, resp);
      } else if (DISPATCHED.contains(method)) {
        super.service(req, resp);
      } else {
        throw HttpError.methodNotAllowed(Printable.of(method)); // TRACE echoes headers; unknown methods
      }
    } catch (RuntimeException e) {
      sendError(req, resp, toHttpError(req, e));
    } catch (IOException e) {
      if (resp.isCommitted() || clientGone(e)) {
        throw e; // nothing left to say, or no one to say it to: the container ends the exchange quietly
      }
      sendError(req, resp, toHttpError(req, new UncheckedIOException(e)));
    } catch (ServletException e) {
      sendError(req, resp, toHttpError(req, new IllegalStateException(e)));
    }
  }

  /** A JSON {@code 405} unless a binding handles {@code GET}. */
  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    throw HttpError.methodNotAllowed(req.getMethod());
  }

  /** A JSON {@code 405} unless a binding handles {@code POST}. */
  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    throw HttpError.methodNotAllowed(req.getMethod());
  }

  /** A JSON {@code 405} unless a binding handles {@code PUT}. */
  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    throw HttpError.methodNotAllowed(req.getMethod());
  }

  /** A JSON {@code 405} unless a binding handles {@code DELETE}. */
  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    throw HttpError.methodNotAllowed(req.getMethod());
  }

  /** A JSON {@code 405} unless a binding handles {@code PATCH} (which {@link HttpServlet} does not dispatch). */
  protected void doPatch(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
    throw HttpError.methodNotAllowed(req.getMethod());
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
   *   <li>anything else, including an {@link IOException} of a handler (passed here as an
   *       {@link UncheckedIOException}): a logged {@code 500} that reveals nothing.</li>
   * </ul>
   */
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof HttpError h) {
      return h;
    }
    if (e instanceof InvalidCredentialsException ice) {
      return new HttpError(401, "invalid_credentials", String.valueOf(ice.getMessage()));
    }
    if (e instanceof AppliedButNotPublishedException a) {
      LOG.log(Level.WARNING, req.getMethod() + " " + req.getRequestURI() + " was applied, its event was not"
          + " published", a.getCause());
      return HttpError.notPublished();
    }
    if (e instanceof IllegalArgumentException) {
      return HttpError.badRequest(String.valueOf(e.getMessage()));
    }
    LOG.log(Level.ERROR, "unexpected failure on " + req.getMethod() + " " + Printable.of(req.getRequestURI()), e);
    return HttpError.internalError();
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
    writeJson(resp, error.status(), errorBody(error));
  }

  /**
   * The JSON body of an error, {@code {"error": code, "message": message, ...details}}, as UTF-8: for code that
   * answers outside a servlet (a container's error handler) with the same bytes {@link #sendError} writes.
   */
  public static byte[] errorBody(HttpError error) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("error", error.code());
    body.put("message", String.valueOf(error.getMessage()));
    error.details().forEach(body::putPOJO);
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an error body did not serialize: " + error.code(), e);
    }
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
    if (!RequestChecks.declaresBody(req)) {
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
   * missing Content-Length cannot get more in), and with {@code 408 request_timeout} when it arrives slower than
   * the servlet's {@link RequestBodyLimits} allow. Takes any content type: a raw-bytes route calls this, a JSON
   * route calls {@link #readJson} or {@link #readJsonObject}.
   */
  public static byte[] readBody(HttpServletRequest req, long maxBytes) throws IOException {
    long declared = req.getContentLengthLong();
    if (declared > maxBytes) {
      throw HttpError.tooLarge("body is " + declared + " bytes; the limit is " + maxBytes);
    }
    RequestBodyLimits.Deadline deadline = limitsOf(req).start();
    ByteArrayOutputStream buf = new ByteArrayOutputStream(declared > 0 ? (int) declared : 256);
    byte[] chunk = new byte[8192];
    try (InputStream in = req.getInputStream()) {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        if (buf.size() + n > maxBytes) {
          throw HttpError.tooLarge("body exceeds the limit of " + maxBytes + " bytes");
        }
        buf.write(chunk, 0, n);
        if (buf.size() != declared) {
          deadline.check(buf.size()); // more is to come: is it coming fast enough?
        }
      }
    } catch (IOException e) {
      throw readFailed(e, buf.size());
    }
    return buf.toByteArray();
  }

  /**
   * The request body as a stream held to the servlet's {@link RequestBodyLimits}: a read that finds the body
   * arriving too slowly throws {@code 408 request_timeout} (an {@link HttpError}). For a raw-bytes route that
   * streams a large body (a blob upload) rather than reading it whole with {@link #readBody}; the route still
   * bounds the byte count itself.
   */
  public static InputStream bodyStream(HttpServletRequest req) throws IOException {
    return new TimedBodyStream(req.getInputStream(), limitsOf(req).start(), req.getContentLengthLong());
  }

  /**
   * Reads and parses a JSON body; empty or malformed → {@code 400 invalid_json}, not JSON by its
   * {@code Content-Type} → {@code 415 unsupported_media_type}.
   */
  public static JsonNode readJson(HttpServletRequest req, long maxBytes) throws IOException {
    byte[] body = readJsonBody(req, maxBytes);
    if (body.length == 0) {
      throw new HttpError(400, "invalid_json", "request body is empty; expected JSON");
    }
    JsonNode node = parse(req, body);
    if (node == null || node.isMissingNode()) {
      throw new HttpError(400, "invalid_json", "request body is empty; expected JSON");
    }
    return node;
  }

  /**
   * Reads a JSON body that must be an object (or is empty, giving an empty object when {@code optional}); a body
   * that is not JSON by its {@code Content-Type} → {@code 415 unsupported_media_type}.
   */
  public static ObjectNode readJsonObject(HttpServletRequest req, long maxBytes, boolean optional) throws IOException {
    byte[] body = readJsonBody(req, maxBytes);
    if (body.length == 0 && optional) {
      return JsonNodeFactory.instance.objectNode();
    }
    JsonNode node = body.length == 0 ? null : parse(req, body);
    if (node == null || !node.isObject()) {
      throw new HttpError(400, "invalid_json", "request body must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /**
   * Throws {@code 415 unsupported_media_type} unless the request's {@code Content-Type} is {@code application/json}
   * or {@code application/*+json}, with no charset other than UTF-8. For a route that reads a JSON body by other
   * means than {@link #readJson} and {@link #readJsonObject}.
   */
  public static void requireJsonContentType(HttpServletRequest req) {
    RequestChecks.requireJson(req);
  }

  private static byte[] readJsonBody(HttpServletRequest req, long maxBytes) throws IOException {
    if (RequestChecks.declaresBody(req)) {
      requireJsonContentType(req); // before a byte is read
    }
    byte[] body = readBody(req, maxBytes);
    if (body.length > 0) {
      requireJsonContentType(req); // a body of undeclared length (HTTP/2 without content-length)
    }
    return body;
  }

  private static @Nullable JsonNode parse(HttpServletRequest req, byte[] body) {
    RequestBodyLimits limits = limitsOf(req);
    try {
      return limits.jsonReader().readTree(body);
    } catch (StreamConstraintsException e) {
      if (e.getMessage() != null && e.getMessage().contains("Token count")) {
        throw HttpError.tooLarge("the JSON body has more than " + limits.maxJsonTokens()
            + " tokens (values, names and brackets); the limit is RequestBodyLimits.maxJsonTokens");
      }
      throw new HttpError(400, "invalid_json", "request body is not valid JSON: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "invalid_json", "request body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array fails only by a parse error
    }
  }

  private static RequestBodyLimits limitsOf(HttpServletRequest req) {
    return req.getAttribute(RequestBodyLimits.ATTRIBUTE) instanceof RequestBodyLimits l
        ? l : RequestBodyLimits.defaults();
  }

  /**
   * A read that failed: a container timeout (idle or its own rate limit) is a {@code 408}, anything else (a
   * broken chunked encoding, a client that went away) a {@code 400}; either way the connection ends.
   */
  private static HttpError readFailed(IOException e, long received) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof InterruptedIOException) {
        return RequestBodyLimits.timedOut("the request body stopped arriving after " + received
            + " bytes: the connection was idle too long");
      }
    }
    LOG.log(Level.DEBUG, "request body could not be read", e);
    return new HttpError(400, "bad_request", "the request body could not be read after " + received + " bytes")
        .withHeader("Connection", "close");
  }

  /** Whether {@code e} says the client closed the connection (Jetty's EofException, Tomcat's ClientAbort). */
  private static boolean clientGone(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException || t.getClass().getSimpleName().equals("ClientAbortException")) {
        return true;
      }
    }
    return false;
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
