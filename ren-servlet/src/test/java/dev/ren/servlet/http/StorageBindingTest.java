package dev.ren.servlet.http;

import dev.ren.hub.RenHub;
import dev.ren.servlet.testing.JettyTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageBindingTest {

  @TempDir Path dir;

  @Test
  void install_registersStorageAndTransformRoutesUnderDataDir() throws Exception {
    List<AutoCloseable> owned = new ArrayList<>();
    HttpClient http = HttpClient.newHttpClient();
    try (RenHub hub = RenHub.create(); JettyTestServer server = new JettyTestServer()) {
      server.context().addEventListener(new jakarta.servlet.ServletContextListener() {
        @Override
        public void contextInitialized(jakarta.servlet.ServletContextEvent sce) {
          StorageBinding.install(sce.getServletContext(), hub, dir, owned);
        }
      });
      server.start();
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(server.uri("/api/storage/a%2Fb.txt"))
          .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("hi")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, put.statusCode(), put.body());
      assertTrue(Files.exists(dir.resolve("blobs/default/objects/a/b.txt")));
      assertEquals(200, http.send(HttpRequest.newBuilder(server.uri("/api/storage")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(404, http.send(HttpRequest.newBuilder(server.uri("/api/media/transforms/jobs/x")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(1, owned.size());
    } finally {
      for (AutoCloseable c : owned) {
        c.close();
      }
    }
  }
}
