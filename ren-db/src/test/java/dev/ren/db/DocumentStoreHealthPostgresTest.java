package dev.ren.db;

import dev.ren.health.Health;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The document store's health check on PostgreSQL (profile {@code postgres}): a fresh schema per test. */
@Tag("postgres")
class DocumentStoreHealthPostgresTest {

  @RegisterExtension
  final TestDatabase db = new TestDatabase(TestDatabase.Kind.POSTGRES);

  @Test
  void health_onPostgres_isUpThenDownOnceItsTableIsGone() throws Exception {
    try (DocumentStore store = db.open(new RecordingPublisher())) {
      Health up = store.health(Duration.ofSeconds(1));
      assertTrue(up.isUp(), up.description());
      assertTrue(up.description().contains("POSTGRES"), up.description());
      try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE ren_documents CASCADE");
      }
      Health down = store.health(Duration.ofSeconds(1));
      assertFalse(down.isUp(), down.description());
    }
  }
}
