package dev.ren.db;

/** {@link Issue16TenantTest} on an H2 file. */
class Issue16TenantH2Test extends Issue16TenantTest {
  Issue16TenantH2Test() {
    super(TestDatabase.Kind.H2);
  }
}
