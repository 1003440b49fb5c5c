package dev.ren.db;

/** {@link Issue15Test} on an H2 file. */
class Issue15H2Test extends Issue15Test {
  Issue15H2Test() {
    super(TestDatabase.Kind.H2);
  }
}
