package dev.ren.client;

import dev.ren.client.RenClient.State;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A client's connection state machine: one {@link StreamConnection} at a time; when it ends, either give up (closed
 * by the user, a permanent HTTP error, no auto-reconnect) or ask the {@link RetryDelayStrategy} for a wait and
 * schedule the next attempt, which resumes from the last event id.
 *
 * <pre>
 * IDLE --start--&gt; CONNECTING --200--&gt; OPEN --ends--&gt; WAITING --delay--&gt; CONNECTING ...
 *                        \--fails------------------&gt;/
 * any --close() / permanent error / ended without auto-reconnect--&gt; CLOSED (final)
 * </pre>
 *
 * <p>Ownership: {@code state}, {@code current}, {@code pendingReconnect}, {@code attempts} and {@code serverRetry}
 * are guarded by {@code lock}; a connection that is no longer {@code current} is ignored. {@code lastEventId} is
 * volatile: the current connection's delivery thread writes it at each dispatch point, the next connection and
 * {@link RenClient#lastEventId()} read it. Listeners and the retry strategy are never called under the lock.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ReconnectLoop implements StreamConnection.Owner {

  private static final System.Logger LOG = System.getLogger(RenClient.class.getName());

  private final StreamSettings settings;
  private final RetryDelayStrategy retry;
  private final boolean autoReconnect;
  private final CallbackDispatcher dispatch;
  private final Level logLevel;
  private final Runnable giveUp;

  private final Object lock = new Object();
  private State state = State.IDLE;
  private @Nullable StreamConnection current;
  private @Nullable Future<?> pendingReconnect;
  /** Attempts since the last connection that delivered a message. */
  private int attempts;
  /** The server's last {@code retry:}; it outlives the connection that sent it, as in a browser. */
  private @Nullable Duration serverRetry;

  private volatile @Nullable String lastEventId;

  /**
   * @param giveUp closes the whole client (this loop included); run, outside the lock, when the loop stops
   *               for a reason of its own
   */
  ReconnectLoop(StreamSettings settings, RetryDelayStrategy retry, boolean autoReconnect,
      CallbackDispatcher dispatch, @Nullable String lastEventId, Level logLevel, Runnable giveUp) {
    this.settings = settings;
    this.retry = retry;
    this.autoReconnect = autoReconnect;
    this.dispatch = dispatch;
    this.lastEventId = lastEventId;
    this.logLevel = logLevel;
    this.giveUp = giveUp;
  }

  /**
   * Opens the first connection on the scheduler.
   *
   * @throws RejectedExecutionException if the scheduler is shut down
   */
  void start() {
    settings.scheduler().execute(this::connect);
  }

  @Nullable String lastEventId() {
    return lastEventId;
  }

  State state() {
    synchronized (lock) {
      return state;
    }
  }

  /** Stops for good: cancels the pending reconnect and the current connection. True if this call closed it. */
  boolean close() {
    StreamConnection c;
    Future<?> p;
    boolean changed;
    synchronized (lock) {
      c = current;
      current = null;
      p = pendingReconnect;
      pendingReconnect = null;
      changed = setState(State.CLOSED);
    }
    if (p != null) {
      p.cancel(false);
    }
    if (c != null) {
      c.cancel(null);
    }
    if (changed) {
      dispatch.state(State.CLOSED);
    }
    return changed;
  }

  /** Waits until the state is {@code wanted}; false on timeout or when the loop closed first. */
  boolean awaitState(State wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos(); // the caller's wait: real time, whatever the scheduler
    synchronized (lock) {
      while (state != wanted) {
        if (state == State.CLOSED) {
          return false;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  // ---------------------------------------------------------------- attempts

  private void connect() {
    StreamConnection c;
    boolean changed;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      pendingReconnect = null;
      c = new StreamConnection(settings, this, lastEventId);
      current = c;
      changed = setState(State.CONNECTING);
    }
    if (changed) {
      dispatch.state(State.CONNECTING);
    }
    c.open();
  }

  private void scheduleReconnect() {
    int attempt;
    @Nullable Duration hint;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      attempt = attempts == Integer.MAX_VALUE ? attempts : ++attempts;
      hint = serverRetry;
    }
    Duration delay;
    try {
      delay = retry.nextDelay(attempt, hint);
      if (delay == null || delay.isNegative()) {
        throw new IllegalStateException("retry delay strategy " + retry + " returned " + delay + " for attempt "
            + attempt + "; a delay must be zero or positive");
      }
    } catch (RuntimeException e) {
      stop("its retry delay strategy failed", e);
      return;
    }
    RejectedExecutionException rejected = null;
    boolean changed = false;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      try {
        pendingReconnect = settings.scheduler().schedule(this::connect, saturatedNanos(delay), TimeUnit.NANOSECONDS);
        changed = setState(State.WAITING);
      } catch (RejectedExecutionException e) {
        rejected = e; // not closing (state is not CLOSED): someone shut down the scheduler the caller gave us
      }
    }
    if (rejected != null) {
      stop("its scheduler rejected the reconnect", rejected);
    } else if (changed) {
      LOG.log(logLevel, () -> "REN client " + settings.clientId() + " reconnects in " + delay.toMillis() + " ms");
      dispatch.state(State.WAITING);
    }
  }

  private void stop(String why, RuntimeException e) {
    LOG.log(Level.WARNING, "REN client " + settings.clientId() + " gives up: " + why, e);
    dispatch.error(e);
    giveUp.run();
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE; // a server retry: of centuries
    }
  }

  /** Guarded by lock. CLOSED is final. */
  private boolean setState(State s) {
    if (state == s || state == State.CLOSED) {
      return false;
    }
    state = s;
    lock.notifyAll();
    return true;
  }

  // ---------------------------------------------------------------- what connections report

  @Override
  public void opened(StreamConnection c) {
    synchronized (lock) {
      if (current != c || !setState(State.OPEN)) {
        return;
      }
    }
    LOG.log(logLevel, () -> "REN client " + settings.clientId() + " connected to " + settings.endpoint());
    dispatch.state(State.OPEN);
  }

  @Override
  public void firstMessage(StreamConnection c) {
    synchronized (lock) {
      if (current == c) {
        attempts = 0; // the connection worked: the next wait starts from the shortest again
      }
    }
  }

  @Override
  public void message(StreamConnection c, RenMessage m) {
    dispatch.message(m);
  }

  @Override
  public void comment(StreamConnection c, String text) {
    LOG.log(Level.TRACE, () -> "REN client " + settings.clientId() + " comment :" + text);
  }

  @Override
  public void lastEventId(StreamConnection c, String id) {
    lastEventId = id; // only a live connection reports, and a connection is finished before it is replaced
  }

  @Override
  public void retry(StreamConnection c, Duration reconnectionTime) {
    synchronized (lock) {
      if (current == c) {
        serverRetry = reconnectionTime;
      }
    }
  }

  @Override
  public void ended(StreamConnection c, @Nullable Throwable cause) {
    synchronized (lock) {
      if (current != c || state == State.CLOSED) {
        return;
      }
      current = null;
    }
    String id = settings.clientId();
    if (cause != null) {
      LOG.log(logLevel, () -> "REN client " + id + " stream failed: " + cause);
      dispatch.error(cause);
    } else {
      LOG.log(logLevel, () -> "REN client " + id + " stream ended by the server");
    }
    if (cause instanceof StreamHttpErrorException h && !h.isRetryable()) {
      LOG.log(Level.WARNING, "REN client " + id + " gives up: " + h.getMessage());
      giveUp.run();
    } else if (!autoReconnect) {
      giveUp.run();
    } else {
      scheduleReconnect();
    }
  }
}
