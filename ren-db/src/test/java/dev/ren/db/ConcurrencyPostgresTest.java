package dev.ren.db;

import org.junit.jupiter.api.Tag;

/** {@link ConcurrencyTest} on PostgreSQL (profile {@code postgres}). */
@Tag("postgres")
class ConcurrencyPostgresTest extends ConcurrencyTest {
  ConcurrencyPostgresTest() {
    super(TestDatabase.Kind.POSTGRES);
  }
}
