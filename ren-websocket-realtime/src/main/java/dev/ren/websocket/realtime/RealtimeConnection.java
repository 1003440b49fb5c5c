package dev.ren.websocket.realtime;

import dev.ren.AppliedButNotPublishedException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.RenOrigin;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.hub.RenFilter;
import dev.ren.hub.SubscribeRequest;
import dev.ren.hub.Subscription;
import dev.ren.realtime.IdentityRefusedException;
import dev.ren.realtime.PayloadTooLargeException;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeFullException;
import dev.ren.realtime.RealtimeUnavailableException;
import dev.ren.realtime.StoredHistory;
import dev.ren.realtime.StoredMessage;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.realtime.JsonEnvelope;
import dev.ren.servlet.realtime.RealtimeCalls;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket connection at {@code /_rt/ws}: its caller (authenticated at the upgrade), its subscriptions, the
 * presence members it joined, its hub subscription and its bounded send queue.
 *
 * <p>Public only because Jakarta WebSocket containers refuse a non-public endpoint class; it is created by
 * {@link RealtimeWebSocketServlet} alone (no public constructor).
 *
 * <p>Thread-safety: the container delivers one message at a time; hub events are drained on the endpoint's
 * executor; delivery decisions and the send queue are guarded by this object's monitor.
 */
public final class RealtimeConnection extends Endpoint {

  private static final System.Logger LOG = System.getLogger(RealtimeConnection.class.getName());
  private static final Set<String> VALUE_FIELDS = Set.of("data", "metadata", "lastEventId");
  private static final RenFilter FILTER = RenFilter.parse(EventTypes.REALTIME + "," + EventTypes.PRESENCE);
  /** Close code for a connection cut by the server (slow consumer, ping timeout, expired credentials). */
  static final int POLICY = CloseReason.CloseCodes.VIOLATED_POLICY.getCode();

  private final RealtimeWebSocketServlet owner;
  private final RealtimeCalls calls;
  // the credentials: replaced by an auth action renewing them (same user, same tenant); read by any thread
  private volatile RenCaller caller;
  private final String clientId;
  private final String remoteAddress;
  private final String callerKey;
  // the token the socket was opened or last renewed with, when a token authenticated it: refused once the user
  // is revoked
  private volatile @Nullable String token;

  /** Subscribed channels; read by the hub's access check, changed under this monitor. */
  private final Map<String, Sub> subs = new ConcurrentHashMap<>();
  /** Presence members this connection joined: channel to user id. Guarded by this. */
  private final Map<String, String> joined = new HashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile long lastFrameNanos = System.nanoTime();

  // send queue, guarded by this
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private long queuedChars;
  private boolean sending;
  private @Nullable Thread pumping;

  // the message being received, confined to the container's delivery of this session's messages
  private final StringBuilder frame = new StringBuilder();
  private boolean frameTooLarge;

  private volatile @Nullable Session session;
  private volatile @Nullable Subscription hubSubscription;

  /** One subscribed channel. Fields other than the final ones are guarded by the connection. */
  private static final class Sub {
    final boolean history;
    final @Nullable Instant expiresAt;
    /** The highest sequence number handed to the client (history channels). */
    long delivered;
    /** Subscribed with {@code lastEventId}: a gap in the live sequence is filled from history (without it, a gap
     * after the first message delivered). */
    final boolean catchUp;

    Sub(boolean history, @Nullable Instant expiresAt, long delivered, boolean catchUp) {
      this.history = history;
      this.expiresAt = expiresAt;
      this.delivered = delivered;
      this.catchUp = catchUp;
    }
  }

  RealtimeConnection(RealtimeWebSocketServlet owner, RealtimeCalls calls, RenCaller caller, String clientId,
      String remoteAddress, String callerKey, @Nullable String token) {
    this.owner = owner;
    this.calls = calls;
    this.caller = caller;
    this.clientId = clientId;
    this.remoteAddress = remoteAddress;
    this.callerKey = callerKey;
    this.token = token;
  }

  /**
   * The token the socket was opened with ({@code ?token=} or a bearer header) or last renewed with
   * ({@code auth}), or null for other credentials.
   */
  @Nullable String token() {
    return token;
  }

  RenCaller caller() {
    return caller;
  }

