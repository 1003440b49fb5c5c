package dev.ren.servlet.security;

import dev.ren.access.RenCaller;
import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What a token minted by {@link RenTokens} says: its kind, the caller it speaks for, when it expires, and for a
 * channel token the channel and what it permits there.
 *
 * <ul>
 *   <li>{@link #KIND_ACCESS}: a credential (bearer token, stream token): the caller is the one who minted it,
 *       until {@code expiresAt};</li>
 *   <li>{@link #KIND_CHANNEL}: the right to {@code subscribe} and/or {@code publish} on one {@code private-}
 *       channel, minted on the server for one user; not a credential by itself.</li>
 * </ul>
 *
 * <p>Thread-safety: immutable.
 *
 * @param kind        {@link #KIND_ACCESS} or {@link #KIND_CHANNEL}
 * @param caller      the caller (user, roles, tenant); its {@code expiresAt} is the token's
 * @param expiresAt   when the token stops being valid
 * @param channel     the channel of a channel token, else null
 * @param permissions of a channel token: {@link #SUBSCRIBE} and/or {@link #PUBLISH}; empty otherwise
 */
public record TokenClaims(String kind, RenCaller caller, Instant expiresAt, @Nullable String channel,
    Set<String> permissions) {

  public static final String KIND_ACCESS = "access";
  public static final String KIND_CHANNEL = "channel";
  public static final String SUBSCRIBE = "subscribe";
  public static final String PUBLISH = "publish";

  public TokenClaims {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(expiresAt, "expiresAt");
    permissions = Set.copyOf(permissions);
    if (!kind.equals(KIND_ACCESS) && !kind.equals(KIND_CHANNEL)) {
      throw new IllegalArgumentException("token kind must be access or channel, was " + kind);
    }
    if (kind.equals(KIND_CHANNEL) && channel == null) {
      throw new IllegalArgumentException("a channel token names its channel");
    }
    for (String p : permissions) {
      if (!p.equals(SUBSCRIBE) && !p.equals(PUBLISH)) {
        throw new IllegalArgumentException("channel permission must be subscribe or publish, was " + p);
      }
    }
    caller = caller.withExpiresAt(expiresAt);
  }

  /** An access token for {@code caller} until {@code expiresAt}. */
  public static TokenClaims access(RenCaller caller, Instant expiresAt) {
    return new TokenClaims(KIND_ACCESS, caller, expiresAt, null, Set.of());
  }

  /** A channel token: {@code caller} may do {@code permissions} on {@code channel} until {@code expiresAt}. */
  public static TokenClaims channel(RenCaller caller, String channel, Set<String> permissions, Instant expiresAt) {
    return new TokenClaims(KIND_CHANNEL, caller, expiresAt, channel, permissions);
  }

  /** Whether this is a channel token for {@code ch} granting {@code permission}. */
  public boolean grants(String ch, String permission) {
    return KIND_CHANNEL.equals(kind) && ch.equals(channel) && permissions.contains(permission);
  }
}
