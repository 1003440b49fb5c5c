package dev.ren.db;

import dev.ren.health.Health;
import dev.ren.testing.RecordingPublisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DocumentStoreHealthTest {

  @TempDir
  Path dir;

  @Test
  void health_h2FileStore_isUpThenDownOnceClosed() {
    DocumentStore store = DocumentStore.h2(dir, new RecordingPublisher());
    Health up = store.health(Duration.ofSeconds(1));
    assertTrue(up.isUp(), up.description());
    assertTrue(store.tenant("t1").health(Duration.ofSeconds(1)).isUp(), "a view answers for the store");
    store.close();
    Health down = store.health(Duration.ofSeconds(1));
    assertFalse(down.isUp(), down.description());
  }

  @Test
  void health_dataSourceWhoseDatabaseWasShutDown_isDown() throws Exception {
    org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
    ds.setURL("jdbc:h2:" + dir.resolve("ext") + ";DB_CLOSE_ON_EXIT=FALSE");
    try (DocumentStore store = DocumentStore.jdbc(ds, new RecordingPublisher())) {
      assertTrue(store.health(Duration.ofSeconds(1)).isUp());
      try (java.sql.Connection c = ds.getConnection(); java.sql.Statement s = c.createStatement()) {
        s.execute("DROP TABLE ren_documents CASCADE");
      }
      Health down = store.health(Duration.ofSeconds(1));
      assertFalse(down.isUp(), "the documents table is gone: " + down.description());
    }
  }
}
