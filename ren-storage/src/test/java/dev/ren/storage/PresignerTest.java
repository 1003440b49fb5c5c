package dev.ren.storage;

import dev.ren.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PresignerTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  final ManualClock clock = new ManualClock(NOW.toEpochMilli());
  final Presigner presigner = Presigner.builder().secret(new byte[32]).clock(clock).build();

  static Map<String, String> query(String url) {
    Map<String, String> m = new HashMap<>();
    for (String kv : URI.create(url).getRawQuery().split("&")) {
      int eq = kv.indexOf('=');
      m.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return m;
  }

  @Test
  void generateUploadUrl_verifies_andCarriesGrant() {
    PresignedUrl url = presigner.generateUploadUrl("a/b c.png", "image/png", 1000, Duration.ofMinutes(5));
    assertEquals("PUT", url.method());
    assertEquals(300, url.expiresIn());
    assertTrue(url.url().startsWith("/api/storage/a/b%20c.png?"), url.url());
    assertEquals(Map.of("Content-Type", "image/png"), url.headers());
    Presigner.UploadGrant grant = presigner.verifyUpload("a/b c.png", query(url.url())::get);
    assertEquals("image/png", grant.contentType());
    assertEquals(1000, grant.sizeLimit());
  }

  @Test
  void verifyUpload_tamperedFields_badSignature() {
    Map<String, String> q = query(presigner.generateUploadUrl("k", "image/png", 1000, Duration.ofMinutes(5)).url());
    assertEquals(PresignException.Reason.BAD_SIGNATURE,
        assertThrows(PresignException.class, () -> presigner.verifyUpload("other", q::get)).reason());
    for (String[] change : new String[][] {{Presigner.SIZE_LIMIT, "1000000"}, {Presigner.CONTENT_TYPE, "text/html"},
        {Presigner.EXPIRES, Long.toString(NOW.getEpochSecond() + 99999)}, {Presigner.SIGNATURE, "AAAA"}}) {
      Map<String, String> t = new HashMap<>(q);
      t.put(change[0], change[1]);
      assertEquals(PresignException.Reason.BAD_SIGNATURE,
          assertThrows(PresignException.class, () -> presigner.verifyUpload("k", t::get)).reason(), change[0]);
    }
    // a download signature cannot be used to upload, nor the reverse
    Map<String, String> d = query(presigner.generateDownloadUrl("k", Duration.ofMinutes(5)).url());
    d.put(Presigner.CONTENT_TYPE, "image/png");
    d.put(Presigner.SIZE_LIMIT, "1000");
    assertThrows(PresignException.class, () -> presigner.verifyUpload("k", d::get));
    assertThrows(PresignException.class, () -> presigner.verifyDownload("k", q::get));
  }

  @Test
  void verify_afterExpiry_expired() {
    Map<String, String> q = query(presigner.generateDownloadUrl("k", Duration.ofSeconds(10)).url());
    presigner.verifyDownload("k", q::get);
    clock.advance(Duration.ofSeconds(11));
    assertEquals(PresignException.Reason.EXPIRED,
        assertThrows(PresignException.class, () -> presigner.verifyDownload("k", q::get)).reason());
  }

  @Test
  void verify_missingOrMalformedParams_malformed() {
    assertEquals(PresignException.Reason.MALFORMED,
        assertThrows(PresignException.class, () -> presigner.verifyDownload("k", Map.<String, String>of()::get))
            .reason());
    Map<String, String> q = Map.of(Presigner.EXPIRES, "soon", Presigner.SIGNATURE, "x");
    assertEquals(PresignException.Reason.MALFORMED,
        assertThrows(PresignException.class, () -> presigner.verifyDownload("k", q::get)).reason());
  }

  @Test
  void otherSecret_rejectsSignature() {
    Map<String, String> q = query(presigner.generateDownloadUrl("k", Duration.ofMinutes(1)).url());
    Presigner other = Presigner.create();
    assertThrows(PresignException.class, () -> other.verifyDownload("k", q::get));
  }

  @Test
  void generate_badArguments_rejected() {
    assertThrows(IllegalArgumentException.class,
        () -> presigner.generateUploadUrl("../x", "image/png", 10, Duration.ofMinutes(1)));
    assertThrows(IllegalArgumentException.class,
        () -> presigner.generateUploadUrl("x", "not a type", 10, Duration.ofMinutes(1)));
    assertThrows(IllegalArgumentException.class,
        () -> presigner.generateUploadUrl("x", "image/png", 0, Duration.ofMinutes(1)));
    assertThrows(IllegalArgumentException.class, () -> presigner.generateDownloadUrl("x", Duration.ofDays(8)));
    assertThrows(IllegalArgumentException.class, () -> presigner.generateDownloadUrl("x", Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> Presigner.builder().secret(new byte[8]));
  }

  @Test
  void verify_exactlyAtExpiry_stillValid() {
    Map<String, String> q = query(presigner.generateUploadUrl("k", "image/png", 10, Duration.ofSeconds(10)).url());
    clock.advance(Duration.ofSeconds(10));
    presigner.verifyUpload("k", q::get);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(PresignException.Reason.EXPIRED,
        assertThrows(PresignException.class, () -> presigner.verifyUpload("k", q::get)).reason());
  }

  @Test
  void builder_settingGivenTwice_refusedNamingTheOldValue() {
    Presigner.Builder b = Presigner.builder().secret(new byte[32]).clock(clock).basePath("/files");
    IllegalStateException secret = assertThrows(IllegalStateException.class, () -> b.secret(new byte[40]));
    assertEquals("secret was already set to a 32-byte key (not shown)", secret.getMessage());
    IllegalStateException c = assertThrows(IllegalStateException.class, () -> b.clock(Clock.systemUTC()));
    assertEquals("clock was already set to " + clock, c.getMessage());
    IllegalStateException path = assertThrows(IllegalStateException.class, () -> b.basePath("/other"));
    assertEquals("basePath was already set to /files", path.getMessage());
    assertTrue(b.build().generateDownloadUrl("k", Duration.ofMinutes(1)).url().startsWith("/files/k?"));
  }
}
