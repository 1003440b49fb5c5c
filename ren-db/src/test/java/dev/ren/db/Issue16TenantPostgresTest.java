package dev.ren.db;

import org.junit.jupiter.api.Tag;

/** {@link Issue16TenantTest} on PostgreSQL (profile {@code postgres}). */
@Tag("postgres")
class Issue16TenantPostgresTest extends Issue16TenantTest {
  Issue16TenantPostgresTest() {
    super(TestDatabase.Kind.POSTGRES);
  }
}
