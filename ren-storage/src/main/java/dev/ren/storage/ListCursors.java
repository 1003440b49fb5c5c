package dev.ren.storage;

import org.jspecify.annotations.Nullable;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Listing cursors. A page that ends on an object the caller may see gets that object's key as its cursor, as
 * always. A page that ends on an object the caller may not see (a filtered listing that ran out of its scan
 * budget among other owners' objects) must not name it, so that cursor is sealed: {@code :} and the key encrypted
 * and authenticated with AES-GCM under a key random per store instance. A key cannot start with {@code :}, so the
 * two kinds never meet; a sealed cursor from before a restart, or tampered with, is refused.
 *
 * <p>Thread-safety: thread-safe (a {@link Cipher} per call).
 */
final class ListCursors {

  private static final String SEALED = ":";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] CONTEXT = "ren-list-cursor-v1".getBytes(StandardCharsets.US_ASCII);

  private final SecureRandom random = new SecureRandom();
  private final SecretKeySpec key;

  ListCursors() {
    byte[] k = new byte[16];
    random.nextBytes(k);
    this.key = new SecretKeySpec(k, "AES");
  }

  /** A cursor that continues after {@code lastKey} without showing it. */
  String seal(String lastKey) {
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      c.updateAAD(CONTEXT);
      byte[] ct = c.doFinal(lastKey.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array();
      return SEALED + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is required by every JDK", e);
    }
  }

  /**
   * The key a listing continues after: the cursor itself, or what a sealed one holds.
   *
   * @throws IllegalArgumentException for a sealed cursor this store did not make (or made before a restart)
   */
  @Nullable String open(@Nullable String cursor) {
    if (cursor == null || !cursor.startsWith(SEALED)) {
      return cursor;
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(cursor.substring(SEALED.length()));
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (raw.length < IV_BYTES + TAG_BITS / 8) {
      throw invalid();
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, IV_BYTES));
      c.updateAAD(CONTEXT);
      return new String(c.doFinal(raw, IV_BYTES, raw.length - IV_BYTES), StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw invalid();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is required by every JDK", e);
    }
  }

  private static IllegalArgumentException invalid() {
    return new IllegalArgumentException("cursor is not one this store handed out (or it was made before the store"
        + " restarted); list again from the start");
  }
}
