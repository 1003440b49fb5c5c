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
 * @param error     why it failed, when {@link JobStatus#FAILED}
 */
public record TransformJob(String id, String op, String srcKey, String outputKey, Map<String, String> options,
                           JobStatus status, @Nullable String error) {
  public TransformJob {
    options = Map.copyOf(options);
  }
}
