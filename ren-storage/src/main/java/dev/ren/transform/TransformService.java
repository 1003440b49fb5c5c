package dev.ren.transform;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventTypes;
import dev.ren.RenPublisher;
import dev.ren.internal.Backoff;
import dev.ren.internal.Printable;
import dev.ren.internal.Settings;
import dev.ren.storage.BlobConflictException;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobKeys;
import dev.ren.storage.BlobRead;
import dev.ren.storage.BlobStore;
import dev.ren.storage.PutOptions;
import org.jspecify.annotations.Nullable;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Runs media-transform jobs over a {@link BlobStore} and announces each step: {@code transform.queued} (k = the
 * output key, known at submit), {@code transform.started}, at least one {@code transform.progress}
 * ({@code data.percent}, {@code data.stage}), then {@code transform.complete} once the output is stored (which
 * also emits its {@code storage.put}), or {@code transform.failed} with {@code data.error} once retries are
 * exhausted. Every event's {@code data} carries {@code jobId}, {@code srcKey} and {@code op}; its {@code ns} is the
 * store's bucket.
 *
 * <p>Tenants and owners: a job submitted in a tenant ({@link #submit(TransformRequest)}) reads its source from and
 * stores its output in that tenant's objects ({@link BlobStore#tenant}); its events carry the tenant, so only that
 * tenant's streams receive them, and the output's owner as {@code uid}. Job ids are looked up per tenant
 * ({@link #job(String, String)}). Bounds (the queue, client shares, the raster budget) are shared by all tenants.
 *
 * <p>Jobs run on a bounded pool with a bounded queue: a full queue rejects the submit with
 * {@link TransformRejectedException} and emits nothing. A job submitted for a client
 * ({@link #submit(String, String, String, Map)}) takes one of that client's share of the queue until it ends;
 * past the share ({@link Builder#queueSharePerClient}) the submit is rejected the same way
 * ({@link TransformRejectedException.Reason#CLIENT_SHARE}), so one client cannot keep the queue full. Transient failures ({@link IOException}) are retried
 * after a pause that doubles each time (REN's one backoff rule); {@link TransformException} and bad options fail
 * at once.
 *
 * <p>Publishing: the steps before the output exists change nothing stored, so a failure to announce them is
 * logged and the job goes on. Completion is different: the output was stored, so its {@code storage.put} and
 * {@code transform.complete} go through {@link RenPublisher#publishApplied}. If either cannot be published the job
 * still ends {@link JobStatus#COMPLETE} (the output is there) and {@link TransformJob#error()} carries the
 * {@link AppliedButNotPublishedException}'s message, which is also logged: a worker has no caller to throw to.
 *
 * <p>{@link #close()} stops taking jobs, lets queued and running ones finish (a job waiting to retry retries at
 * once), and stops the threads of the pool it created: after a grace period it interrupts jobs that are still
 * running. An injected executor is never shut down.
 *
 * <pre>{@code
 * try (TransformService transforms = TransformService.builder(store, hub).build()) {
 *   TransformJob job = transforms.submit("thumbnail", "photos/cat.jpg", Map.of("size", "128"));
 *   // job.outputKey() == "photos/cat.thumbnail-128.jpg"; watch transform.* events or poll job(id)
 * }
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
// About 540 lines: the public Builder (a dozen documented settings) is nested so callers name it
// TransformService.Builder; job state, the worker pool, client shares and the raster budget are already apart.
public final class TransformService implements Closeable {

  private static final System.Logger LOG = System.getLogger(TransformService.class.getName());
  private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");
  /** No retry pause is longer than this (or the initial pause, when that is longer). */
  private static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(30);
  /** A client's share when the executor is injected (its queue is unknown). */
  private static final int DEFAULT_SHARE_OF_INJECTED = 25;

  private final BlobStore store;
  private final RenPublisher publisher;
  private final Map<String, Transformer> transformers;
  private final WorkerPool pool;
  private final int maxAttempts;
  private final Backoff retryBackoff;
  private final int retainFinished;
  private final ClientShares shares;
  private final Map<String, JobState> jobs = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> finished = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private TransformService(Builder b) {
    this.store = b.store;
    this.publisher = b.publisher;
    Map<String, Transformer> t = new LinkedHashMap<>();
    if (b.builtins) {
      RasterBudget budget = new RasterBudget(b.maxRasterBytes);
      t.put("resize", ImageTransformer.builtin("resize", b.maxPixels, b.maxOutputPixels, budget));
      t.put("thumbnail", ImageTransformer.builtin("thumbnail", b.maxPixels, b.maxOutputPixels, budget));
    }
    t.putAll(b.custom);
    this.transformers = Collections.unmodifiableMap(t);
    this.maxAttempts = b.maxAttempts;
    Duration max = b.retryBackoff.compareTo(MAX_RETRY_PAUSE) > 0 ? b.retryBackoff : MAX_RETRY_PAUSE;
    this.retryBackoff = Backoff.exponential(b.retryBackoff, max).withJitter(0.2);
    this.retainFinished = b.retainFinished;
    Executor injected = b.executor;
    this.pool = injected != null ? WorkerPool.on(injected) : WorkerPool.own(b.threads, b.queueCapacity);
    Integer share = b.queueSharePerClient;
    this.shares = new ClientShares(share != null ? share
        : injected != null ? DEFAULT_SHARE_OF_INJECTED : Math.max(1, b.queueCapacity / 4));
  }

  /** A builder with the built-in {@code resize} and {@code thumbnail}, 2 workers and a queue of 100. */
  public static Builder builder(BlobStore store, RenPublisher publisher) {
    return new Builder(store, publisher);
  }

  /** The operation names this service runs. */
  public Set<String> operations() {
    return transformers.keySet();
  }

  /** The store jobs read their sources from and write their outputs to (in each job's tenant). */
  public BlobStore store() {
    return store;
  }

  /**
   * Queues {@code op} on {@code srcKey} in the default tenant; the returned job (status {@code pending}) already
   * names its output key.
   *
   * @throws IllegalArgumentException    unknown operation, bad key or bad options
   * @throws NoSuchElementException      the source object does not exist
   * @throws TransformRejectedException  the queue is full or the service is closed
   */
  public TransformJob submit(String op, String srcKey, Map<String, String> options) throws IOException {
    return submit(TransformRequest.of(op, srcKey, options));
  }

  /**
   * {@link #submit(String, String, Map)} on behalf of {@code client} (an id or address the caller chose; null:
   * no share), whose jobs in the queue or running may number at most {@link Builder#queueSharePerClient}.
   *
   * @throws TransformRejectedException  the queue is full, the client has its share, or the service is closed
   */
  public TransformJob submit(@Nullable String client, String op, String srcKey, Map<String, String> options)
      throws IOException {
    return submit(TransformRequest.of(op, srcKey, options).forClient(client));
  }

  /**
   * Queues {@code request} in its tenant: the source is read from, and the output written to, that tenant's
   * objects, and every event of the job carries the tenant and the output's owner (see {@link TransformRequest}).
   *
   * @throws IllegalArgumentException    unknown operation, bad key or bad options
   * @throws NoSuchElementException      the source object does not exist in the tenant
   * @throws TransformRejectedException  the queue is full, the client has its share, or the service is closed
   */
  public TransformJob submit(TransformRequest request) throws IOException {
    String op = request.op();
    Transformer t = transformers.get(op);
    if (t == null) {
      throw new IllegalArgumentException("unknown transform '" + Printable.of(op) + "'; known: "
          + transformers.keySet());
    }
    String srcKey = BlobKeys.canonical(request.srcKey());
    Map<String, String> normalized = Map.copyOf(t.normalize(request.options()));
    String outputKey = t.outputKey(srcKey, normalized);
    try {
      BlobKeys.check(outputKey);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the output key for '" + srcKey + "' is not a valid key: "
          + e.getMessage());
    }
    if (outputKey.equals(srcKey)) {
      throw new IllegalArgumentException("transform '" + op + "' would overwrite its source '" + srcKey + "'");
    }
    Optional<BlobInfo> source = store.tenant(request.tenant()).head(srcKey);
    if (source.isEmpty()) {
      throw new NoSuchElementException("source object '" + srcKey + "' does not exist");
    }
    if (closed.get()) {
      throw new TransformRejectedException(TransformRejectedException.Reason.CLOSED,
          "the transform service is closed");
    }
    String client = request.client();
    if (client != null && !shares.tryTake(client)) {
      throw new TransformRejectedException(TransformRejectedException.Reason.CLIENT_SHARE, "this client already"
          + " has " + shares.share() + " transform jobs queued or running, its share of the queue; try again later");
    }
    String sourceOwner = source.get().owner();
    JobState job = new JobState(UUID.randomUUID().toString(), t, srcKey, outputKey, normalized, client,
        store.bucket(), request.tenant(), sourceOwner != null ? sourceOwner : request.user());
    jobs.put(job.id, job);
    // holding the job's monitor until queued is published keeps started from overtaking it
    synchronized (job) {
      try {
        pool.execute(() -> run(job));
      } catch (RejectedExecutionException e) {
        jobs.remove(job.id);
        giveShareBack(job);
        throw closed.get()
            ? new TransformRejectedException(TransformRejectedException.Reason.CLOSED,
                "the transform service is closed")
            : new TransformRejectedException("transform queue is full (" + pool.describeQueue()
                + "); try again later");
      }
      publish(job, EventTypes.TRANSFORM_QUEUED, null);
    }
    return job.snapshot();
  }

  /**
   * The jobs this service holds, by status: pending and running ones, and finished ones still remembered for status
   * queries (the last {@link Builder#retainFinished} of them). Every status is present. Counts jobs one by one (at
   * most queue capacity + running + retained ones), without stopping them; for a metrics gauge, not a hot path.
   */
  public Map<JobStatus, Integer> jobCounts() {
    EnumMap<JobStatus, Integer> counts = new EnumMap<>(JobStatus.class);
    for (JobStatus st : JobStatus.values()) {
      counts.put(st, 0);
    }
    for (JobState job : jobs.values()) {
      counts.merge(job.status(), 1, Integer::sum);
    }
    return Collections.unmodifiableMap(counts);
  }

  /** The state of a job of the default tenant, or empty for an unknown (or long-forgotten) id. */
  public Optional<TransformJob> job(String id) {
    return job(null, id);
  }

  /**
   * The state of a job of {@code tenant} (null: the default tenant), or empty for an unknown (or long-forgotten)
   * id or a job of another tenant.
   */
  public Optional<TransformJob> job(@Nullable String tenant, String id) {
    JobState job = jobs.get(id);
    return job == null || !Objects.equals(job.tenant, tenant) ? Optional.empty() : Optional.of(job.snapshot());
  }

  private void run(JobState job) {
    job.running();
    try {
      publish(job, EventTypes.TRANSFORM_STARTED, null);
      for (int attempt = 1; ; attempt++) {
        try {
          complete(job, attempt(job));
          return;
        } catch (IOException e) {
          if (attempt >= maxAttempts) {
            fail(job, "failed after " + attempt + " attempts: " + e.getMessage());
            return;
          }
          LOG.log(Level.DEBUG, "transform " + job.id + " attempt " + attempt + " failed; retrying", e);
          if (!pool.pause(retryBackoff.delay(attempt))) {
            fail(job, "interrupted while waiting to retry: " + e.getMessage());
            return;
          }
        } catch (TransformException | IllegalArgumentException | BlobConflictException
                 | NoSuchElementException e) {
          fail(job, e.getMessage());
          return;
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, "transform " + job.id + " (" + job.transformer.name() + ") crashed", e);
      fail(job, "internal error: " + e.getClass().getSimpleName());
      if (e instanceof Error err) {
        throw err;
      }
    }
  }

  /** What one successful attempt stored, and the announcement of it that failed, if one did. */
  private record Stored(String etag, long size, @Nullable AppliedButNotPublishedException notPublished) {}

  private Stored attempt(JobState job) throws IOException {
    BlobStore objects = store.tenant(job.tenant);
    TransformOutput output;
    try (BlobRead read = objects.get(job.srcKey).orElseThrow(
        () -> new TransformException("source object '" + job.srcKey + "' no longer exists"))) {
      output = job.transformer.apply(read.info(), read.stream(), job.options,
          (percent, stage) -> progress(job, percent, stage));
    }
    if (output == null) {
      throw new TransformException("transformer '" + job.transformer.name() + "' returned no output");
    }
    progress(job, 90, "store");
    try {
      BlobInfo info = objects.put(job.outputKey, new ByteArrayInputStream(output.content()),
          PutOptions.of(output.contentType()).withOwner(job.owner));
      return new Stored(info.etag(), info.size(), null);
    } catch (AppliedButNotPublishedException e) {
      // stored, only its storage.put is missing: the job succeeded, and must not be retried (or failed)
      return new Stored(Objects.requireNonNullElse(e.event().v(), ""), output.content().length, e);
    }
  }

  private void complete(JobState job, Stored out) {
    AppliedButNotPublishedException notPublished = out.notPublished();
    // a lost storage.put is known now: whoever sees the job complete also sees that error
    finish(job, JobStatus.COMPLETE, notPublished == null ? null : notPublished.getMessage());
    ObjectNode extra = JsonNodeFactory.instance.objectNode();
    extra.put("percent", 100);
    extra.put("etag", out.etag());
    extra.put("size", out.size());
    try {
      publisher.publishApplied(job.event(EventTypes.TRANSFORM_COMPLETE, extra));
    } catch (AppliedButNotPublishedException e) {
      if (notPublished == null) {
        notPublished = e;
        job.notPublished(e.getMessage()); // only the announcement of completion was lost
      } else {
        notPublished.addSuppressed(e);
      }
    }
    if (notPublished != null) {
      LOG.log(Level.WARNING, "transform " + job.id + " stored '" + job.outputKey
          + "' but could not announce it", notPublished);
    }
  }

  private void progress(JobState job, int percent, String stage) {
    ObjectNode extra = JsonNodeFactory.instance.objectNode();
    extra.put("percent", Math.max(0, Math.min(100, percent)));
    extra.put("stage", Objects.requireNonNullElse(stage, ""));
    publish(job, EventTypes.TRANSFORM_PROGRESS, extra);
  }

  private void fail(JobState job, @Nullable String reason) {
    String why = reason == null ? "unknown failure" : reason;
    finish(job, JobStatus.FAILED, why);
    ObjectNode extra = JsonNodeFactory.instance.objectNode();
    extra.put("error", why);
    publish(job, EventTypes.TRANSFORM_FAILED, extra);
  }

  private void giveShareBack(JobState job) {
    String client = job.client;
    if (client != null && job.giveShareBack()) {
      shares.giveBack(client);
    }
  }

  private void finish(JobState job, JobStatus status, @Nullable String error) {
    job.finish(status, error);
    giveShareBack(job);
    finished.add(job.id);
    while (finished.size() > retainFinished) {
      String old = finished.poll();
      if (old != null) {
        jobs.remove(old);
      }
    }
  }

  /** Announces a step that changed nothing stored: a lost notification must not fail or wedge the job. */
  private void publish(JobState job, String type, @Nullable ObjectNode extra) {
    try {
      publisher.publish(job.event(type, extra));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not publish " + type + " for transform " + job.id, e);
    }
  }

  /**
   * Stops accepting jobs; queued and running ones finish, and jobs waiting to retry retry at once. Waits up to
   * 30 s for the pool this service created, then interrupts what still runs and waits up to 5 s more, so its
   * threads are gone when this returns (unless a transformer ignores interrupts, which is logged). An injected
   * executor is left alone. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.close();
    }
  }

  /**
   * Configures a {@link TransformService}. Each setting may be given once; a repeated one, or pool settings
   * ({@link #threads}, {@link #queueCapacity}) beside an injected {@link #executor}, fails with
   * {@link IllegalStateException}.
   *
   * <p>Thread-safety: not thread-safe; the built service is.
   */
  public static final class Builder {
    private final Settings settings = new Settings();
    private final BlobStore store;
    private final RenPublisher publisher;
    private final Map<String, Transformer> custom = new LinkedHashMap<>();
    private @Nullable Executor executor;
    private int threads = 2;
    private int queueCapacity = 100;
    private int maxAttempts = 3;
    private Duration retryBackoff = Duration.ofMillis(200);
    private long maxPixels = ImageTransformer.DEFAULT_MAX_PIXELS;
    private long maxOutputPixels = ImageTransformer.DEFAULT_MAX_OUTPUT_PIXELS;
    private long maxRasterBytes = RasterBudget.defaultBytes();
    private @Nullable Integer queueSharePerClient;
    private int retainFinished = 10_000;
    private boolean builtins = true;

    private Builder(BlobStore store, RenPublisher publisher) {
      this.store = Objects.requireNonNull(store, "store");
      this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /** Worker threads of the pool the service creates (default 2). */
    public Builder threads(int n) {
      if (n < 1 || n > 256) {
        throw new IllegalArgumentException("threads must be 1-256, was " + n);
      }
      notBeside("threads", "executor");
      this.threads = settings.once("threads", n);
      return this;
    }

    /** Jobs that may wait for a worker (default 100); more are rejected. */
    public Builder queueCapacity(int n) {
      if (n < 1 || n > 1_000_000) {
        throw new IllegalArgumentException("queue capacity must be 1-1000000, was " + n);
      }
      notBeside("queueCapacity", "executor");
      this.queueCapacity = settings.once("queueCapacity", n);
      return this;
    }

    /**
     * Runs jobs on this executor instead of an own pool; the service never shuts it down. It must reject
     * ({@link RejectedExecutionException}) what it cannot queue, which the service reports as a full queue.
     */
    public Builder executor(Executor e) {
      Objects.requireNonNull(e, "executor");
      notBeside("executor", "threads");
      notBeside("executor", "queueCapacity");
      this.executor = settings.once("executor", e);
      return this;
    }

    /** Attempts per job for transient failures (default 3). */
    public Builder maxAttempts(int n) {
      if (n < 1 || n > 20) {
        throw new IllegalArgumentException("max attempts must be 1-20, was " + n);
      }
      this.maxAttempts = settings.once("maxAttempts", n);
      return this;
    }

    /**
     * The pause before the first retry (default 200 ms); each later one doubles, up to 30 s (or this pause, if
     * longer), less up to 20 % jitter.
     */
    public Builder retryBackoff(Duration d) {
      Objects.requireNonNull(d, "retryBackoff");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("retry backoff must be positive, was " + d);
      }
      this.retryBackoff = settings.once("retryBackoff", d);
      return this;
    }

    /** Declared-pixel limit for the built-in image operations (default 40 million). */
    public Builder maxPixels(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("max pixels must be >= 1, was " + n);
      }
      this.maxPixels = settings.once("maxPixels", n);
      return this;
    }

    /**
     * Output-pixel limit for the built-in image operations (default 16 million): a {@code width×height} box
     * over it is a bad option at submit; an output that would be over it is refused before decoding.
     */
    public Builder maxOutputPixels(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("max output pixels must be >= 1, was " + n);
      }
      this.maxOutputPixels = settings.once("maxOutputPixels", n);
      return this;
    }

    /**
     * Heap the built-in image operations may hold at once, across all workers (default a quarter of the JVM's
     * max heap): each job reserves its decoded source (at its real bytes per pixel) and output rasters before
     * decoding; a job that alone needs more is refused, others wait for room.
     */
    public Builder maxRasterBytes(long n) {
      if (n < 1024) {
        throw new IllegalArgumentException("max raster bytes must be >= 1024, was " + n);
      }
      this.maxRasterBytes = settings.once("maxRasterBytes", n);
      return this;
    }

    /**
     * Jobs one client may have queued or running at once (default a quarter of {@link #queueCapacity}, at
     * least 1; 25 with an injected executor).
     */
    public Builder queueSharePerClient(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("queue share per client must be >= 1, was " + n);
      }
      this.queueSharePerClient = settings.once("queueSharePerClient", n);
      return this;
    }

    /** Finished jobs remembered for status queries (default 10000). */
    public Builder retainFinished(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("retained jobs must be >= 0, was " + n);
      }
      this.retainFinished = settings.once("retainFinished", n);
      return this;
    }

    /** Leaves out the built-in {@code resize} and {@code thumbnail}. */
    public Builder withoutBuiltins() {
      this.builtins = !settings.once("withoutBuiltins", Boolean.TRUE);
      return this;
    }

    /** Adds an operation; its name must be new (it may replace a built-in one). */
    public Builder register(Transformer t) {
      String name = t.name();
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("transformer name '" + Printable.of(name)
            + "' must match [a-z0-9_-]{1,32}");
      }
      Transformer old = custom.putIfAbsent(name, t);
      if (old != null) {
        throw new IllegalStateException("transformer '" + name + "' was already registered as " + old);
      }
      return this;
    }

    private void notBeside(String setting, String other) {
      if (settings.isSet(other)) {
        throw new IllegalStateException(setting + " cannot be combined with " + other
            + ": an injected executor brings its own threads and queue");
      }
    }

    public TransformService build() {
      return new TransformService(this);
    }
  }
}
