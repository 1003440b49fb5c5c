package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.transform.TransformJob;
import dev.ren.transform.TransformRejectedException;
import dev.ren.transform.TransformService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The HTTP binding of a {@link TransformService}, mapped at {@code /api/media/transforms/*}:
 * <ul>
 *   <li>{@code POST /api/media/transforms/{op}} ({@code resize}, {@code thumbnail}, or any registered
 *       operation) with {@code {srcKey, opts}} → {@code 202 {id, src_key, output_key, status}}; {@code 404} for
 *       an unknown operation or source, {@code 400} for bad options, {@code 503 queue_full} when the queue is
 *       full, {@code 429 client_queue_share} when this client already has its share of the queue (both with
 *       {@code Retry-After}). A client is its remote address unless another key is given.</li>
 *   <li>{@code GET /api/media/transforms/jobs/{id}} → {@code {id, status, op, src_key, output_key, error?}}
 *       ({@code error} on a {@code complete} job: the output was stored but could not be announced).</li>
 * </ul>
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new TransformServlet(transforms)), "/api/media/transforms/*");
 * }</pre>
 *
 * <p>Thread-safety: stateless apart from configuration; safe for concurrent requests.
 */
public final class TransformServlet extends JsonServlet {

  private static final long MAX_JSON = 64 * 1024;
  private final TransformService service;
  private final Function<HttpServletRequest, @Nullable String> clientKey;

  /** Each remote address is one client for the queue share. */
  public TransformServlet(TransformService service) {
    this(service, HttpServletRequest::getRemoteAddr);
  }

  /**
   * @param clientKey who a request counts as for the per-client share of the queue (for instance an
   *                  authenticated user, or the client address a trusted proxy reports); null: no share
   */
  public TransformServlet(TransformService service, Function<HttpServletRequest, @Nullable String> clientKey) {
    this.service = service;
    this.clientKey = clientKey;
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String op = decode(rawRest(req));
    if (!service.operations().contains(op)) {
      throw HttpError.notFound("unknown transform '" + op + "'; available: " + service.operations());
    }
    ObjectNode body = readJsonObject(req, MAX_JSON, false);
    JsonNode src = body.has("srcKey") ? body.get("srcKey") : body.get("src_key");
    if (src == null || !src.isTextual() || src.asText().isEmpty()) {
      throw HttpError.badRequest("'srcKey' is required and must be a non-empty string");
    }
    JsonNode opts = body.has("opts") ? body.get("opts") : body.get("options");
    Map<String, String> options = new LinkedHashMap<>();
    if (opts != null && !opts.isNull()) {
      if (!opts.isObject()) {
        throw HttpError.badRequest("'opts' must be a JSON object");
      }
      for (var e : opts.properties()) {
        if (!e.getValue().isValueNode() || e.getValue().isNull()) {
          throw HttpError.badRequest("option '" + e.getKey() + "' must be a string, number or boolean");
        }
        options.put(e.getKey(), e.getValue().asText());
      }
    }
    TransformJob job = service.submit(clientKey.apply(req), op, src.asText(), options);
    writeJson(resp, 202, jobJson(job));
  }

  /**
   * An absent source object ({@link NoSuchElementException} from the service) → 404; a full queue
   * ({@link TransformRejectedException}) → 503 {@code queue_full}, a client past its share → 429
   * {@code client_queue_share}, both with {@code Retry-After}; the rest as usual.
   */
  @Override
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof NoSuchElementException) {
      return HttpError.notFound(String.valueOf(e.getMessage()));
    }
    if (e instanceof TransformRejectedException r) {
      if (r.reason() == TransformRejectedException.Reason.CLIENT_SHARE) {
        return new HttpError(429, "client_queue_share", String.valueOf(e.getMessage()))
            .withHeader("Retry-After", "1");
      }
      return new HttpError(503, "queue_full", String.valueOf(e.getMessage())).withHeader("Retry-After", "1");
    }
    return super.toHttpError(req, e);
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String rest = rawRest(req);
    if (!rest.startsWith("jobs/") || rest.length() == "jobs/".length()) {
      throw HttpError.notFound("no transform route GET " + req.getRequestURI() + "; use jobs/{id}");
    }
    String id = decode(rest.substring("jobs/".length()));
    TransformJob job = service.job(id).orElseThrow(() -> HttpError.notFound("no transform job '" + id + "'"));
    writeJson(resp, 200, jobJson(job));
  }

  private static ObjectNode jobJson(TransformJob job) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("id", job.id());
    n.put("status", job.status().wire());
    n.put("op", job.op());
    n.put("src_key", job.srcKey());
    n.put("output_key", job.outputKey());
    if (job.error() != null) {
      n.put("error", job.error());
    }
    return n;
  }
}
