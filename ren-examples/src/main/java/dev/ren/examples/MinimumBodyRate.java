package dev.ren.examples;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Cuts a request body that trickles in. The rate is checked only when the reader of the body (Jetty's eager
 * loader, or a servlet) finds no data and would wait for the client, so a reader slower than the network is never
 * blamed on the client. At that moment, if more than {@code grace} has passed since the current window began
 * (the request's arrival, at first) and the window brought less than {@code minBytesPerSecond} on average, the read
 * returns a terminal failure with status {@code 408} instead of waiting; otherwise a new window begins. Windows,
 * not one average since the start, so a client cannot send a fast first megabyte and then trickle for as long as
 * that average lasts. A client that stops sending altogether is closed by the connector's idle timeout.
 *
 * <p>A body cut while Jetty's {@code EagerContentHandler} loads it (no thread held) is answered {@code 408} by
 * {@link #refusingCutBodies} placed between that handler and the servlet context, so no servlet sees it; one cut
 * while a servlet reads it (past the eager size) fails that servlet's read.
 *
 * <p>Jetty's own {@code MinimumDataRateHandler} measures the bytes read by all requests together, and the
 * servlet-level {@code HttpConfiguration.setMinRequestDataRate} is deprecated and checks blocking servlet reads
 * only, not the asynchronous reads of {@code EagerContentHandler}; hence this small handler.
 *
 * <p>Thread-safety: the handler is thread-safe; each request's counters belong to the one reader of its body
 * (Jetty never runs two reads of one body at once).
 */
final class MinimumBodyRate extends Handler.Wrapper {

  private final long minBytesPerSecond;
  private final long graceNanos;
  private final LongSupplier nanoTime;
  private final LongAdder requests = new LongAdder();

  MinimumBodyRate(Handler next, long minBytesPerSecond, Duration grace, LongSupplier nanoTime) {
    super(next);
    this.minBytesPerSecond = minBytesPerSecond;
    this.graceNanos = grace.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Handler next = getHandler();
    if (next == null) {
      return false;
    }
    requests.increment();
    return next.handle(new Guarded(request, nanoTime.getAsLong()), response, callback);
  }

  /**
   * {@code next} behind a check that answers {@code 408} (through the server's error handler) for a request whose
   * body this handler cut before it got there.
   */
  static Handler refusingCutBodies(Handler next) {
    return new Handler.Wrapper(next) {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Guarded guarded = Request.as(request, Guarded.class);
        if (guarded != null && guarded.cut != null) {
          Response.writeError(request, response, callback, 408);
          return true;
        }
        return super.handle(request, response, callback);
      }
    };
  }

  /** Requests that reached this handler so far (tests wait on it). */
  long requests() {
    return requests.sum();
  }

  private final class Guarded extends Request.Wrapper {
    // written by the reader, read by refusingCutBodies after the eager loader handed the request on
    private volatile Content.@Nullable Chunk cut;
    // owned by the body's single reader
    private long windowStart;
    private long windowBytes;

    Guarded(Request wrapped, long start) {
      super(wrapped);
      this.windowStart = start;
    }

    @Override
    public Content.@Nullable Chunk read() {
      Content.Chunk failed = cut;
      if (failed != null) {
        return failed;
      }
      Content.Chunk chunk = super.read();
      if (chunk != null) {
        windowBytes += chunk.remaining();
        return chunk;
      }
      // the reader would now wait for the client
      long now = nanoTime.getAsLong();
      long elapsed = now - windowStart;
      if (elapsed <= graceNanos) {
        return null;
      }
      if (windowBytes * 1_000_000_000.0 / elapsed >= minBytesPerSecond) {
        windowStart = now;
        windowBytes = 0;
        return null;
      }
      failed = Content.Chunk.from(new HttpException.RuntimeException(408, "request body slower than "
          + minBytesPerSecond + " bytes/s"), true);
      cut = failed;
      return failed;
    }
  }
}
