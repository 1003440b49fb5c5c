package dev.ren.db;

import dev.ren.access.RenCaller;
import dev.ren.health.Health;

import java.time.Duration;

import java.util.List;
import java.util.Objects;

/**
 * {@link DocumentStore#tenant(String) A tenant's view} of a {@link JdbcDocumentStore}: the same tables, its own
 * collections (see {@link TenantKeys}), events carrying the tenant. It owns nothing: {@link #close()} does nothing,
 * the store it views is closed by its owner.
 *
 * <p>Thread-safety: immutable; thread-safe.
 */
final class TenantDocumentStore implements DocumentStore {

  private final JdbcDocumentStore store;
  private final String tenant;

  TenantDocumentStore(JdbcDocumentStore store, String tenant) {
    this.store = store;
    this.tenant = RenCaller.checkTenant(Objects.requireNonNull(tenant, "tenant"));
  }

  @Override
  public Collection collection(String name) {
    return store.collection(tenant, name);
  }

  @Override
  public List<String> collectionNames() {
    return store.collectionNames(tenant);
  }

  @Override
  public DocumentStore tenant(@org.jspecify.annotations.Nullable String other) {
    return store.tenant(other);
  }

  @Override
  public Health health(Duration timeout) {
    return store.health(timeout);
  }

  /** Does nothing: the view does not own the store. */
  @Override
  public void close() {
    // the store's owner closes it
  }

  @Override
  public String toString() {
    return "DocumentStore[tenant=" + tenant + "]";
  }
}
