package dev.ren.servlet.realtime;

import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.realtime.ChannelMessage;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.StoredHistory;
import dev.ren.realtime.StoredMember;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TokenClaims;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The realtime operations as a transport calls them: each one authorizes the caller ({@link RenSecurity}: the
 * policy's operation, the identity rules, the channel token of a {@code private-} channel, the publish rate), then
 * works in the caller's tenant as its user. The HTTP binding ({@link RealtimeServlet}) and the WebSocket endpoint
 * ({@code ren-websocket-realtime}) both go through this class, so the two transports authorize exactly alike; give
 * both the same instance and they share one publish rate bucket per caller, too.
 *
 * <p>Refusals are {@link HttpError}s, raised before anything changed: {@code 401 unauthorized} for an anonymous
 * caller, {@code 403 forbidden} for an authenticated one, {@code 400} for bad input, {@code 429 rate_limited}; the
 * realtime's own exceptions ({@link dev.ren.realtime.PayloadTooLargeException},
 * {@link dev.ren.realtime.RealtimeFullException}, {@link dev.ren.realtime.IdentityRefusedException},
 * {@link IllegalArgumentException}) pass through for the transport to map.
 *
 * <p>Thread-safety: thread-safe (the realtime, the security and the rate limiter are).
 */
public final class RealtimeCalls {

  /** The prefix of channels that need a channel token ({@link RenSecurity#mintChannelToken}). */
  public static final String PRIVATE_PREFIX = "private-";

  private final Realtime realtime;
  private final RenSecurity security;
  private final PublishRateLimiter publishRate;

  /** Calls on {@code realtime} authorized by {@code security}, publishing at most {@code rate} per caller. */
  public RealtimeCalls(Realtime realtime, RenSecurity security, RealtimeServlet.PublishRate rate) {
    this(realtime, security, rate, System::nanoTime);
  }

  /** For tests: the limiter reads {@code nanos}. */
  RealtimeCalls(Realtime realtime, RenSecurity security, RealtimeServlet.PublishRate rate, LongSupplier nanos) {
    this.realtime = Objects.requireNonNull(realtime, "realtime");
    this.security = Objects.requireNonNull(security, "security");
    this.publishRate = new PublishRateLimiter(Objects.requireNonNull(rate, "rate"), nanos,
        PublishRateLimiter.MAX_BUCKETS);
  }

  /** The realtime (the default tenant, anonymous). */
  public Realtime realtime() {
    return realtime;
  }

  /** The security these calls consult. */
  public RenSecurity security() {
    return security;
  }

  /** The realtime as {@code caller} works in it: its tenant, as its user (anonymous: as before users). */
  public Realtime realtimeFor(RenCaller caller) {
    return realtime.tenant(caller.tenant()).as(caller.user());
  }

  /**
   * Refuses {@code operation} on {@code resource} unless the policy allows it to {@code caller}.
   *
   * @throws HttpError {@code 401} anonymous, {@code 403} authenticated
   */
  public void authorize(RenCaller caller, RenOperation operation, RenResource resource) {
    if (!security.allows(caller, operation, resource)) {
      throw RenSecurity.refusal(caller, operation, resource);
    }
  }

  /**
   * Refuses a {@code private-} channel without a channel token granting {@code permission} for it, verified for the
   * caller ({@link RenSecurity#verifyChannelToken}). Without one: {@code 401} anonymous, {@code 403} authenticated.
   *
   * @param token      the channel token presented, or null
   * @param permission {@link TokenClaims#SUBSCRIBE} or {@link TokenClaims#PUBLISH}
   * @return the token's expiry for a private channel, null for another channel
   */
  public java.time.@Nullable Instant checkPrivate(RenCaller caller, String channel, @Nullable String token,
      String permission) {
    if (!channel.startsWith(PRIVATE_PREFIX)) {
      return null;
    }
    if (!caller.authenticated()) {
      throw new HttpError(401, "unauthorized", "private channel '" + channel + "' needs an authenticated user"
          + " with a channel token");
    }
    if (token == null || token.isEmpty()) {
      throw new HttpError(403, "forbidden", "private channel '" + channel + "' needs a channel token ('token' in"
          + " the body or the " + RealtimeServlet.CHANNEL_TOKEN_HEADER + " header)");
    }
    TokenClaims claims = security.verifyChannelToken(caller, token);
    if (!claims.grants(channel, permission)) {
      throw new HttpError(403, "forbidden", "the channel token does not grant " + permission + " on '" + channel
          + "'");
    }
    return claims.expiresAt();
  }

  /**
   * Publishes {@code data} (JSON text, or null) on {@code channel} as {@code caller}: {@link
   * RenOperation#REALTIME_PUBLISH}, the sender is the caller's user (another {@code userId} is {@code 403}), a
   * {@code private-} channel needs a {@code publish} channel token, and the caller's rate bucket a token.
   *
   * @param remoteAddress the caller's address (the rate bucket of an anonymous caller)
   * @throws HttpError {@code 429 rate_limited} (with {@code Retry-After}) over the rate, the refusals above
   */
  public ChannelMessage publish(RenCaller caller, String remoteAddress, String channel, byte @Nullable [] data,
      @Nullable String userId, @Nullable String token) {
    Realtime.checkChannel(channel);
    authorize(caller, RenOperation.REALTIME_PUBLISH, RenResource.channel(channel));
    String user = caller.user();
    if (user != null && userId != null && !userId.equals(user)) {
      throw new HttpError(403, "forbidden", "a message is published as the caller's own user, not as '"
          + userId + "'");
    }
    checkPrivate(caller, channel, token, TokenClaims.PUBLISH);
    long retryAfter = publishRate.acquire(PublishRateLimiter.key(caller, remoteAddress));
    if (retryAfter > 0) {
      throw new HttpError(429, "rate_limited", "too many messages from this caller; retry in " + retryAfter
          + " s").withHeader("Retry-After", Long.toString(retryAfter));
    }
    // measured as stored before a tree is built: an oversized payload is refused having cost its text
    return realtimeFor(caller).publishJson(channel, data, userId);
  }

