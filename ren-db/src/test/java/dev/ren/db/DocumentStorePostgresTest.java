package dev.ren.db;

import org.junit.jupiter.api.Tag;

/** {@link DocumentStoreTest} on PostgreSQL (profile {@code postgres}). */
@Tag("postgres")
class DocumentStorePostgresTest extends DocumentStoreTest {
  DocumentStorePostgresTest() {
    super(TestDatabase.Kind.POSTGRES);
  }
}