  String callerKey() {
    return callerKey;
  }

  long lastFrameNanos() {
    return lastFrameNanos;
  }

  @Override
  public void onOpen(Session s, EndpointConfig config) {
    this.session = s;
    s.setMaxIdleTimeout(0); // the endpoint's own ping timeout decides
    s.addMessageHandler(String.class, (MessageHandler.Partial<String>) this::onPart);
    try {
      hubSubscription = owner.hub().subscribe(new SubscribeRequest(FILTER, null, clientId, this::deliverable, caller),
          this::signal);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "realtime WebSocket could not subscribe to the hub", e);
      cut(CloseReason.CloseCodes.TRY_AGAIN_LATER.getCode(), "hub unavailable");
      return;
    }
    owner.opened(this);
  }

  @Override
  public void onClose(Session s, CloseReason reason) {
    cleanup();
  }

  @Override
  public void onError(Session s, Throwable t) {
    LOG.log(Level.DEBUG, "realtime WebSocket failed", t);
    cleanup();
  }

  // ------------------------------------------------------------------------------------------------ receiving

  private void onPart(String part, boolean last) {
    lastFrameNanos = System.nanoTime();
    if (!frameTooLarge) {
      if (frame.length() + part.length() > owner.maxFrameBytes()) { // chars <= UTF-8 bytes
        frameTooLarge = true;
        frame.setLength(0);
      } else {
        frame.append(part);
      }
    }
    if (!last) {
      return;
    }
    boolean tooLarge = frameTooLarge;
    String text = frame.toString();
    frame.setLength(0);
    frameTooLarge = false;
    if (frame.capacity() > 8192) {
      frame.trimToSize();
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (tooLarge || bytes.length > owner.maxFrameBytes()) {
      send(WsJson.error("too_large", "a frame is at most " + owner.maxFrameBytes() + " bytes", null, null));
      return;
    }
    onMessage(bytes);
  }

  @SuppressWarnings("try") // the scope is the client id of everything the action publishes
  private void onMessage(byte[] bytes) {
    String action = null;
    String channel = null;
    try (RenOrigin.Scope scope = RenOrigin.open(clientId)) {
      JsonEnvelope in = JsonEnvelope.read(bytes, VALUE_FIELDS);
      action = in.text("action", true);
      if (!"ping".equals(action) && !"auth".equals(action)) {
        channel = Realtime.checkChannel(in.text("channel", true));
      }
      switch (String.valueOf(action)) {
        case "ping" -> send(pong());
        case "auth" -> renew(Objects.requireNonNull(in.text("token", true)));
        case "subscribe" -> subscribe(channel, in);
        case "unsubscribe" -> {
          synchronized (this) {
            subs.remove(channel);
          }
        }
        case "publish" -> calls.publish(caller, remoteAddress, channel, in.json("data"), in.text("userId", false),
            in.text("token", false));
        case "presence:join" -> presence(RealtimeCalls.PresenceChange.JOIN, channel, in);
        case "presence:update" -> presence(RealtimeCalls.PresenceChange.UPDATE, channel, in);
        case "presence:leave" -> presence(RealtimeCalls.PresenceChange.LEAVE, channel, in);
        default -> throw HttpError.badRequest("unknown action '" + action + "'; see RealtimeWebSocketServlet");
      }
    } catch (RuntimeException e) {
      send(error(e, action, channel));
    }
  }

  /** {@code pong {ts, expiresAt?}}: when the credentials expire, so a client renews them in time. */
  private String pong() {
    Instant until = caller.expiresAt();
    return WsJson.object("pong", g -> {
      g.writeNumberField("ts", System.currentTimeMillis());
      if (until != null) {
        g.writeNumberField("expiresAt", until.toEpochMilli());
      }
    });
  }

  /**
   * Renews the credentials of a socket opened with a token, before they expire, with a fresh stream token of the
   * same user and tenant: the socket, its subscriptions and the members it holds stay; what the new token
   * grants applies from the next event on. Answered by {@code authed {ts, expiresAt}}; a token that does not hold or
   * names someone else is refused ({@code unauthorized}) and changes nothing.
   */
  private void renew(String newToken) {
    RenCaller current = caller;
    if (token == null) {
      throw new HttpError(400, "bad_request", "auth renews a socket opened with a token; this one was not");
    }
    RenCaller fresh = calls.security().callerOfToken(newToken); // 401 when it does not hold
    if (!Objects.equals(fresh.user(), current.user()) || !Objects.equals(fresh.tenant(), current.tenant())) {
      throw new HttpError(403, "forbidden", "auth takes a token of the same user and tenant; open a new socket"
          + " to change them");
    }
    caller = fresh;
    token = newToken;
    Instant until = fresh.expiresAt();
    send(WsJson.object("authed", g -> {
      g.writeNumberField("ts", System.currentTimeMillis());
      if (until != null) {
        g.writeNumberField("expiresAt", until.toEpochMilli());
      }
    }));
  }

  private void subscribe(String channel, JsonEnvelope in) {
    Instant expiresAt = calls.subscribe(caller, channel, in.text("token", false));
    Long lastEventId = number(in.json("lastEventId"));
    boolean history = calls.realtime().historyEnabled(channel);
    if (lastEventId != null && history) {
      calls.authorize(caller, RenOperation.REALTIME_HISTORY, RenResource.channel(channel));
    }
    synchronized (this) {
      Sub old = subs.get(channel);
      if (old == null && subs.size() >= owner.maxSubscriptions()) {
        throw new HttpError(400, "too_many_subscriptions", "a connection subscribes to at most "
            + owner.maxSubscriptions() + " channels");
      }
      boolean truncated = false;
      Sub s = new Sub(history, expiresAt, old != null ? old.delivered : 0, lastEventId != null && history);
      if (s.catchUp && old == null) {
        s.delivered = lastEventId;
      }
      subs.put(channel, s);
      if (s.catchUp) {
        truncated = fill(channel, s, Long.MAX_VALUE, true);
      }
      boolean t = truncated;
      send(WsJson.object("subscribed", g -> {
        g.writeStringField("channel", channel);
        if (s.history) {
          g.writeNumberField("seq", s.delivered);
        }
        if (t) {
          g.writeBooleanField("truncated", true);
        }
      }));
    }
  }

  /**
   * When the channel's sequence started over since {@code s.delivered} was handed out (realtime restarted, the
   * channel was dropped while idle, or a shared store lost its data: the channel now hands out numbers below it),
   * tells the client with {@code reset} and starts {@code s} over from 0, so what the channel holds now follows
   * from 1 instead of being taken for what the client already has. Caller holds the monitor.
   *
   * @param page the channel's history read after {@code s.delivered}
   * @return whether it started over
   */
  private boolean startOverIfRestarted(String channel, Sub s, StoredHistory page) {
    if (s.delivered <= 0 || !page.truncated() || page.lastSeq() >= s.delivered) {
      return false; // numbers past it were handed out: an earlier copy, or history dropped past it (not a restart)
    }
    LOG.log(Level.DEBUG, "sequence of a channel started over; resetting the client's position");
    send(WsJson.object("reset", g -> g.writeStringField("channel", channel)));
    s.delivered = 0;
    return true;
  }

  /**
   * Sends the channel's history after {@code s.delivered} up to {@code upTo}, in order (caller holds the monitor).
   *
   * @param asked a subscribe asked for what follows {@code s.delivered}: the first page also says whether the
   *     channel started over below it ({@link #startOverIfRestarted})
   * @return whether history had lost messages the client asked for
   */
  private boolean fill(String channel, Sub s, long upTo, boolean asked) {
    Realtime rt = calls.realtimeFor(caller);
    boolean truncated = false;
    boolean checkRestart = asked;
    while (s.delivered < upTo) {
      StoredHistory page = rt.historyJson(channel, s.delivered, Realtime.MAX_HISTORY_LIMIT);
      if (checkRestart) {
        checkRestart = false;
        if (startOverIfRestarted(channel, s, page)) {
          continue; // read again from 0: all the channel holds is new to the client
        }
      }
      truncated |= page.truncated();
      if (page.messages().isEmpty()) {
        break;
      }
      for (StoredMessage m : page.messages()) {
        if (m.seq() > upTo) {
          return truncated;
        }
        send(WsJson.history(m));
        s.delivered = m.seq();
      }
    }
    return truncated;
  }

  private void presence(RealtimeCalls.PresenceChange change, String channel, JsonEnvelope in) {
    String given = in.text("userId", false);
    if (given == null && change == RealtimeCalls.PresenceChange.LEAVE) {
      synchronized (this) {
        given = joined.get(channel);
      }
    }
    String userId = calls.presenceUser(caller, change, channel, given);
    boolean result = calls.presence(caller, change, channel, userId, in.json("metadata"), in.text("token", false));
    synchronized (this) {
      if (change == RealtimeCalls.PresenceChange.JOIN) {
        joined.put(channel, userId);
      } else if (change == RealtimeCalls.PresenceChange.LEAVE) {
        joined.remove(channel, userId);
      }
    }
    if (change == RealtimeCalls.PresenceChange.UPDATE && !result) {
      throw new HttpError(404, "not_present", "user '" + userId + "' is not present on channel '" + channel
          + "'; join first");
    }
  }

  private static @Nullable Long number(byte @Nullable [] json) {
    if (json == null) {
      return null;
    }
    String s = new String(json, StandardCharsets.UTF_8).trim();
    try {
      long n = Long.parseLong(s);
      if (n < 0) {
        throw HttpError.badRequest("lastEventId must be a sequence number >= 0, was " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw HttpError.badRequest("lastEventId must be a whole number (a channel sequence number)");
    }
  }

  /** The error frame for a refused or failed action; the connection stays open. */
  private static String error(RuntimeException e, @Nullable String action, @Nullable String channel) {
    String message = String.valueOf(e.getMessage());
    String code;
    if (e instanceof HttpError h) {
      code = switch (h.status()) {
        case 401, 403 -> "unauthorized";
        case 413 -> "too_large";
        case 429 -> "rate_limited";
        case 507 -> "full";
        case 503 -> "not_published";
        default -> h.code().equals("not_present") || h.code().equals("too_many_subscriptions")
            || h.code().equals("history_not_enabled") ? h.code() : "bad_request";
      };
    } else if (e instanceof PayloadTooLargeException) {
      code = "too_large";
    } else if (e instanceof IdentityRefusedException) {
      code = "unauthorized";
    } else if (e instanceof RealtimeFullException) {
      code = "full";
    } else if (e instanceof RealtimeUnavailableException) {
      code = "unavailable"; // several nodes: the shared store cannot be reached; retry shortly

    } else if (e instanceof AppliedButNotPublishedException) {
      code = "not_published";
    } else if (e instanceof IllegalArgumentException) {
      code = "bad_request";
    } else {
      LOG.log(Level.ERROR, "realtime WebSocket action " + action + " failed", e);
      code = "internal";
      message = "internal error";
    }
    return WsJson.error(code, message, action, channel);
  }

  // ------------------------------------------------------------------------------------------------ delivering

  /** The hub's access check: a subscribed channel, still granted, and the policy's EVENT decision. */
  private boolean deliverable(RenEvent e) {
    String ch = e.ch();
    Sub s = ch == null ? null : subs.get(ch);
    if (s == null) {
      return false;
    }
    Instant until = s.expiresAt;
    if (until != null && !calls.security().clock().instant().isBefore(until)) {
      return false; // the channel token expired
    }
    return calls.security().allows(caller, RenOperation.EVENT, RenResource.of(e));
  }

  /** Called on the hub's dispatcher: never blocks, drains on the endpoint's executor. */
  private void signal() {
    pending.set(true);
    if (draining.compareAndSet(false, true)) {
      owner.executor().execute(this::drain);
    }
  }

  private void drain() {
    try {
      while (pending.getAndSet(false) && !closed.get()) {
        Subscription sub = hubSubscription;
        if (sub == null) {
          return;
        }
        Subscription.PollResult r = sub.poll((id, e, frameBytes) -> {
          deliver(id, e);
          return !closed.get();
        });
        if (r == Subscription.PollResult.OVERRUN) {
          cut(POLICY, "fell behind the event ring");
          return;
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "realtime WebSocket delivery failed", e);
      cut(CloseReason.CloseCodes.UNEXPECTED_CONDITION.getCode(), "delivery failed");
    } finally {
      draining.set(false);
    }
    if (pending.get() && !closed.get() && draining.compareAndSet(false, true)) {
      owner.executor().execute(this::drain);
    }
  }

  private synchronized void deliver(String id, RenEvent e) {
    String ch = e.ch();
    Sub s = ch == null ? null : subs.get(ch);
    if (s == null) {
      return; // unsubscribed meanwhile
    }
    long seq = 0;
    if (s.history && EventTypes.REALTIME_MESSAGE.equals(e.t()) && e.v() != null) {
      seq = Long.parseLong(String.valueOf(e.v()));
      boolean restarted = false;
      if (seq <= s.delivered) {
        restarted = startOverIfRestarted(ch, s, calls.realtimeFor(caller).historyJson(ch, s.delivered, 1));
        if (!restarted) {
          return; // sent from history already
        }
      }
      if ((s.catchUp || s.delivered > 0 || restarted) && seq > s.delivered + 1) {
        // published while the subscription was being set up, or (realtime on several nodes) numbered before this
        // one by another node whose event is still on its way: from history, in order; the late event is dropped
        fill(ch, s, seq - 1, false);
      }
      s.delivered = seq;
    }
    send(WsJson.event(id, e, seq));
  }

  // ------------------------------------------------------------------------------------------------ sending

  /** Queues a frame; a connection whose queue is over the bound is cut (the client reconnects and catches up). */
  void send(String text) {
    boolean over;
    synchronized (this) {
      if (closed.get()) {
        return;
      }
      over = queuedChars + text.length() > owner.maxQueueBytes() && !queue.isEmpty();
      if (!over) {
        queue.add(text);
        queuedChars += text.length();
      }
    }
    if (over) {
      cut(POLICY, "slow consumer: more than " + owner.maxQueueBytes() + " bytes waiting to be sent");
      return;
    }
    pump();
  }

  private void pump() {
    Session s = session;
    if (s == null) {
      return;
    }
    while (true) {
      String next;
      synchronized (this) {
        if (sending || closed.get() || pumping == Thread.currentThread()) {
          return;
        }
        next = queue.peek();
        if (next == null) {
          return;
        }
        sending = true;
        pumping = Thread.currentThread();
      }
      String sent = next;
      try {
        s.getAsyncRemote().sendText(sent, r -> sent(sent, r));
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "realtime WebSocket send failed", e);
        synchronized (this) {
          pumping = null;
        }
        cleanup();
        return;
      }
      synchronized (this) {
        pumping = null;
        if (sending) {
          return; // completes later; its handler pumps on
        }
      }
    }
  }

  private void sent(String text, SendResult r) {
    boolean inline;
    synchronized (this) {
      sending = false;
      queue.poll();
      queuedChars -= text.length();
      inline = pumping == Thread.currentThread();
    }
    if (!r.isOK()) {
      LOG.log(Level.DEBUG, "realtime WebSocket send failed", r.getException());
      cleanup();
      return;
    }
    if (!inline) {
      pump();
    }
  }

  // ------------------------------------------------------------------------------------------------ closing

  /** Ends the connection from the server side: state is released at once, the close frame goes out after. */
  void cut(int code, String reason) {
    Session s = session;
    cleanup();
    if (s != null && s.isOpen()) {
      owner.executor().execute(() -> {
        try {
          s.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException | RuntimeException e) {
          LOG.log(Level.DEBUG, "realtime WebSocket close failed", e);
        }
      });
    }
  }

  /** Releases everything: the hub subscription, this connection's presence holds (leaves now), its slot. */
  @SuppressWarnings("try") // the scope names this connection as the holder whose hold is dropped
  void cleanup() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Map<String, String> members;
    synchronized (this) {
      members = Map.copyOf(joined);
      joined.clear();
      subs.clear();
      queue.clear();
      queuedChars = 0;
    }
    try (RenOrigin.Scope scope = RenOrigin.open(clientId)) {
      Realtime rt = calls.realtimeFor(caller);
      for (Map.Entry<String, String> m : members.entrySet()) {
        try {
          rt.leave(m.getKey(), m.getValue()); // drops this client's hold: the member leaves unless held elsewhere
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "presence leave on WebSocket close failed", e);
        }
      }
    }
    Subscription sub = hubSubscription;
    if (sub != null) {
      sub.close();
    }
    owner.closed(this);
  }

  boolean isClosed() {
    return closed.get();
  }
}
