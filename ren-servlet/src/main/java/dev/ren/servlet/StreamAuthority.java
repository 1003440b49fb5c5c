package dev.ren.servlet;

import dev.ren.RenEvent;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.servlet.security.TokenClaims;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What one stream may receive, decided when it opens and checked for every event it is delivered: the caller (its
 * tenant the hub enforces), the policy's {@link RenOperation#EVENT} decision, the {@code private-} channels its
 * channel tokens ({@code channelToken} query parameters) grant {@code subscribe} on, and the application's own
 * {@link RenAccess} predicate. The stream ends at {@link #endsAt()}: the earliest expiry of the token that
 * authenticated it and of its channel tokens.
 *
 * <p>Thread-safety: immutable; the check is thread-safe.
 */
record StreamAuthority(RenCaller caller, Predicate<RenEvent> check, @Nullable Instant endsAt) {

  /** Prefix of channels whose events need a channel token. */
  static final String PRIVATE_PREFIX = "private-";
  /** Channel tokens one stream may present. */
  static final int MAX_CHANNEL_TOKENS = 32;

  /**
   * @throws dev.ren.servlet.http.HttpError {@code 401} for credentials or a channel token that do not hold,
   *     {@code 403} for another user's channel token, {@code 400} for too many channel tokens
   */
  static StreamAuthority of(RenSecurity security, HttpServletRequest req, Predicate<RenEvent> app) {
    RenCaller caller = security.caller(req);
    Instant endsAt = caller.expiresAt();
    Set<String> privateChannels = new HashSet<>();
    String[] tokens = req.getParameterValues("channelToken");
    if (tokens != null) {
      if (tokens.length > MAX_CHANNEL_TOKENS) {
        throw new dev.ren.servlet.http.HttpError(400, "too_many_channel_tokens",
            "a stream presents at most " + MAX_CHANNEL_TOKENS + " channel tokens, got " + tokens.length);
      }
      for (String t : tokens) {
        TokenClaims claims = security.verifyChannelToken(caller, t);
        String ch = claims.channel();
        if (ch != null && claims.permissions().contains(TokenClaims.SUBSCRIBE)) {
          privateChannels.add(ch);
        }
        if (endsAt == null || claims.expiresAt().isBefore(endsAt)) {
          endsAt = claims.expiresAt();
        }
      }
    }
    Set<String> granted = Set.copyOf(privateChannels);
    Predicate<RenEvent> check = e -> {
      String ch = e.ch();
      if (ch != null && ch.startsWith(PRIVATE_PREFIX) && !granted.contains(ch)) {
        return false;
      }
      return security.allows(caller, RenOperation.EVENT, RenResource.of(e)) && app.test(e);
    };
    return new StreamAuthority(caller, check, endsAt);
  }
}
