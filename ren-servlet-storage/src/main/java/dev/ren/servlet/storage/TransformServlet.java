package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.EventTypes;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.internal.Printable;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobKeys;
import dev.ren.storage.BlobStore;
import dev.ren.storage.UnreadableBlobException;
import dev.ren.transform.TransformJob;
import dev.ren.transform.TransformRejectedException;
import dev.ren.transform.TransformRequest;
import dev.ren.transform.TransformService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
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
 * <p>Security ({@link RenSecurity}, given to the constructor or installed in the servlet context; without one the
 * servlet refuses to start): a job works in the caller's tenant, reading its source from and storing its output in
 * that tenant's objects, and its events carry the tenant. Submitting is {@code TRANSFORM_SUBMIT} on the source
 * ({@code RenResource("transform", bucket, srcKey, owner)}) and, because the output shows the source,
 * {@code BLOB_GET} on the source with its owner; a job's status is {@code TRANSFORM_STATUS} and {@code BLOB_GET} on
 * its source with the job's owner (the owner of its output: the source's, else the submitter). A job of another
 * tenant is a {@code 404}. Refused: {@code 401} anonymous, {@code 403} authenticated, nothing queued, no event.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new TransformServlet(transforms, security)), "/api/media/transforms/*");
 * }</pre>
 *
 * <p>Thread-safety: stateless apart from configuration; safe for concurrent requests.
 */
public final class TransformServlet extends JsonServlet {

  private static final long MAX_JSON = 64 * 1024;
  private final TransformService service;
  /** Who a request counts as for the queue share; null: the caller (its user in its tenant, else its address). */
  private final @Nullable Function<HttpServletRequest, @Nullable String> clientKey;

  /**
   * Each authenticated user (in its tenant) is one client for the queue share, each remote address one anonymous
   * client; security from the servlet context.
   */
  public TransformServlet(TransformService service) {
    this(service, (RenSecurity) null);
  }

  /** As {@link #TransformServlet(TransformService)}, with {@code security} (null: from the servlet context). */
  public TransformServlet(TransformService service, @Nullable RenSecurity security) {
    super(null, security);
    this.service = Objects.requireNonNull(service, "service");
    this.clientKey = null;
  }

  /**
   * @param clientKey who a request counts as for the per-client share of the queue (for instance the client
   *                  address a trusted proxy reports); null from it: no share
   */
  public TransformServlet(TransformService service, Function<HttpServletRequest, @Nullable String> clientKey) {
    this(service, clientKey, null);
  }

  /**
   * @param clientKey who a request counts as for the per-client share of the queue; null from it: no share
   * @param security  who may do what; null: the one installed in the servlet context
   */
  public TransformServlet(TransformService service, Function<HttpServletRequest, @Nullable String> clientKey,
      @Nullable RenSecurity security) {
    super(null, security);
    this.service = Objects.requireNonNull(service, "service");
    this.clientKey = Objects.requireNonNull(clientKey, "clientKey");
  }

  /**
   * The caller's key for the queue share: its user qualified by its tenant (one string per principal, no two
   * principals alike: neither part can hold a line break), else its remote address.
   */
  private @Nullable String clientKey(HttpServletRequest req, RenCaller caller) {
    Function<HttpServletRequest, @Nullable String> custom = clientKey;
    if (custom != null) {
      return custom.apply(req);
    }
    String user = caller.user();
    if (user != null) {
      String tenant = caller.tenant();
      return "user\n" + (tenant == null ? "" : tenant) + "\n" + user;
    }
    return "address\n" + req.getRemoteAddr();
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
    String srcKey = BlobKeys.canonical(src.asText());
    RenCaller caller = security().caller(req);
    BlobStore store = service.store();
    String owner = sourceOwner(req, store.tenant(caller.tenant()), srcKey);
    security().authorize(req, RenOperation.TRANSFORM_SUBMIT, transform(srcKey, owner));
    // the output shows the source: only a caller who may read it may have it transformed
    security().authorize(req, RenOperation.BLOB_GET, RenResource.storage(store.bucket(), srcKey, owner));
    TransformJob job = service.submit(TransformRequest.of(op, srcKey, options)
        .inTenant(caller.tenant()).byUser(caller.user()).forClient(clientKey(req, caller)));
    writeJson(resp, 202, jobJson(job));
  }

  /**
   * The source's owner, or null when it has none or is absent (the service then answers 404); a damaged source is
   * asked about as one without an owner before it fails, so a refused caller learns nothing of it.
   */
  private @Nullable String sourceOwner(HttpServletRequest req, BlobStore tenantStore, String srcKey)
      throws IOException {
    try {
      return tenantStore.head(srcKey).map(BlobInfo::owner).orElse(null);
    } catch (UnreadableBlobException damaged) {
      security().authorize(req, RenOperation.TRANSFORM_SUBMIT, transform(srcKey, null));
      throw damaged;
    }
  }

  private RenResource transform(@Nullable String srcKey, @Nullable String owner) {
    return new RenResource(EventTypes.TRANSFORM, service.store().bucket(), srcKey, owner);
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
    RenCaller caller = security().caller(req);
    TransformJob job = service.job(caller.tenant(), id).orElse(null);
    if (job == null) {
      // asked first, so an unknown id tells a refused caller nothing more than a known one
      security().authorize(req, RenOperation.TRANSFORM_STATUS, transform(null, null));
      throw HttpError.notFound("no transform job '" + Printable.of(id) + "'");
    }
    security().authorize(req, RenOperation.TRANSFORM_STATUS, transform(job.srcKey(), job.owner()));
    security().authorize(req, RenOperation.BLOB_GET,
        RenResource.storage(service.store().bucket(), job.srcKey(), job.owner()));
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
