package dev.ren.servlet;

import dev.ren.RenEvent;
import dev.ren.access.RenCaller;
import dev.ren.hub.StreamCloseReason;
import dev.ren.hub.Subscription;
import dev.ren.sse.SseFrames;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One SSE stream: a single writer and one state machine over a non-blocking servlet output stream.
 *
 * <p>Everything that wants bytes on this connection — new events (the hub's callback), heartbeats (the shared
 * scheduler), the container's {@code onWritePossible} — only calls {@link #signal()}. Signals are counted; one
 * drain at a time runs on the writer executor and writes whatever is due, so frames never interleave and
 * heartbeats never race publishes. While the socket is not ready the drain simply stops; the container calls
 * {@code onWritePossible} when it is, which signals again. A reader that stays behind by more than the unsent
 * limit, or is overrun by the ring, is closed.
 *
 * <p>Every ending — write failure, container error, timeout, overrun, slow reader, servlet shutdown — goes through
 * {@link #close}, which runs once: the subscription is removed and {@link AsyncContext#complete()} is called once.
 *
 * <p>Thread-safety: thread-safe; the fields marked "drain-owned" are touched only inside the drain loop, which the
 * {@code wip} counter keeps single-threaded.
 */
final class SseConnection implements WriteListener, AsyncListener {

  private static final System.Logger LOG = System.getLogger(SseConnection.class.getName());
  private static final byte[] HEARTBEAT = SseFrames.heartbeat();
  /** The presence probe: a bare comment line, ignored by every SSE parser. */
  private static final byte[] PROBE = {':', '\n'};

  private final AsyncContext async;
  private final ServletOutputStream out;
  private final Executor executor;
  private final long maxUnsentBytes;
  private final int maxBatchBytes;
  private final CloseListener onClosed;
  private final RenCaller caller;
  // the token the stream was opened with, when a token authenticated it: refused once the user is revoked
  private final @Nullable String token;
  private final StreamHolder holder;
  private volatile @Nullable Future<?> endTimer;
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Runnable drainTask = this::drain;
  private volatile @Nullable Subscription subscription;
  // false until the servlet has set the write listener: no drain may touch the output stream before (isReady and
  // write are illegal then); what a signal asked for meanwhile is in the fields, and arm() signals once
  private volatile boolean armed;
  private volatile boolean heartbeatDue;
  private volatile boolean probeDue;
  // the last frames before the stream ends (retry: when a token expired or was revoked); set once, any thread
  private volatile byte @Nullable [] farewell;
  // why the stream ends after the farewell; written before farewell, read after it
  private volatile StreamCloseReason farewellReason = StreamCloseReason.SHUTDOWN;

  // drain-owned
  private byte @Nullable [] initial;
  private boolean wroteSinceHeartbeat;
  private boolean closeAfterWrite;
  private StreamCloseReason closeReason = StreamCloseReason.SHUTDOWN;

  SseConnection(AsyncContext async, ServletOutputStream out, Executor executor, long maxUnsentBytes,
      int maxBatchBytes, byte[] initial, CloseListener onClosed, RenCaller caller,
      @Nullable String token, StreamHolder holder) {
    this.caller = caller;
    this.token = token;
    this.holder = holder;
    this.async = async;
    this.out = out;
    this.executor = executor;
    this.maxUnsentBytes = maxUnsentBytes;
    this.maxBatchBytes = maxBatchBytes;
    this.initial = initial;
    this.onClosed = onClosed;
  }

  void attach(Subscription s) {
    this.subscription = s;
    if (closed.get()) {
      s.close();
    }
  }

  /** Told once when a stream ends, with why. */
  @FunctionalInterface
  interface CloseListener {
    void closed(SseConnection connection, StreamCloseReason reason);
  }

  /**
   * The write listener is set: from now on signals drain. Signals before this one (a heartbeat, a revocation, the
   * end timer of a token that expires as the stream opens) are not lost: their state is in the fields, and this
   * signals once.
   */
  void arm() {
    armed = true;
    signal();
  }

  /** Asks for a drain; cheap, never blocks, callable from any thread. Does nothing before {@link #arm()}. */
  void signal() {
    if (!armed) {
      return; // arm() will signal
    }
    if (wip.getAndIncrement() == 0 && !closed.get()) {
      try {
        executor.execute(drainTask);
      } catch (RuntimeException rejected) {
        LOG.log(Level.WARNING, "writer executor rejected a drain; closing stream", rejected);
        close(StreamCloseReason.ERROR);
      }
    }
  }

  void heartbeat() {
    heartbeatDue = true;
    signal();
  }

  /**
   * Asks for a probe write: a stream whose client holds presence is written to every probe interval, so a socket
   * the peer closed fails a write (the second one after the close) long before the next heartbeat.
   */
  void probe() {
    probeDue = true;
    signal();
  }

  /** The client id the stream was opened with, or null when the server generated one. */
  @Nullable String clientId() {
    Subscription s = subscription;
    return s == null ? null : s.clientId();
  }

  /**
   * Ends the stream after writing {@code frames} (a {@code retry:} telling the client when to come back), in the
   * drain, so they never interleave with an event; the stream is then counted closed for {@code reason}. Callable
   * from any thread; a later call is ignored.
   */
  void endWith(byte[] frames, StreamCloseReason reason) {
    if (farewell == null && !closed.get()) {
      farewellReason = reason;
      farewell = frames;
      signal();
    }
  }

  private void drain() {
    int missed = 1;
    while (true) {
      if (closed.get()) {
        return;
      }
      try {
        writeWhatIsDue();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.DEBUG, "stream write failed; closing", e);
        close(StreamCloseReason.CLIENT);
        return;
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  /**
   * Writes until nothing is due or the socket is not ready. {@code isReady()} is asked only when there is something
   * to write: asking right after a flush catches the flush still in flight, and the container then schedules an
   * {@code onWritePossible} on one of its threads that finds nothing to do.
   */
  private void writeWhatIsDue() throws IOException {
    while (!closed.get()) {
      if (!workWaiting()) {
        return;
      }
      if (!out.isReady()) {
        Subscription s = subscription;
        if (s != null && s.lagBytes() > maxUnsentBytes) {
          LOG.log(Level.DEBUG, "slow reader over " + maxUnsentBytes + " unsent bytes; closing");
          close(StreamCloseReason.SLOW_CONSUMER);
        }
        return; // onWritePossible will signal
      }
      byte[] chunk = nextChunk();
      if (chunk == null) {
        return;
      }
      out.write(chunk);
      wroteSinceHeartbeat = true;
      if (out.isReady()) {
        out.flush();
      }
      if (closeAfterWrite) {
        close(closeReason);
        return;
      }
    }
  }

  /** The next bytes to write: the initial frames, a batch of events, or a heartbeat; null when nothing is due. */
  private byte @Nullable [] nextChunk() {
    if (initial != null) {
      byte[] b = initial;
      initial = null;
      return b;
    }
    byte[] last = farewell;
    if (last != null) {
      closeAfterWrite = true; // nothing after it: the authority that opened the stream has ended
      closeReason = farewellReason;
      return last;
    }
    Subscription s = subscription;
    if (s != null) {
      Batch batch = new Batch(maxBatchBytes);
      Subscription.PollResult r = s.poll(batch);
      if (r == Subscription.PollResult.OVERRUN) {
        LOG.log(Level.DEBUG, "stream overrun by the ring; closing so the client resumes or resets");
        StreamCloseReason why = s.gapped() ? StreamCloseReason.LOG_GAP : StreamCloseReason.SLOW_CONSUMER;
        if (batch.isEmpty()) {
          close(why);
          return null;
        }
        closeAfterWrite = true; // write what we have first
        closeReason = why;
      }
      if (!batch.isEmpty()) {
        return batch.join();
      }
    }
    if (heartbeatDue) {
      heartbeatDue = false;
      if (!wroteSinceHeartbeat) {
        return HEARTBEAT;
      }
      wroteSinceHeartbeat = false;
    }
    if (probeDue) {
      probeDue = false; // written even after other frames: each probe is one more write that can fail
      return PROBE;
    }
    return null;
  }

  /**
   * The frames of one poll, joined into one write. A new batch per poll, rather than a list kept by the connection:
   * a new object is young, so collecting into it stores no reference into the long-lived connection. On G1 each
   * such store dirties a card that a concurrent refinement thread must then scan; with 1,000 streams that was one
   * card per delivery, about 5 % of the server's CPU per delivery in the load benchmark (ren-bench/results/NOTES.md).
   */
  private static final class Batch implements Subscription.Visitor {
    private final int maxBytes;
    private byte @Nullable [] first;
    private @Nullable List<byte[]> more;
    private int bytes;

    Batch(int maxBytes) {
      this.maxBytes = maxBytes;
    }

    @Override
    public boolean accept(String id, RenEvent event, byte[] frame) {
      if (first == null) {
        first = frame;
      } else {
        if (more == null) {
          more = new ArrayList<>();
        }
        more.add(frame);
      }
      bytes += frame.length;
      return bytes < maxBytes;
    }

    boolean isEmpty() {
      return first == null;
    }

    /** The frames as one array; a lone frame as is (frames are immutable and shared: safe to hand over). */
    byte[] join() {
      byte[] one = Objects.requireNonNull(first, "join of an empty batch");
      if (more == null) {
        return one;
      }
      byte[] joined = new byte[bytes];
      System.arraycopy(one, 0, joined, 0, one.length);
      int p = one.length;
      for (byte[] f : more) {
        System.arraycopy(f, 0, joined, p, f.length);
        p += f.length;
      }
      return joined;
    }
  }

  /** The caller that opened the stream. */
  RenCaller caller() {
    return caller;
  }

  /** The token that authenticated the stream, or null when none did. */
  @Nullable String token() {
    return token;
  }

  /** Who the stream counts against in the per-caller bound. */
  StreamHolder holder() {
    return holder;
  }

  /** The timer that ends the stream when its authority expires; cancelled when the stream closes first. */
  void endAfter(Future<?> timer) {
    endTimer = timer;
    if (closed.get()) {
      timer.cancel(false);
    }
  }

  /**
   * Ends the stream once: removes the subscription, completes the async context and tells the servlet why.
   * Idempotent: only the first call's reason counts.
   */
  void close(StreamCloseReason reason) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Future<?> timer = endTimer;
    if (timer != null) {
      timer.cancel(false);
    }
    Subscription s = subscription;
    if (s != null) {
      s.close();
    }
    try {
      async.complete();
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "complete() after the container ended the request", e);
    }
    onClosed.closed(this, reason);
  }

  boolean isClosed() {
    return closed.get();
  }

  // ---------------------------------------------------------------- container callbacks

  /**
   * The socket can take more. Runs the drain right here on the container's thread (it never blocks) instead of
   * handing it to the writer pool, and skips it when nothing is waiting: a completed write of the last event needs
   * no second, empty drain.
   */
  @Override
  public void onWritePossible() {
    if (!workWaiting()) {
      return;
    }
    if (wip.getAndIncrement() == 0 && !closed.get()) {
      drain();
    }
  }

  private boolean workWaiting() {
    Subscription s = subscription;
    return initial != null || heartbeatDue || probeDue || closeAfterWrite || farewell != null || s == null || s.hasMore();
  }

  @Override
  public void onError(Throwable t) {
    LOG.log(Level.DEBUG, "stream write error; closing", t);
    close(StreamCloseReason.CLIENT);
  }

  /** The container completed the request on its own (the connection ended under it). */
  @Override
  public void onComplete(AsyncEvent event) {
    close(StreamCloseReason.CLIENT);
  }

  /** Not expected (the timeout is disabled); a container that times out anyway ends the stream. */
  @Override
  public void onTimeout(AsyncEvent event) {
    close(StreamCloseReason.ERROR);
  }

  /** Jetty and Tomcat report a peer that went away here. */
  @Override
  public void onError(AsyncEvent event) {
    close(StreamCloseReason.CLIENT);
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not re-dispatched
  }
}
