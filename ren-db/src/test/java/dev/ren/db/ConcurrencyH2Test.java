package dev.ren.db;

/** {@link ConcurrencyTest} on an H2 file. */
class ConcurrencyH2Test extends ConcurrencyTest {
  ConcurrencyH2Test() {
    super(TestDatabase.Kind.H2);
  }
}
