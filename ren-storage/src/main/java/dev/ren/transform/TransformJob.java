package dev.ren.transform;

import org.jspecify.annotations.Nullable;

import java.util.Map;

/**
 * A snapshot of one job.
 *
 * <p>Thread-safety: immutable.
 *
 * @param id        the job id
 * @param op        the transform name ({@code resize}, {@code thumbnail}, ...)
 * @param srcKey    the source object
 * @param outputKey where the result is (or will be) stored; known at submit time
 * @param options   the normalised options
 * @param status    where the job is
 * @param error     why it failed, when {@link JobStatus#FAILED}; on a {@link JobStatus#COMPLETE} job null, unless the
 *                  output was stored but its {@code storage.put} or {@code transform.complete} could not be
 *                  published (then the {@link dev.ren.AppliedButNotPublishedException}'s message)
 * @param tenant    the tenant the job works in, or null for the default tenant
 * @param owner     who owns its output (the source's owner, else the submitting user), or null
 */
public record TransformJob(String id, String op, String srcKey, String outputKey, Map<String, String> options,
                           JobStatus status, @Nullable String error, @Nullable String tenant,
                           @Nullable String owner) {
  public TransformJob {
    options = Map.copyOf(options);
  }

  /** A job of the default tenant whose output has no owner. */
  public TransformJob(String id, String op, String srcKey, String outputKey, Map<String, String> options,
                      JobStatus status, @Nullable String error) {
    this(id, op, srcKey, outputKey, options, status, error, null, null);
  }
}
