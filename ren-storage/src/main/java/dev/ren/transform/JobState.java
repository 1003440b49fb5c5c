package dev.ren.transform;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One submitted job: what it does (immutable) and where it is ({@code status}, {@code error}). Invariant: status
 * only moves forward ({@code pending → running → complete|failed}), and status and error change together under
 * this object's monitor, so a {@link #snapshot()} never pairs a status with another step's error.
 *
 * <p>Thread-safety: thread-safe; the submitting thread, one worker and any number of status readers share it.
 */
final class JobState {
  final String id;
  final Transformer transformer;
  final String srcKey;
  final String outputKey;
  final Map<String, String> options;
  /** Whose share of the queue this job takes, or null for a caller outside any share. */
  final @Nullable String client;
  /** The bucket it works in: the {@code ns} of its events. */
  final String bucket;
  /** The tenant it reads and writes in (null: the default tenant), carried by every event. */
  final @Nullable String tenant;
  /** Who owns the output (the {@code uid} of every event), or null. */
  final @Nullable String owner;
  private final AtomicBoolean shareGiven = new AtomicBoolean();
  private JobStatus status = JobStatus.PENDING;
  private @Nullable String error;

  JobState(String id, Transformer transformer, String srcKey, String outputKey, Map<String, String> options,
      @Nullable String client, String bucket, @Nullable String tenant, @Nullable String owner) {
    this.client = client;
    this.bucket = bucket;
    this.tenant = tenant;
    this.owner = owner;
    this.id = id;
    this.transformer = transformer;
    this.srcKey = srcKey;
    this.outputKey = outputKey;
    this.options = options;
  }

  synchronized JobStatus status() {
    return status;
  }

  synchronized void running() {
    status = JobStatus.RUNNING;
  }

  synchronized void finish(JobStatus end, @Nullable String why) {
    status = end;
    error = why;
  }

  /** Notes, on a complete job, that its output was stored but not announced. */
  synchronized void notPublished(@Nullable String why) {
    error = why;
  }

  /** True the first time only: the job's share of the queue is given back once, however it ends. */
  boolean giveShareBack() {
    return client != null && shareGiven.compareAndSet(false, true);
  }

  synchronized TransformJob snapshot() {
    return new TransformJob(id, transformer.name(), srcKey, outputKey, options, status, error, tenant, owner);
  }

  /**
   * A {@code transform.*} event of this job: k = output key, ns = the bucket, uid = the output's owner, in the job's
   * tenant; data = {jobId, srcKey, op, ...extra}.
   */
  RenEvent event(String type, @Nullable ObjectNode extra) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("jobId", id);
    data.put("srcKey", srcKey);
    data.put("op", transformer.name());
    if (extra != null) {
      data.setAll(extra);
    }
    return RenEvent.transform(type, outputKey, data).toBuilder().namespace(bucket).userId(owner).tenant(tenant)
        .build();
  }
}
