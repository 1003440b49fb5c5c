package dev.ren.db;

/** {@link DocumentStoreTest} on an H2 file. */
class DocumentStoreH2Test extends DocumentStoreTest {
  DocumentStoreH2Test() {
    super(TestDatabase.Kind.H2);
  }
}
