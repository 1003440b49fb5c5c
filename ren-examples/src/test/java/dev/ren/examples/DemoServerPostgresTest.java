package dev.ren.examples;

import dev.ren.testing.SseTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --postgres}: the demo's documents in PostgreSQL (127.0.0.1:5432, database {@code test}, a fresh schema per
 * test), shared by two demo servers as by two nodes.
 */
@Tag("postgres")
class DemoServerPostgresTest {

  private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path data;

  private final HttpClient http = HttpClient.newHttpClient();
  private String schema = "";

  @BeforeEach
  void createSchema() throws Exception {
    schema = "ren_demo_" + UUID.randomUUID().toString().replace("-", "");
    sql("CREATE SCHEMA " + schema);
  }

  @AfterEach
  void dropSchema() throws Exception {
    sql("DROP SCHEMA " + schema + " CASCADE");
  }

  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER, "postgres", ""); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private DemoServer demo(String dir) throws Exception {
    return new DemoServer(DemoServer.Options.parse("--port", "0", "--data", data.resolve(dir).toString(),
        "--postgres", SERVER + "?user=postgres&currentSchema=" + schema)).start();
  }

  private HttpResponse<String> send(URI base, String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void postgres_twoDemoServersOnOneDatabase_shareDocumentsAndEachPublishesItsOwnWrites() throws Exception {
    try (DemoServer a = demo("a"); DemoServer b = demo("b");
         SseTestClient streamA = SseTestClient.open(a.uri().resolve("/api/maravilla/ren?s=db"));
         SseTestClient streamB = SseTestClient.open(b.uri().resolve("/api/maravilla/ren?s=db"))) {
      streamA.next("ren.meta", WAIT);
      streamB.next("ren.meta", WAIT);
      HttpResponse<String> put = send(a.uri(), "PUT", "/api/db/todos", "{\"_id\":\"t1\",\"title\":\"from a\"}");
      assertEquals(200, put.statusCode(), put.body());
      assertEquals("t1", streamA.next("db.document.created", WAIT).json().get("k").asText());

      HttpResponse<String> found = send(b.uri(), "POST", "/api/db/todos", "{\"filter\":{\"_id\":\"t1\"}}");
      assertEquals(200, found.statusCode(), found.body());
      assertTrue(found.body().contains("from a"), found.body());
      HttpResponse<String> update = send(b.uri(), "POST", "/api/db/todos/update",
          "{\"filter\":{\"_id\":\"t1\"},\"update\":{\"$set\":{\"title\":\"from b\"}}}");
      assertEquals(200, update.statusCode(), update.body());
      var updated = streamB.next("db.document.updated", WAIT).json();
      assertEquals("t1", updated.get("k").asText());
      assertEquals("2", updated.get("v").asText());

      HttpResponse<String> one = send(a.uri(), "POST", "/api/db/todos/findOne", "{\"_id\":\"t1\"}");
      assertEquals(200, one.statusCode(), one.body());
      assertTrue(one.body().contains("from b"), one.body());
      assertEquals("2", one.headers().firstValue("X-Ren-Revision").orElseThrow());
    }
    // in PostgreSQL, in the URL's schema; nothing in the H2 directories
    try (Connection c = DriverManager.getConnection(SERVER + "?currentSchema=" + schema, "postgres", "");
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT rev, doc::text FROM ren_documents WHERE collection = 'todos'")) {
      assertTrue(rs.next());
      assertEquals(2, rs.getLong(1));
      assertEquals("{\"_id\":\"t1\",\"title\":\"from b\"}", rs.getString(2));
      assertFalse(rs.next());
    }
    assertFalse(data.resolve("a").resolve("ren.mv.db").toFile().exists(), "no H2 file for documents");
  }

  @Test
  void parse_postgresNotAJdbcUrl_failsWithUsage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoServer.Options.parse("--postgres", "postgres://localhost/test"));
    assertTrue(e.getMessage().contains("--postgres must be a JDBC URL") && e.getMessage().contains("usage:"),
        e.getMessage());
  }
}
