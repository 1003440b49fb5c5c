package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventLogUnavailableException;
import dev.ren.EventTypes;
import dev.ren.RenEvent;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Applied but not published" over HTTP: when the store stored (or removed) an object but its event could not be
 * published, the client gets {@code 503 {"error":"not_published","applied":true}} and the change is in place.
 */
class StorageServletNotPublishedTest {

  final HttpClient http = HttpClient.newHttpClient();
  final RecordingPublisher events = new RecordingPublisher();
  @TempDir Path dir;
  JettyTestServer server;

  @BeforeEach
  void start() {
    BlobStore store = BlobStore.fileSystem(dir.resolve("blobs"), events);
    StorageServlet storage = new StorageServlet(store, Presigner.create(), 1 << 20);
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/storage", storage)
        .servlet("/api/storage/*", storage)
        .start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.header("X-Ren-Client", "c1").build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(String path, String body) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(path)).GET());
  }

  HttpResponse<String> post(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  static void assertNotPublished(HttpResponse<String> r) {
    assertEquals(503, r.statusCode(), r.body());
    JsonNode body = TestJson.parse(r.body());
    assertEquals("not_published", body.get("error").asText());
    assertTrue(body.get("applied").asBoolean(), r.body());
  }

  void logDown() {
    events.failWith(new EventLogUnavailableException("event log unreachable"));
  }

  @Test
  void put_publisherDown_notPublishedAndObjectStored() throws Exception {
    logDown();
    assertNotPublished(put("/api/storage/np/a.txt", "stored anyway"));
    HttpResponse<String> g = get("/api/storage/np/a.txt");
    assertEquals(200, g.statusCode());
    assertEquals("stored anyway", g.body());
  }

  @Test
  void postUpload_publisherDown_notPublishedAndObjectStored() throws Exception {
    logDown();
    assertNotPublished(send(HttpRequest.newBuilder(server.uri("/api/storage/upload?path=np%2Flegacy.txt"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("legacy"))));
    assertEquals("legacy", get("/api/storage/np/legacy.txt").body());
  }

  @Test
  void delete_publisherDown_notPublishedAndObjectGone() throws Exception {
    assertEquals(200, put("/api/storage/np/d.txt", "bye").statusCode());
    logDown();
    assertNotPublished(send(HttpRequest.newBuilder(server.uri("/api/storage/np/d.txt")).DELETE()));
    assertEquals(404, get("/api/storage/np/d.txt").statusCode());
  }

  @Test
  void confirm_publisherDown_notPublishedAndObjectKept() throws Exception {
    JsonNode grant = TestJson.parse(post("/api/storage/upload-url",
        "{\"key\":\"np/up.png\",\"content_type\":\"image/png\",\"size_limit\":100}").body());
    HttpResponse<String> p = http.send(HttpRequest.newBuilder(server.uri(grant.get("url").asText()))
        .header("Content-Type", "image/png").PUT(HttpRequest.BodyPublishers.ofString("png")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, p.statusCode(), p.body());
    logDown();
    assertNotPublished(post("/api/storage/confirm", "{\"key\":\"np/up.png\"}"));
    assertEquals("png", get("/api/storage/np/up.png").body());
    events.failWith(null);
    assertEquals(200, post("/api/storage/confirm", "{\"key\":\"np/up.png\"}").statusCode());
    assertEquals(List.of(EventTypes.STORAGE_OBJECT_CREATED), events.drain().stream().map(RenEvent::t).toList());
  }
}
