package dev.ren.tokens;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.ren.access.RenCaller;
import dev.ren.servlet.security.InvalidCredentialsException;
import dev.ren.servlet.security.TokenClaims;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JwtTokensTest {

  static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  final JwtTokens tokens = JwtTokens.create(KEY, Clock.fixed(NOW, ZoneOffset.UTC));
  final RenCaller alice = RenCaller.user("alice", Set.of("write", "read"), "acme");

  @Test
  void verify_accessTokenItMinted_givesBackTheCaller() {
    String t = tokens.mint(TokenClaims.access(alice, NOW.plusSeconds(300)));
    TokenClaims c = tokens.verify(t);
    assertEquals(TokenClaims.KIND_ACCESS, c.kind());
    assertEquals("alice", c.caller().user());
    assertEquals(Set.of("write", "read"), c.caller().roles());
    assertEquals("acme", c.caller().tenant());
    assertEquals(NOW.plusSeconds(300), c.caller().expiresAt());
  }

  @Test
  void verify_channelToken_keepsChannelAndPermissions() {
    String t = tokens.mint(TokenClaims.channel(alice, "private-room", Set.of(TokenClaims.SUBSCRIBE), NOW.plusSeconds(60)));
    TokenClaims c = tokens.verify(t);
    assertTrue(c.grants("private-room", TokenClaims.SUBSCRIBE));
    assertEquals(false, c.grants("private-room", TokenClaims.PUBLISH));
    assertEquals(false, c.grants("private-other", TokenClaims.SUBSCRIBE));
  }

  @Test
  void verify_expired_isRefused() {
    String t = tokens.mint(TokenClaims.access(alice, NOW.plusSeconds(10)));
    JwtTokens later = JwtTokens.create(KEY, Clock.fixed(NOW.plus(Duration.ofSeconds(10)), ZoneOffset.UTC));
    assertEquals("token has expired", assertThrows(InvalidCredentialsException.class, () -> later.verify(t)).getMessage());
  }

  @Test
  void verify_otherKeyOrTamperedPayload_isRefused() throws Exception {
    String t = tokens.mint(TokenClaims.access(alice, NOW.plusSeconds(300)));
    JwtTokens other = JwtTokens.create("ffffffffffffffffffffffffffffffff".getBytes(StandardCharsets.US_ASCII),
        Clock.fixed(NOW, ZoneOffset.UTC));
    assertThrows(InvalidCredentialsException.class, () -> other.verify(t));
    String[] parts = t.split("\\.");
    String forgedPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("alice", "admin").getBytes(StandardCharsets.UTF_8));
    assertThrows(InvalidCredentialsException.class, () -> tokens.verify(parts[0] + "." + forgedPayload + "." + parts[2]));
  }

  @Test
  void verify_algNoneOrOtherAlgorithm_isRefused() throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("ren").subject("admin").claim("kind", "access")
        .expirationTime(Date.from(NOW.plusSeconds(300))).build();
    String none = new PlainJWT(new PlainHeader(), claims).serialize();
    assertThrows(InvalidCredentialsException.class, () -> tokens.verify(none));
    SignedJWT hs512 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), claims);
    hs512.sign(new MACSigner((new String(KEY, StandardCharsets.US_ASCII).repeat(2)).getBytes(StandardCharsets.US_ASCII)));
    assertEquals("token algorithm must be HS256",
        assertThrows(InvalidCredentialsException.class, () -> tokens.verify(hs512.serialize())).getMessage());
  }

  @Test
  void verify_garbageEmptyOrHuge_isRefused() {
    assertThrows(InvalidCredentialsException.class, () -> tokens.verify("not.a.jwt"));
    assertThrows(InvalidCredentialsException.class, () -> tokens.verify(""));
    assertThrows(InvalidCredentialsException.class, () -> tokens.verify("a".repeat(JwtTokens.MAX_TOKEN_CHARS + 1)));
  }

  @Test
  void create_shortSecret_isRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JwtTokens.create(new byte[16]))
        .getMessage().contains("at least 32 bytes"));
  }
}
