package dev.ren.db;

/** {@link CollectionBoundsTest} on an H2 file. */
class CollectionBoundsH2Test extends CollectionBoundsTest {
  CollectionBoundsH2Test() {
    super(TestDatabase.Kind.H2);
  }
}