  /** What a presence change does. */
  public enum PresenceChange {
    JOIN(RenOperation.PRESENCE_JOIN),
    UPDATE(RenOperation.PRESENCE_UPDATE),
    LEAVE(RenOperation.PRESENCE_LEAVE);

    private final RenOperation operation;

    PresenceChange(RenOperation operation) {
      this.operation = operation;
    }

    /** The operation the policy is asked about. */
    public RenOperation operation() {
      return operation;
    }
  }

  /**
   * The member a presence change is for: with a principal the principal's user (absent {@code given}: taken from
   * it; another: {@code 403}); anonymous callers name it ({@code 400} without). Authorizes the change's operation
   * on {@link RenResource#presence}(channel, userId) first (a refusal before the {@code 400}).
   */
  public String presenceUser(RenCaller caller, PresenceChange change, String channel, @Nullable String given) {
    Realtime.checkChannel(channel);
    String user = caller.user();
    if (given == null && user == null) {
      authorize(caller, change.operation(), RenResource.presence(channel, null)); // refused: 401 before the 400
      throw HttpError.badRequest("userId is required");
    }
    String userId = Objects.requireNonNull(given != null ? given : user);
    authorize(caller, change.operation(), RenResource.presence(channel, userId));
    if (user != null && !userId.equals(user)) {
      throw new HttpError(403, "forbidden", "presence is joined, updated and left as the caller's own user, not as '"
          + userId + "'");
    }
    return userId;
  }

  /**
   * Joins ({@link PresenceChange#JOIN}: true if new), updates ({@link PresenceChange#UPDATE}: false if not present)
   * or leaves ({@link PresenceChange#LEAVE}: whether present) as {@code caller}, for {@code userId} as
   * {@link #presenceUser} decided; join and update on a {@code private-} channel need a {@code subscribe} channel
   * token. The holder is the client id of the current {@link dev.ren.RenOrigin} scope.
   */
  public boolean presence(RenCaller caller, PresenceChange change, String channel, String userId,
      byte @Nullable [] metadata, @Nullable String token) {
    if (change != PresenceChange.LEAVE) {
      checkPrivate(caller, channel, token, TokenClaims.SUBSCRIBE);
    }
    Realtime rt = realtimeFor(caller);
    return switch (change) {
      case JOIN -> rt.joinJson(channel, userId, metadata);
      case UPDATE -> rt.updateJson(channel, userId, metadata);
      case LEAVE -> rt.leave(channel, userId);
    };
  }

  /** A channel's members: {@link RenOperation#PRESENCE_MEMBERS}, a {@code subscribe} token on private ones. */
  public List<StoredMember> members(RenCaller caller, String channel, @Nullable String token) {
    Realtime.checkChannel(channel);
    authorize(caller, RenOperation.PRESENCE_MEMBERS, RenResource.presence(channel, null));
    checkPrivate(caller, channel, token, TokenClaims.SUBSCRIBE);
    return realtimeFor(caller).membersJson(channel);
  }

  /**
   * A page of a history channel: {@link RenOperation#REALTIME_HISTORY}, a {@code subscribe} token on private ones;
   * {@code 404 history_not_enabled} on a channel without history.
   */
  public StoredHistory history(RenCaller caller, String channel, long after, int limit, @Nullable String token) {
    Realtime.checkChannel(channel);
    authorize(caller, RenOperation.REALTIME_HISTORY, RenResource.channel(channel));
    checkPrivate(caller, channel, token, TokenClaims.SUBSCRIBE);
    if (limit < 1 || limit > Realtime.MAX_HISTORY_LIMIT) {
      throw HttpError.badRequest("limit must be in [1, " + Realtime.MAX_HISTORY_LIMIT + "], was " + limit);
    }
    if (!realtime.historyEnabled(channel)) {
      throw new HttpError(404, "history_not_enabled", "channel '" + channel + "' keeps no history");
    }
    return realtimeFor(caller).historyJson(channel, after, limit);
  }

  /** The caller's tenant's channels, never a {@code private-} one: {@link RenOperation#REALTIME_CHANNELS}. */
  public List<String> channels(RenCaller caller) {
    authorize(caller, RenOperation.REALTIME_CHANNELS, RenResource.channel(null));
    List<String> out = new ArrayList<>();
    // the caller's tenant's channels only, and never a private one: its name alone may say who talks to whom
    for (String channel : realtimeFor(caller).channels()) {
      if (!channel.startsWith(PRIVATE_PREFIX)) {
        out.add(channel);
      }
    }
    return out;
  }

  /**
   * Whether a subscriber may receive channel events of {@code channel}: {@link RenOperation#EVENT} on the channel
   * (as the SSE stream asks for every event) and a {@code subscribe} channel token on a {@code private-} one.
   *
   * @return the channel token's expiry for a private channel, else null
   */
  public java.time.@Nullable Instant subscribe(RenCaller caller, String channel, @Nullable String token) {
    Realtime.checkChannel(channel);
    authorize(caller, RenOperation.EVENT, RenResource.channel(channel));
    return checkPrivate(caller, channel, token, TokenClaims.SUBSCRIBE);
  }
}
