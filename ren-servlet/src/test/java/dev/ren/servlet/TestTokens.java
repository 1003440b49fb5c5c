package dev.ren.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.access.RenCaller;
import dev.ren.servlet.security.InvalidCredentialsException;
import dev.ren.servlet.security.RenTokens;
import dev.ren.servlet.security.TokenClaims;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small {@link RenTokens} for ren-servlet's own tests: {@code base64url(claims JSON) "." base64url(HMAC-SHA256)}
 * with a random key per instance, verified against an injected clock. ren-tokens' {@code JwtTokens} cannot be used
 * here (ren-tokens depends on ren-servlet). Test code only: JCA does the cryptography.
 *
 * <p>Thread-safety: thread-safe ({@code Mac} instances are made per call).
 */
final class TestTokens implements RenTokens {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();
  private final byte[] key = new byte[32];
  private final Clock clock;

  TestTokens(Clock clock) {
    this.clock = clock;
    RANDOM.nextBytes(key);
  }

  @Override
  public String mint(TokenClaims claims) {
    ObjectNode o = JSON.createObjectNode();
    o.put("k", claims.kind());
    RenCaller c = claims.caller();
    o.put("u", c.user());
    ArrayNode roles = o.putArray("r");
    c.roles().forEach(roles::add);
    o.put("tn", c.tenant());
    o.put("exp", claims.expiresAt().toString()); // full precision: tests expire tokens within a millisecond
    o.put("ch", claims.channel());
    ArrayNode perms = o.putArray("p");
    claims.permissions().forEach(perms::add);
    o.put("n", Long.toHexString(RANDOM.nextLong())); // like a JWT's jti: two tokens with equal claims differ
    String payload;
    try {
      payload = B64.encodeToString(JSON.writeValueAsBytes(o));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return payload + "." + B64.encodeToString(sign(payload));
  }

  @Override
  public TokenClaims verify(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0 || dot != token.lastIndexOf('.')) {
      throw new InvalidCredentialsException("malformed token");
    }
    String payload = token.substring(0, dot);
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw new InvalidCredentialsException("malformed token");
    }
    if (!MessageDigest.isEqual(sign(payload), given)) {
      throw new InvalidCredentialsException("token signature does not hold");
    }
    JsonNode o;
    try {
      o = JSON.readTree(Base64.getUrlDecoder().decode(payload));
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidCredentialsException("malformed token");
    }
    Instant exp = Instant.parse(o.get("exp").asText());
    if (!clock.instant().isBefore(exp)) {
      throw new InvalidCredentialsException("token expired");
    }
    Set<String> roles = new LinkedHashSet<>();
    o.get("r").forEach(r -> roles.add(r.asText()));
    Set<String> perms = new LinkedHashSet<>();
    o.get("p").forEach(p -> perms.add(p.asText()));
    RenCaller caller = new RenCaller(text(o, "u"), roles, text(o, "tn"), null);
    return new TokenClaims(o.get("k").asText(), caller, exp, text(o, "ch"), perms);
  }

  private static String text(JsonNode o, String field) {
    JsonNode n = o.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private byte[] sign(String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
