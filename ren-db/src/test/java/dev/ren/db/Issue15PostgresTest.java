package dev.ren.db;

import org.junit.jupiter.api.Tag;

/** {@link Issue15Test} on PostgreSQL (profile {@code postgres}). */
@Tag("postgres")
class Issue15PostgresTest extends Issue15Test {
  Issue15PostgresTest() {
    super(TestDatabase.Kind.POSTGRES);
  }
}
