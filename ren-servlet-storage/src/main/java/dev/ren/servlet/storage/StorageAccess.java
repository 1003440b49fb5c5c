package dev.ren.servlet.storage;

import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobStore;
import dev.ren.storage.UnreadableBlobException;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * How the storage routes ask the access policy: every route works in the caller's tenant
 * ({@link BlobStore#tenant}), and an operation on one object is asked about with the object's current owner
 * ({@link RenResource#storage(String, String, String)}), read before anything is changed, so
 * {@code AccessRules.owned("storage", ..)} makes an object reachable by its owner only. The owner a write records
 * is the authenticated caller's, never anything the client sent.
 *
 * <p>Thread-safety: immutable; safe for concurrent requests.
 */
final class StorageAccess {

  private final BlobStore store;
  private final Supplier<RenSecurity> security;

  /** @param security the servlet's security, known once it is initialised */
  StorageAccess(BlobStore store, Supplier<RenSecurity> security) {
    this.store = store;
    this.security = security;
  }

  RenSecurity security() {
    return security.get();
  }

  /** The request's caller (authenticated once per request), whose tenant every route works in. */
  RenCaller caller(HttpServletRequest req) {
    return security().caller(req);
  }

  /** The bucket as the caller's tenant sees it. */
  BlobStore storeOf(RenCaller caller) {
    return store.tenant(caller.tenant());
  }

  /** The bucket as {@code tenant} sees it (a signed URL's). */
  BlobStore storeOf(@Nullable String tenant) {
    return store.tenant(tenant);
  }

  RenResource resource(@Nullable String key, @Nullable String owner) {
    return RenResource.storage(store.bucket(), key, owner);
  }

  /**
   * Refuses {@code op} on {@code key} unless the policy allows it to the caller with the object's current owner;
   * returns the object's info, or null when it is absent. A damaged object counts as one without an owner: a read
   * then fails (after the check, so a refused caller learns nothing about it), a write may replace it.
   *
   * @throws dev.ren.servlet.http.HttpError {@code 401}/{@code 403} when refused
   */
  @Nullable BlobInfo authorize(HttpServletRequest req, BlobStore tenantStore, RenOperation op, String key)
      throws IOException {
    BlobInfo current;
    try {
      current = tenantStore.head(key).orElse(null);
    } catch (UnreadableBlobException damaged) {
      security().authorize(req, op, resource(key, null));
      if (!op.isWrite()) {
        throw damaged;
      }
      return null;
    }
    security().authorize(req, op, resource(key, current == null ? null : current.owner()));
    return current;
  }

  /** Whether {@code caller} may see {@code info} in a listing: whether it may read it. */
  boolean visible(RenCaller caller, BlobInfo info) {
    return security().allows(caller, RenOperation.BLOB_GET, resource(info.key(), info.owner()));
  }

  /**
   * The owner a write by {@code caller} records: the object's own if it has one (a write never takes an object
   * from its owner), else the caller's user.
   */
  static @Nullable String ownerFor(RenCaller caller, @Nullable BlobInfo current) {
    String owner = current == null ? null : current.owner();
    return owner != null ? owner : caller.user();
  }
}
