package dev.ren.db;

/**
 * The few SQL differences between supported databases. Every statement is a constant built from these
 * fragments; no user string ever becomes SQL text.
 *
 * <p>Thread-safety: immutable.
 */
enum SqlDialect {
  H2("JSON", "? FORMAT JSON"),
  POSTGRESQL("JSONB", "CAST(? AS JSONB)");

  final String jsonType;
  final String jsonParam;

  SqlDialect(String jsonType, String jsonParam) {
    this.jsonType = jsonType;
    this.jsonParam = jsonParam;
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
