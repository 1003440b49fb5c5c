package dev.ren.db;

/** {@link AppliedButNotPublishedTest} on an H2 file. */
class AppliedButNotPublishedH2Test extends AppliedButNotPublishedTest {
  AppliedButNotPublishedH2Test() {
    super(TestDatabase.Kind.H2);
  }
}
