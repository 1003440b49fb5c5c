package dev.ren.micrometer;

import dev.ren.transform.JobStatus;
import dev.ren.transform.TransformService;
import org.jspecify.annotations.Nullable;

import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One {@link TransformService#jobCounts()} reading shared by the four {@code ren.transform.jobs} gauges and reused
 * for a short while (counting walks the jobs the service holds).
 *
 * <p>Thread-safety: thread-safe; two scrapes at once may both count (harmless).
 */
final class JobReading {

  private final TransformService service;
  private final LongSupplier nanoTime;
  private final long ttlNanos;
  private volatile @Nullable Taken last;

  private record Taken(long at, Map<JobStatus, Integer> counts) {}

  JobReading(TransformService service, LongSupplier nanoTime, long ttlNanos) {
    this.service = service;
    this.nanoTime = nanoTime;
    this.ttlNanos = ttlNanos;
  }

  double count(JobStatus state) {
    long now = nanoTime.getAsLong();
    Taken t = last;
    if (t == null || now - t.at() >= ttlNanos) {
      t = new Taken(now, service.jobCounts());
      last = t;
    }
    Integer n = t.counts().get(state);
    return n == null ? 0 : n;
  }
}
