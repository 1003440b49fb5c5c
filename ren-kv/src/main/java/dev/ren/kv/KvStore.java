package dev.ren.kv;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.ren.RenPublisher;
import org.jspecify.annotations.Nullable;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A key-value store whose every change is announced on a {@link RenPublisher}: {@code kv.put}, {@code kv.delete},
 * {@code kv.expired} (system-caused, no {@code src}) and, when a size bound is set, {@code kv.evicted}. No removal
 * is silent. Values are JSON; keys live in namespaces ({@link #namespace}).
 *
 * <pre>{@code
 * RenHub hub = RenHub.create();
 * try (KvStore kv = KvStore.inMemory(hub)) {
 *   kv.namespace("demo").put("todo:1", "buy milk");
 * }
 * KvStore bounded = KvStore.builder(hub).maximumSize(100_000).build();
 * }</pre>
 *
 * <p>The default backend is Caffeine with per-entry TTL and a real scheduler, so expiry fires (and
 * {@code kv.expired} is published) without cache traffic, within about a second of the deadline; reads after the
 * deadline return absent at once. Other backends plug in through {@link KvBackend}.
 *
 * <p>Thread-safety: thread-safe. {@link #close()} is idempotent and shuts down only the threads the store
 * created; operations after close throw {@link IllegalStateException}.
 */
public interface KvStore extends AutoCloseable {

  /**
   * The namespace {@code name}.
   *
   * @throws IllegalArgumentException unless the name matches {@code [A-Za-z0-9_.-]{1,64}}
   */
  KvNamespace namespace(String name);

  /** Stops expiry announcements and releases the backend; idempotent. */
  @Override
  void close();

  /** An unbounded in-memory (Caffeine) store publishing to {@code publisher}. */
  static KvStore inMemory(RenPublisher publisher) {
    return builder(publisher).build();
  }

  /** A builder for a store publishing to {@code publisher}. */
  static Builder builder(RenPublisher publisher) {
    return new Builder(publisher);
  }

  /**
   * Configures a {@link KvStore}. Each setting may be given once; a repeated setting, or a Caffeine setting
   * combined with {@link #backend}, fails at once.
   *
   * <p>Thread-safety: not thread-safe; the built store is.
   */
  final class Builder {
    final RenPublisher publisher;
    long maximumSize = -1;
    @Nullable Scheduler scheduler;
    @Nullable Ticker ticker;
    @Nullable Executor executor;
    @Nullable Clock clock;
    @Nullable KvBackend backend;

    private Builder(RenPublisher publisher) {
      this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * Bounds the number of entries (Caffeine backend); entries removed to respect it are announced as
     * {@code kv.evicted}. Unbounded by default.
     */
    public Builder maximumSize(long maximumSize) {
      check(this.maximumSize < 0, "maximumSize", this.maximumSize);
      if (maximumSize < 0) {
        throw new IllegalArgumentException("maximumSize must be >= 0, was " + maximumSize);
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /**
     * The scheduler that fires expiry without cache traffic (Caffeine backend). By default the store creates one
     * daemon thread and shuts it down on close. {@code Scheduler.disabledScheduler()} leaves expiry to cache
     * activity (reads still never return an expired entry).
     */
    public Builder scheduler(Scheduler scheduler) {
      check(this.scheduler == null, "scheduler", this.scheduler);
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The time source for TTLs (Caffeine backend); {@link Ticker#systemTicker()} by default. For tests. */
    public Builder ticker(Ticker ticker) {
      check(this.ticker == null, "ticker", this.ticker);
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Runs cache maintenance and removal notifications (Caffeine backend). By default they run on the thread that
     * caused them (a put, a read, or the expiry scheduler's thread), which costs a put far less than handing each
     * notice to a pool; {@code kv.expired} and {@code kv.evicted} may then be published on a caller's thread.
     */
    public Builder executor(Executor executor) {
      check(this.executor == null, "executor", this.executor);
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The wall clock behind {@link KvEntry#expiration()} (Caffeine backend); the UTC system clock by default. */
    public Builder clock(Clock clock) {
      check(this.clock == null, "clock", this.clock);
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Uses another backend instead of Caffeine; the store closes it when the store is closed. */
    public Builder backend(KvBackend backend) {
      check(this.backend == null, "backend", this.backend);
      this.backend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    /** Builds the store; the builder's settings are copied. */
    public KvStore build() {
      KvBackend b = backend;
      if (b != null) {
        String conflict = maximumSize >= 0 ? "maximumSize" : scheduler != null ? "scheduler"
            : ticker != null ? "ticker" : executor != null ? "executor" : clock != null ? "clock" : null;
        if (conflict != null) {
          throw new IllegalStateException(conflict + " applies to the Caffeine backend only, but a custom backend ("
              + b + ") was set");
        }
      } else {
        b = new CaffeineKvBackend(maximumSize, scheduler, ticker, executor, clock);
      }
      return new EventingKvStore(publisher, b);
    }

    private static void check(boolean unset, String what, @Nullable Object old) {
      if (!unset) {
        throw new IllegalStateException(what + " was already set to " + old);
      }
    }
  }
}
