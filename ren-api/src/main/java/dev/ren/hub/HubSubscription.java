package dev.ren.hub;

import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import dev.ren.sse.SseFrames;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A cursor into the hub's ring, with replay entries (from the log) to hand out first.
 *
 * <p>Thread-safety: fields below "reader-owned" are touched only by the single polling thread; {@code cursor} is
 * volatile so the dispatcher can tell whether the reader is behind.
 */
final class HubSubscription implements Subscription {

  private static final System.Logger LOG = System.getLogger(HubSubscription.class.getName());
  // what handing one event to the visitor came to
  private static final int SKIPPED = 0;
  private static final int HANDED = 1;
  private static final int STOP = 2;

  private final RenHub hub;
  private final RenFilter filter;
  private final Predicate<RenEvent> access;
  private final @Nullable String clientId;
  private final @Nullable String tenant;
  private final @Nullable String user;
  final Runnable onAvailable;

  private volatile long cursor;
  private volatile boolean closed;
  private volatile boolean gap;
  private boolean reset;
  private String startId = "";

  // reader-owned
  private List<LogEntry> replay = List.of();
  private int replayIndex;
  private @Nullable Position skipThrough;
  /** Ring entries up to this index were published before the subscriber resumed: delivering them is a replay. */
  private long replayThrough = -1;

  HubSubscription(RenHub hub, SubscribeRequest request, Runnable onAvailable) {
    this.hub = hub;
    this.filter = request.filter();
    this.access = request.access();
    this.clientId = request.clientId();
    this.tenant = request.caller().tenant();
    this.user = request.caller().user();
    this.onAvailable = onAvailable;
  }

  void startLive(long from, String headId, boolean wasReset) {
    this.cursor = from;
    this.startId = headId;
    this.reset = wasReset;
    if (wasReset) {
      hub.stats().replayReset();
    }
  }

  void startReplay(List<LogEntry> missed, long from, @Nullable Position skip, String resumeId, long through) {
    this.replay = missed;
    this.replayThrough = through;
    this.cursor = from;
    this.skipThrough = skip;
    this.startId = resumeId;
    this.reset = false;
  }

  void markGap() {
    gap = true;
  }

  void skipToHead() {
    gap = false;
    replay = List.of();
    cursor = hub.head() + 1;
  }

  boolean behind(long head) {
    return !closed && (gap || cursor <= head || replayIndex < replay.size());
  }

  /** Whether the log reported a gap since this subscription opened (it then ends: {@link PollResult#OVERRUN}). */
  @Override
  public boolean gapped() {
    return gap;
  }

  @Override
  public boolean reset() {
    return reset;
  }

  @Override
  public String startId() {
    return startId;
  }

  @Nullable String tenant() {
    return tenant;
  }

  @Nullable String user() {
    return user;
  }

  @Override
  public @Nullable String clientId() {
    return clientId;
  }

  @Override
  public PollResult poll(Visitor visitor) {
    if (closed) {
      return PollResult.CLOSED;
    }
    if (gap) {
      return PollResult.OVERRUN;
    }
    int replayed = 0;
    int delivered = 0;
    long c = cursor;
    try {
      while (replayIndex < replay.size()) {
        LogEntry le = replay.get(replayIndex++);
        RenEvent e = le.encoded().event();
        String table = EventTypes.STORAGE.equals(e.r()) ? EventTypes.storageTableName(e.t()) : null;
        int r;
        if (table != null) {
          RenHub.Framed f = hub.frameStorage(le.id(), e, le.encoded().json(), table);
          r = offer(visitor, le.id(), f.event(), f.frame(), f.alias());
        } else if (deliverable(e)) {
          byte[] frame = SseFrames.frame(le.id(), e.t(), le.encoded().json());
          r = visitor.accept(le.id(), e, frame) ? HANDED : STOP;
        } else {
          r = SKIPPED;
        }
        if (r != SKIPPED) {
          replayed++;
          if (r == STOP) {
            return PollResult.STOPPED;
          }
        }
      }
      if (replayIndex > 0) {
        replay = List.of();
        replayIndex = 0;
      }
      long h = hub.head();
      try {
        while (c <= h) {
          Entry e = hub.entryAt(c);
          if (e == null) {
            return PollResult.OVERRUN;
          }
          c++;
          if (skipThrough != null) {
            if (!e.position.isAfter(skipThrough)) {
              continue;
            }
            skipThrough = null;
          }
          Alias a = e.alias;
          int r;
          if (a == null) {
            r = !deliverable(e.event) ? SKIPPED : visitor.accept(e.id, e.event, e.frame) ? HANDED : STOP;
          } else {
            r = offer(visitor, e.id, e.event, e.frame, a);
          }
          if (r != SKIPPED) {
            if (e.index <= replayThrough) {
              replayed++;
            } else {
              delivered++;
            }
            if (r == STOP) {
              return PollResult.STOPPED;
            }
          }
        }
      } finally {
        cursor = c;
      }
      return closed ? PollResult.CLOSED : PollResult.DRAINED;
    } finally {
      if (replayed + delivered > 0) {
        hub.stats().delivered(replayed + delivered, replayed);
      }
    }
  }

  /**
   * Hands over a storage event under the names the filter selects: both frames (one id), or the frame of the one
   * name selected, with the event under that name; the event under its object name when both are selected.
   *
   * @return {@link #SKIPPED} if nothing was handed over, {@link #HANDED}, or {@link #STOP} if the visitor asked
   *     to stop
   */
  private int offer(Subscription.Visitor visitor, String id, RenEvent e, byte[] frame, @Nullable Alias a) {
    if (a == null) {
      return !deliverable(e) ? SKIPPED : visitor.accept(id, e, frame) ? HANDED : STOP;
    }
    if (!Objects.equals(e.tenant(), tenant)) {
      return SKIPPED;
    }
    boolean object = filter.test(e);
    boolean table = filter.test(a.tableEvent);
    if (!object && !table) {
      return SKIPPED;
    }
    RenEvent shown = object ? e : a.tableEvent;
    if (!allowed(shown)) {
      return SKIPPED;
    }
    return visitor.accept(id, shown, object && table ? frame : object ? a.objectFrame : a.tableFrame) ? HANDED : STOP;
  }

  private boolean deliverable(RenEvent e) {
    if (!Objects.equals(e.tenant(), tenant) || !filter.test(e)) {
      return false;
    }
    return allowed(e);
  }

  private boolean allowed(RenEvent e) {
    try {
      return access.test(e);
    } catch (RuntimeException ex) {
      LOG.log(Level.WARNING, "access check failed for " + e.t() + "; event withheld", ex);
      return false;
    }
  }

  @Override
  public long lagBytes() {
    long h = hub.head();
    long c = cursor;
    if (c > h) {
      return 0;
    }
    Entry last = hub.entryAt(h);
    Entry first = hub.entryAt(c);
    if (last == null || first == null) {
      return Long.MAX_VALUE; // overrun
    }
    return last.endOffset - first.endOffset + first.frame.length;
  }

  @Override
  public boolean hasMore() {
    return behind(hub.head());
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      hub.removed(this);
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }
}
