package dev.ren.db;

/**
 * The few SQL differences between supported databases. Every statement is a constant built from these
 * fragments; no user string ever becomes SQL text.
 *
 * <p><b>PostgreSQL.</b> Documents are stored as {@code JSON}, not {@code JSONB}: {@code JSON} keeps the text as
 * written, as H2 does, where {@code JSONB} reorders an object's fields (shortest name first) and rewrites numbers
 * ({@code 1e300} comes back as a 301-digit integer, so a {@code $inc} that overflows a double would no longer be
 * caught). Text columns that are compared or ordered use collation {@code "C"} (code point order, as Java and H2
 * compare the ASCII and BMP strings of ids and index keys) whatever the database's default collation. And the
 * database, not this JVM, serializes writers ({@link #locksInDatabase}): several store instances, in one JVM or
 * many, may share one PostgreSQL database.
 *
 * <p>Thread-safety: immutable.
 */
enum SqlDialect {
  H2("JSON", "? FORMAT JSON", "", false),
  POSTGRESQL("JSON", "CAST(? AS JSON)", " COLLATE \"C\"", true);

  final String jsonType;
  final String jsonParam;
  /** Appended to the type of a text column that is compared or ordered. */
  final String collation;
  /**
   * Whether writers are serialized by the database (row locks and transaction-scoped advisory locks, see
   * {@link JdbcDocumentStore#write}) rather than by locks inside this JVM, so that store instances sharing the
   * database stay correct. False for H2, whose file is opened by one process only.
   */
  final boolean locksInDatabase;

  SqlDialect(String jsonType, String jsonParam, String collation, boolean locksInDatabase) {
    this.jsonType = jsonType;
    this.jsonParam = jsonParam;
    this.collation = collation;
    this.locksInDatabase = locksInDatabase;
  }

  static SqlDialect forProduct(String productName) {
    String p = productName.toLowerCase(java.util.Locale.ROOT);
    if (p.contains("h2")) {
      return H2;
    }
    if (p.contains("postgres")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException("database '" + productName + "' is not supported; use H2 or PostgreSQL");
  }
}
