package dev.ren.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ren.access.RenCaller;
import dev.ren.servlet.security.InvalidCredentialsException;
import dev.ren.servlet.security.RenTokens;
import dev.ren.servlet.security.TokenClaims;

import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * {@link RenTokens} as compact JWTs signed with HMAC-SHA256 (nimbus-jose-jwt). Claims: {@code iss} ({@code ren}),
 * {@code sub} (user), {@code roles}, {@code tn} (tenant), {@code kind} ({@code access} or {@code channel}),
 * {@code ch} and {@code perms} for a channel token, {@code iat}, {@code exp}, {@code jti}. Verification accepts only
 * HS256 with this key (an {@code alg: none} or another algorithm is refused), an unexpired {@code exp} on the given
 * clock, and this issuer.
 *
 * <pre>{@code
 * RenTokens tokens = JwtTokens.create(secretBytes);   // at least 32 bytes; the same on every node
 * }</pre>
 *
 * <p>Nodes behind one load balancer must share the secret; {@link #randomKey()} is for one process (a demo): its
 * tokens die with it.
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
public final class JwtTokens implements RenTokens {

  private static final String ISSUER = "ren";
  /** A token longer than this is refused before it is parsed. */
  static final int MAX_TOKEN_CHARS = 8192;

  private final MACSigner signer;
  private final MACVerifier verifier;
  private final Clock clock;

  private JwtTokens(byte[] secret, Clock clock) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("the HMAC secret must be at least 32 bytes (256 bits), was "
          + secret.length);
    }
    try {
      this.signer = new MACSigner(secret.clone());
      this.verifier = new MACVerifier(secret.clone());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable HMAC secret: " + e.getMessage(), e);
    }
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Tokens signed with {@code secret} (at least 32 bytes), expiring on the system clock. */
  public static JwtTokens create(byte[] secret) {
    return new JwtTokens(secret, Clock.systemUTC());
  }

  /** Tokens signed with {@code secret}, expiring on {@code clock}. */
  public static JwtTokens create(byte[] secret, Clock clock) {
    return new JwtTokens(secret, clock);
  }

  /** Tokens signed with a random key of this process: valid on this node until it stops. */
  public static JwtTokens randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new JwtTokens(key, Clock.systemUTC());
  }

  @Override
  public String mint(TokenClaims claims) {
    RenCaller c = claims.caller();
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .issueTime(Date.from(clock.instant()))
        .expirationTime(Date.from(claims.expiresAt()))
        .jwtID(UUID.randomUUID().toString())
        .claim("kind", claims.kind())
        .claim("roles", List.copyOf(c.roles()));
    if (c.user() != null) {
      b.subject(c.user());
    }
    if (c.tenant() != null) {
      b.claim("tn", c.tenant());
    }
    if (claims.channel() != null) {
      b.claim("ch", claims.channel());
      b.claim("perms", List.copyOf(claims.permissions()));
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), b.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed", e);
    }
    return jwt.serialize();
  }

  @Override
  public TokenClaims verify(String token) {
    if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidCredentialsException("malformed token");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new InvalidCredentialsException("malformed token");
    }
    if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
      throw new InvalidCredentialsException("token algorithm must be HS256");
    }
    try {
      if (!jwt.verify(verifier)) {
        throw new InvalidCredentialsException("token signature does not verify");
      }
    } catch (JOSEException e) {
      throw new InvalidCredentialsException("token signature does not verify");
    }
    try {
      JWTClaimsSet set = jwt.getJWTClaimsSet();
      if (!ISSUER.equals(set.getIssuer())) {
        throw new InvalidCredentialsException("token issuer is not ren");
      }
      Date exp = set.getExpirationTime();
      if (exp == null) {
        throw new InvalidCredentialsException("token has no expiry");
      }
      Instant expiresAt = exp.toInstant();
      if (!clock.instant().isBefore(expiresAt)) {
        throw new InvalidCredentialsException("token has expired");
      }
      String kind = set.getStringClaim("kind");
      String user = set.getSubject();
      String tenant = set.getStringClaim("tn");
      List<String> roles = set.getStringListClaim("roles");
      Set<String> roleSet = roles == null ? Set.of() : new LinkedHashSet<>(roles);
      RenCaller caller = user == null ? RenCaller.anonymous(tenant) : RenCaller.user(user, roleSet, tenant);
      if (TokenClaims.KIND_CHANNEL.equals(kind)) {
        List<String> perms = set.getStringListClaim("perms");
        String ch = set.getStringClaim("ch");
        if (ch == null) {
          throw new InvalidCredentialsException("channel token names no channel");
        }
        return TokenClaims.channel(caller, ch, perms == null ? Set.of() : Set.copyOf(perms), expiresAt);
      }
      if (!TokenClaims.KIND_ACCESS.equals(kind)) {
        throw new InvalidCredentialsException("unknown token kind");
      }
      return TokenClaims.access(caller, expiresAt);
    } catch (ParseException | IllegalArgumentException e) {
      throw new InvalidCredentialsException("token claims are malformed");
    }
  }

  @Override
  public String toString() {
    return "JwtTokens[HS256]";
  }
}
