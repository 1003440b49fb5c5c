package dev.ren.storage;

import dev.ren.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15, finding 10: an upload URL stores one object; keys are signed in NFC. */
class Issue15PresignTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  final ManualClock clock = new ManualClock(NOW.toEpochMilli());

  Presigner presigner(int maxOutstanding) {
    return Presigner.builder().secret(new byte[32]).clock(clock).maxOutstandingUploads(maxOutstanding).build();
  }

  static Presigner.UploadGrant grant(Presigner p, String key, Duration ttl) {
    Map<String, String> q = PresignerTest.query(p.generateUploadUrl(key, "image/png", 10, ttl).url());
    return p.verifyUpload(key, q::get);
  }

  @Test
  void claimUpload_secondClaim_alreadyUsed() {
    Presigner p = presigner(10);
    Presigner.UploadGrant g = grant(p, "a.png", Duration.ofMinutes(5));
    p.claimUpload(g);
    PresignException e = assertThrows(PresignException.class, () -> p.claimUpload(g));
    assertEquals(PresignException.Reason.ALREADY_USED, e.reason());
  }

  @Test
  void releaseUpload_afterAnUploadThatStoredNothing_claimableAgain() {
    Presigner p = presigner(10);
    Presigner.UploadGrant g = grant(p, "a.png", Duration.ofMinutes(5));
    p.claimUpload(g);
    p.releaseUpload(g);
    p.claimUpload(g);
    assertThrows(PresignException.class, () -> p.claimUpload(g));
  }

  @Test
  void claimUpload_moreUsedThanTheBound_refusedUntilSomeExpire() {
    Presigner p = presigner(2);
    p.claimUpload(grant(p, "a", Duration.ofSeconds(10)));
    p.claimUpload(grant(p, "b", Duration.ofSeconds(100)));
    Presigner.UploadGrant c = grant(p, "c", Duration.ofSeconds(100));
    assertEquals(PresignException.Reason.TOO_MANY_UPLOADS,
        assertThrows(PresignException.class, () -> p.claimUpload(c)).reason());
    clock.advance(Duration.ofSeconds(11)); // a's signature expired: forgotten, its room reused
    p.claimUpload(c);
  }

  @Test
  void builder_maxOutstandingUploadsTwice_refused() {
    Presigner.Builder b = Presigner.builder().maxOutstandingUploads(5);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.maxOutstandingUploads(6));
    assertTrue(e.getMessage().contains("maxOutstandingUploads"), e.getMessage());
  }

  @Test
  void verifyUpload_signedAsNfdVerifiedAsNfc_sameKey() {
    Presigner p = presigner(10);
    String nfd = "cafe\u0301.png";
    String nfc = "caf\u00e9.png";
    PresignedUrl url = p.generateUploadUrl(nfd, "image/png", 10, Duration.ofMinutes(5));
    assertTrue(url.url().startsWith("/api/storage/caf%C3%A9.png?"), url.url());
    p.verifyUpload(nfc, PresignerTest.query(url.url())::get);
    p.verifyUpload(nfd, PresignerTest.query(url.url())::get);
  }
}
