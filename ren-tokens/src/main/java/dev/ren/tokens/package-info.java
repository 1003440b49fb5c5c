/**
 * {@link dev.ren.tokens.JwtTokens}: REN's {@link dev.ren.servlet.security.RenTokens} as HMAC-signed JWTs, made and
 * checked by nimbus-jose-jwt.
 */
@NullMarked
package dev.ren.tokens;

import org.jspecify.annotations.NullMarked;
