package dev.ren.db;

import org.junit.jupiter.api.Tag;

/** {@link AppliedButNotPublishedTest} on PostgreSQL (profile {@code postgres}). */
@Tag("postgres")
class AppliedButNotPublishedPostgresTest extends AppliedButNotPublishedTest {
  AppliedButNotPublishedPostgresTest() {
    super(TestDatabase.Kind.POSTGRES);
  }
}
