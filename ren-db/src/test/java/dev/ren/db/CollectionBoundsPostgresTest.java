package dev.ren.db;

import org.junit.jupiter.api.Tag;

/** {@link CollectionBoundsTest} on PostgreSQL (profile {@code postgres}). */
@Tag("postgres")
class CollectionBoundsPostgresTest extends CollectionBoundsTest {
  CollectionBoundsPostgresTest() {
    super(TestDatabase.Kind.POSTGRES);
  }
}
