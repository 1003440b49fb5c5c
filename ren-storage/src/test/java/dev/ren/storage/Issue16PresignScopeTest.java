package dev.ren.storage;

import dev.ren.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static dev.ren.storage.PresignerTest.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16: a signed URL grants one method on one key of one tenant (and, for an upload, for one owner). */
class Issue16PresignScopeTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  final Presigner presigner = Presigner.builder().secret(new byte[32]).clock(new ManualClock(NOW.toEpochMilli()))
      .build();

  static PresignException.Reason refused(Runnable verify) {
    return assertThrows(PresignException.class, verify::run).reason();
  }

  @Test
  void uploadUrl_tenantAndOwner_signedAndCarriedByTheGrant() {
    PresignedUrl url = presigner.generateUploadUrl("a.png", "image/png", 10, Duration.ofMinutes(5), "acme",
        "alice smith");
    assertTrue(url.url().contains(Presigner.TENANT + "=acme"), url.url());
    assertTrue(url.url().contains(Presigner.OWNER + "=alice%20smith"), url.url());
    Presigner.UploadGrant g = presigner.verifyUpload("a.png", query(url.url())::get);
    assertEquals("acme", g.tenant());
    assertEquals("alice smith", g.owner());
  }

  @Test
  void uploadUrl_tenantOrOwnerChangedAddedOrRemoved_badSignature() {
    Map<String, String> q = query(presigner.generateUploadUrl("a.png", "image/png", 10, Duration.ofMinutes(5),
        "acme", "alice").url());
    Map<String, String> otherTenant = new HashMap<>(q);
    otherTenant.put(Presigner.TENANT, "globex");
    Map<String, String> noTenant = new HashMap<>(q);
    noTenant.remove(Presigner.TENANT);
    Map<String, String> otherOwner = new HashMap<>(q);
    otherOwner.put(Presigner.OWNER, "mallory");
    Map<String, String> noOwner = new HashMap<>(q);
    noOwner.remove(Presigner.OWNER);
    for (Map<String, String> t : java.util.List.of(otherTenant, noTenant, otherOwner, noOwner)) {
      assertEquals(PresignException.Reason.BAD_SIGNATURE, refused(() -> presigner.verifyUpload("a.png", t::get)),
          t.toString());
    }
    Map<String, String> plain = query(presigner.generateUploadUrl("a.png", "image/png", 10, Duration.ofMinutes(5))
        .url());
    plain.put(Presigner.TENANT, "acme");
    assertEquals(PresignException.Reason.BAD_SIGNATURE, refused(() -> presigner.verifyUpload("a.png", plain::get)));
  }

  @Test
  void downloadUrl_tenantSigned_changedOrRemovedRefused() {
    Map<String, String> q = query(presigner.generateDownloadUrl("a.png", Duration.ofMinutes(5), "acme").url());
    assertEquals("acme", presigner.verifyDownload("a.png", q::get).tenant());
    Map<String, String> other = new HashMap<>(q);
    other.put(Presigner.TENANT, "globex");
    assertEquals(PresignException.Reason.BAD_SIGNATURE, refused(() -> presigner.verifyDownload("a.png", other::get)));
    Map<String, String> none = new HashMap<>(q);
    none.remove(Presigner.TENANT);
    assertEquals(PresignException.Reason.BAD_SIGNATURE, refused(() -> presigner.verifyDownload("a.png", none::get)));
    assertNull(presigner.verifyDownload("a.png",
        query(presigner.generateDownloadUrl("a.png", Duration.ofMinutes(5)).url())::get).tenant());
  }

  @Test
  void downloadUrl_withAnOwnerOrMalformedTenant_malformed() {
    Map<String, String> q = query(presigner.generateDownloadUrl("a.png", Duration.ofMinutes(5)).url());
    Map<String, String> owner = new HashMap<>(q);
    owner.put(Presigner.OWNER, "alice");
    assertEquals(PresignException.Reason.MALFORMED, refused(() -> presigner.verifyDownload("a.png", owner::get)));
    Map<String, String> badTenant = new HashMap<>(q);
    badTenant.put(Presigner.TENANT, "a\nb");
    assertEquals(PresignException.Reason.MALFORMED,
        refused(() -> presigner.verifyDownload("a.png", badTenant::get)));
  }

  @Test
  void uploadUrl_controlCharacterInFields_refusedOnBothSides() {
    assertThrows(IllegalArgumentException.class, () -> presigner.generateUploadUrl("a", "image/png", 10,
        Duration.ofMinutes(5), "acme", "ali\nce"));
    assertThrows(IllegalArgumentException.class, () -> presigner.generateUploadUrl("a", "image/png", 10,
        Duration.ofMinutes(5), "ac/me", null));
    Map<String, String> q = query(presigner.generateUploadUrl("a", "image/png", 10, Duration.ofMinutes(5),
        null, "alice").url());
    Map<String, String> owner = new HashMap<>(q);
    owner.put(Presigner.OWNER, "alice\n");
    assertEquals(PresignException.Reason.MALFORMED, refused(() -> presigner.verifyUpload("a", owner::get)));
    Map<String, String> type = new HashMap<>(q);
    type.put(Presigner.CONTENT_TYPE, "image/png;\nx=y");
    assertEquals(PresignException.Reason.MALFORMED, refused(() -> presigner.verifyUpload("a", type::get)));
  }

  @Test
  void urls_oneMethodOneKey_neverTheOther() {
    Map<String, String> up = query(presigner.generateUploadUrl("a", "image/png", 10, Duration.ofMinutes(5), "acme",
        "alice").url());
    Map<String, String> down = query(presigner.generateDownloadUrl("a", Duration.ofMinutes(5), "acme").url());
    assertFalse(up.equals(down));
    Map<String, String> upWithoutOwner = new HashMap<>(up);
    upWithoutOwner.remove(Presigner.OWNER);
    assertThrows(PresignException.class, () -> presigner.verifyDownload("a", upWithoutOwner::get));
    Map<String, String> downAsUpload = new HashMap<>(down);
    downAsUpload.put(Presigner.CONTENT_TYPE, "image/png");
    downAsUpload.put(Presigner.SIZE_LIMIT, "10");
    assertEquals(PresignException.Reason.BAD_SIGNATURE, refused(() -> presigner.verifyUpload("a", downAsUpload::get)));
    assertEquals(PresignException.Reason.BAD_SIGNATURE, refused(() -> presigner.verifyUpload("b", up::get)));
    assertEquals(PresignException.Reason.BAD_SIGNATURE, refused(() -> presigner.verifyDownload("b", down::get)));
  }
}
