package dev.ren.transform;

import dev.ren.internal.Printable;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenPublisher;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Runs media-transform jobs over a {@link BlobStore} and announces each step: {@code transform.queued} (k = the
 * output key, known at submit), {@code transform.started}, at least one {@code transform.progress}
 * ({@code data.percent}, {@code data.stage}), then {@code transform.complete} once the output is stored (which
 * also emits its {@code storage.put}), or {@code transform.failed} with {@code data.error} once retries are
 * exhausted. Every event's {@code data} carries {@code jobId}, {@code srcKey} and {@code op}.
 *
 * <p>Jobs run on a bounded pool with a bounded queue: a full queue rejects the submit with
 * {@link TransformRejectedException} and emits nothing. Transient failures ({@link IOException}) are retried
 * with a growing pause; {@link TransformException} and bad options fail at once. The service never interrupts
 * a running job; {@link #close()} stops taking jobs, lets queued ones finish and shuts down only the pool it
 * created.
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
public final class TransformService implements Closeable {

  private static final System.Logger LOG = System.getLogger(TransformService.class.getName());
  private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");

  private final BlobStore store;
  private final RenPublisher publisher;
  private final Map<String, Transformer> transformers;
  private final Executor executor;
  private final @Nullable ThreadPoolExecutor ownedPool;
  private final int maxAttempts;
  private final Duration retryBackoff;
  private final int retainFinished;
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> finished = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private TransformService(Builder b) {
    this.store = b.store;
    this.publisher = b.publisher;
    Map<String, Transformer> t = new LinkedHashMap<>();
    if (b.builtins) {
      t.put("resize", ImageTransformer.resize(b.maxPixels));
      t.put("thumbnail", ImageTransformer.thumbnail(b.maxPixels));
    }
    t.putAll(b.custom);
    this.transformers = Collections.unmodifiableMap(t);
    this.maxAttempts = b.maxAttempts;
    this.retryBackoff = b.retryBackoff;
    this.retainFinished = b.retainFinished;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedPool = null;
    } else {
      AtomicInteger n = new AtomicInteger();
      ThreadFactory tf = r -> {
        Thread th = new Thread(r, "ren-transform-" + n.incrementAndGet());
        th.setDaemon(true);
        return th;
      };
      this.ownedPool = new ThreadPoolExecutor(b.threads, b.threads, 30, TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(b.queueCapacity), tf, new ThreadPoolExecutor.AbortPolicy());
      ownedPool.allowCoreThreadTimeOut(true);
      this.executor = ownedPool;
    }
  }

  /** A builder with the built-in {@code resize} and {@code thumbnail}, 2 workers and a queue of 100. */
  public static Builder builder(BlobStore store, RenPublisher publisher) {
    return new Builder(store, publisher);
  }

  /** The operation names this service runs. */
  public Set<String> operations() {
    return transformers.keySet();
  }

  /**
   * Queues {@code op} on {@code srcKey}; the returned job (status {@code pending}) already names its output
   * key.
   *
   * @throws IllegalArgumentException    unknown operation, bad key or bad options
   * @throws NoSuchElementException      the source object does not exist
   * @throws TransformRejectedException  the queue is full or the service is closed
   */
  public TransformJob submit(String op, String srcKey, Map<String, String> options) throws IOException {
    Transformer t = transformers.get(op);
    if (t == null) {
      throw new IllegalArgumentException("unknown transform '" + Printable.of(op) + "'; known: "
          + transformers.keySet());
    }
    BlobKeys.check(srcKey);
    Map<String, String> normalized = Map.copyOf(t.normalize(Map.copyOf(options)));
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
    if (store.head(srcKey).isEmpty()) {
      throw new NoSuchElementException("source object '" + srcKey + "' does not exist");
    }
    if (closed.get()) {
      throw new TransformRejectedException("the transform service is closed");
    }
    Job job = new Job(UUID.randomUUID().toString(), t, srcKey, outputKey, normalized);
    jobs.put(job.id, job);
    // holding the job's monitor until queued is published keeps started from overtaking it
    synchronized (job) {
      try {
        executor.execute(() -> run(job));
      } catch (RejectedExecutionException e) {
        jobs.remove(job.id);
        throw new TransformRejectedException("transform queue is full (" + queueDescription()
            + "); try again later");
      }
      publish(job, EventTypes.TRANSFORM_QUEUED, null);
    }
    return job.snapshot();
  }

  /** The job's current state, or empty for an unknown (or long-forgotten) id. */
  public Optional<TransformJob> job(String id) {
    Job job = jobs.get(id);
    return job == null ? Optional.empty() : Optional.of(job.snapshot());
  }

  private String queueDescription() {
    ThreadPoolExecutor p = ownedPool;
    return p == null ? "executor rejected the job"
        : p.getQueue().size() + " waiting, " + p.getActiveCount() + " running";
  }

  private void run(Job job) {
    synchronized (job) {
      job.status = JobStatus.RUNNING;
    }
    try {
      publish(job, EventTypes.TRANSFORM_STARTED, null);
      for (int attempt = 1; ; attempt++) {
        try {
          BlobInfo out = attempt(job);
          finish(job, JobStatus.COMPLETE, null);
          ObjectNode extra = JsonNodeFactory.instance.objectNode();
          extra.put("percent", 100);
          extra.put("etag", out.etag());
          extra.put("size", out.size());
          publish(job, EventTypes.TRANSFORM_COMPLETE, extra);
          return;
        } catch (IOException e) {
          if (attempt >= maxAttempts) {
            fail(job, "failed after " + attempt + " attempts: " + e.getMessage());
            return;
          }
          LOG.log(Level.DEBUG, "transform " + job.id + " attempt " + attempt + " failed; retrying", e);
          try {
            Thread.sleep(retryBackoff.toMillis() * attempt);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
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

  private BlobInfo attempt(Job job) throws IOException {
    TransformOutput output;
    try (BlobRead read = store.get(job.srcKey).orElseThrow(
        () -> new TransformException("source object '" + job.srcKey + "' no longer exists"))) {
      output = job.transformer.apply(read.info(), read.stream(), job.options,
          (percent, stage) -> progress(job, percent, stage));
    }
    if (output == null) {
      throw new TransformException("transformer '" + job.transformer.name() + "' returned no output");
    }
    progress(job, 90, "store");
    return store.put(job.outputKey, new ByteArrayInputStream(output.content()), PutOptions.of(output.contentType()));
  }

  private void progress(Job job, int percent, String stage) {
    ObjectNode extra = JsonNodeFactory.instance.objectNode();
    extra.put("percent", Math.max(0, Math.min(100, percent)));
    extra.put("stage", Objects.requireNonNullElse(stage, ""));
    publish(job, EventTypes.TRANSFORM_PROGRESS, extra);
  }

  private void fail(Job job, @Nullable String reason) {
    String why = reason == null ? "unknown failure" : reason;
    finish(job, JobStatus.FAILED, why);
    ObjectNode extra = JsonNodeFactory.instance.objectNode();
    extra.put("error", why);
    publish(job, EventTypes.TRANSFORM_FAILED, extra);
  }

  private void finish(Job job, JobStatus status, @Nullable String error) {
    synchronized (job) {
      job.status = status;
      job.error = error;
    }
    finished.add(job.id);
    while (finished.size() > retainFinished) {
      String old = finished.poll();
      if (old != null) {
        jobs.remove(old);
      }
    }
  }

  private void publish(Job job, String type, @Nullable ObjectNode extra) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("jobId", job.id);
    data.put("srcKey", job.srcKey);
    data.put("op", job.transformer.name());
    if (extra != null) {
      data.setAll(extra);
    }
    try {
      publisher.publish(RenEvent.transform(type, job.outputKey, data));
    } catch (RuntimeException e) {
      // a lost notification must not fail or wedge the job itself
      LOG.log(Level.WARNING, "could not publish " + type + " for transform " + job.id, e);
    }
  }

  /**
   * Stops accepting jobs; queued and running ones finish. Waits up to 30 s for the pool this service created
   * (an injected executor is left alone). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ThreadPoolExecutor p = ownedPool;
    if (p != null) {
      p.shutdown();
      try {
        if (!p.awaitTermination(30, TimeUnit.SECONDS)) {
          LOG.log(Level.WARNING, "transform jobs still running after 30 s; leaving them to finish");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One job's mutable state; status and error are guarded by the job's monitor. */
  private static final class Job {
    final String id;
    final Transformer transformer;
    final String srcKey;
    final String outputKey;
    final Map<String, String> options;
    JobStatus status = JobStatus.PENDING;
    @Nullable String error;

    Job(String id, Transformer transformer, String srcKey, String outputKey, Map<String, String> options) {
      this.id = id;
      this.transformer = transformer;
      this.srcKey = srcKey;
      this.outputKey = outputKey;
      this.options = options;
    }

    synchronized TransformJob snapshot() {
      return new TransformJob(id, transformer.name(), srcKey, outputKey, options, status, error);
    }
  }

  /**
   * Configures a {@link TransformService}.
   *
   * <p>Thread-safety: not thread-safe; the built service is.
   */
  public static final class Builder {
    private final BlobStore store;
    private final RenPublisher publisher;
    private final Map<String, Transformer> custom = new LinkedHashMap<>();
    private @Nullable Executor executor;
    private int threads = 2;
    private int queueCapacity = 100;
    private int maxAttempts = 3;
    private Duration retryBackoff = Duration.ofMillis(200);
    private long maxPixels = ImageTransformer.DEFAULT_MAX_PIXELS;
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
      this.threads = n;
      return this;
    }

    /** Jobs that may wait for a worker (default 100); more are rejected. */
    public Builder queueCapacity(int n) {
      if (n < 1 || n > 1_000_000) {
        throw new IllegalArgumentException("queue capacity must be 1-1000000, was " + n);
      }
      this.queueCapacity = n;
      return this;
    }

    /** Runs jobs on this executor instead of an own pool; the service never shuts it down. */
    public Builder executor(Executor e) {
      if (executor != null) {
        throw new IllegalStateException("executor was already set to " + executor);
      }
      this.executor = Objects.requireNonNull(e, "executor");
      return this;
    }

    /** Attempts per job for transient failures (default 3). */
    public Builder maxAttempts(int n) {
      if (n < 1 || n > 20) {
        throw new IllegalArgumentException("max attempts must be 1-20, was " + n);
      }
      this.maxAttempts = n;
      return this;
    }

    /** Pause before retry n is n times this (default 200 ms). */
    public Builder retryBackoff(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("retry backoff must be >= 0, was " + d);
      }
      this.retryBackoff = d;
      return this;
    }

    /** Declared-pixel limit for the built-in image operations (default 40 million). */
    public Builder maxPixels(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("max pixels must be >= 1, was " + n);
      }
      this.maxPixels = n;
      return this;
    }

    /** Finished jobs remembered for status queries (default 10000). */
    public Builder retainFinished(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("retained jobs must be >= 0, was " + n);
      }
      this.retainFinished = n;
      return this;
    }

    /** Leaves out the built-in {@code resize} and {@code thumbnail}. */
    public Builder withoutBuiltins() {
      this.builtins = false;
      return this;
    }

    /** Adds an operation; its name must be new (it may replace a built-in one). */
    public Builder register(Transformer t) {
      String name = t.name();
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("transformer name '" + name + "' must match [a-z0-9_-]{1,32}");
      }
      if (custom.containsKey(name)) {
        throw new IllegalStateException("transformer '" + name + "' was already registered as " + custom.get(name));
      }
      custom.put(name, t);
      return this;
    }

    public TransformService build() {
      return new TransformService(this);
    }
  }
}
