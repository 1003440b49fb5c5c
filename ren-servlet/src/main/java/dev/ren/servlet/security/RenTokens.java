package dev.ren.servlet.security;

/**
 * Mints and verifies signed, expiring tokens: the stream tokens a page passes as {@code ?token=} (an
 * {@code EventSource} cannot set headers), bearer tokens, and channel tokens for {@code private-} channels. The
 * implementation REN ships, {@code dev.ren.tokens.JwtTokens} in {@code ren-tokens}, signs JWTs with
 * nimbus-jose-jwt; this interface keeps {@code ren-servlet} free of that dependency.
 *
 * <p>Thread-safety: implementations must be thread-safe.
 */
public interface RenTokens {

  /** A signed token stating {@code claims}. */
  String mint(TokenClaims claims);

  /**
   * The claims of a token this minted, if its signature holds and it has not expired.
   *
   * @throws InvalidCredentialsException otherwise (malformed, forged, expired), with a message safe to show
   */
  TokenClaims verify(String token);
}
