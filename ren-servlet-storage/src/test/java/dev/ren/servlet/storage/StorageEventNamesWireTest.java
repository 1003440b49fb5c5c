package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.hub.StorageEventNames;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Storage changes on the wire, read by a raw-socket SSE client: each change under its table name and its object
 * name, both frames with one {@code id:}, as the stream's filter and the hub's setting select.
 */
class StorageEventNamesWireTest {

  static final Duration WAIT = Duration.ofSeconds(5);
  static final String MARKER = "test.marker";

  final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path dir;
  RenHub hub;
  JettyTestServer server;
  final List<SseTestClient> streams = new ArrayList<>();

  void start(StorageEventNames names) throws Exception {
    hub = names == null ? RenHub.create() : RenHub.builder().storageEventNames(names).build();
    BlobStore store = BlobStore.fileSystem(dir.resolve("blobs"), hub);
    StorageServlet storage = new StorageServlet(store, Presigner.builder().build(), 1 << 20);
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet("/api/storage", storage)
        .servlet("/api/storage/*", storage)
        .start();
  }

  @AfterEach
  void stop() {
    streams.forEach(SseTestClient::close);
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  SseTestClient stream(String filter, String lastEventId) throws Exception {
    String q = filter == null ? "" : "?s=" + filter;
    SseTestClient c = lastEventId == null ? SseTestClient.open(server.uri("/api/maravilla/ren" + q))
        : SseTestClient.open(server.uri("/api/maravilla/ren" + q), Map.of("Last-Event-ID", lastEventId));
    streams.add(c);
    assertEquals("ren.meta", c.next(WAIT).type());
    return c;
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.header("X-Ren-Client", "c1").build(), HttpResponse.BodyHandlers.ofString());
  }

  String put(String key, String body) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(server.uri("/api/storage/" + key))
        .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString(body)));
    assertEquals(200, r.statusCode(), r.body());
    return TestJson.parse(r.body()).get("etag").asText();
  }

  void delete(String key) throws Exception {
    assertEquals(200, send(HttpRequest.newBuilder(server.uri("/api/storage/" + key)).DELETE()).statusCode());
  }

  /** Upload, overwrite, delete; then a marker event, so a reader knows nothing else is coming. */
  List<String> uploadOverwriteDelete() throws Exception {
    String e1 = put("w/a.txt", "one");
    String e2 = put("w/a.txt", "two");
    delete("w/a.txt");
    hub.publish(RenEvent.builder(MARKER).build());
    return List.of(e1, e2);
  }

  /** Frames up to the marker, as "id event" lines (the marker's too); checks every frame's t is its event name. */
  static List<SseTestClient.Event> untilMarker(SseTestClient c) throws Exception {
    List<SseTestClient.Event> out = new ArrayList<>();
    for (;;) {
      SseTestClient.Event e = c.next(WAIT);
      assertNotNull(e, "stream ended before the marker");
      if (e.type().equals(MARKER)) {
        return out;
      }
      assertEquals(e.type(), e.json().get("t").asText(), "t names the frame's own event name");
      out.add(e);
    }
  }

  static List<String> types(List<SseTestClient.Event> events) {
    return events.stream().map(SseTestClient.Event::type).toList();
  }

  @Test
  void uploadOverwriteDelete_noFilter_twoFramesPerChangeSharingIdKeyNamespaceVersionAndSrc() throws Exception {
    start(null);
    SseTestClient c = stream(null, null);
    List<String> etags = uploadOverwriteDelete();
    List<SseTestClient.Event> got = untilMarker(c);
    assertEquals(List.of("storage.put", "storage.object.created", "storage.put", "storage.object.updated",
        "storage.delete", "storage.object.deleted"), types(got));
    for (int i = 0; i < got.size(); i += 2) {
      SseTestClient.Event table = got.get(i);
      SseTestClient.Event object = got.get(i + 1);
      assertNotNull(table.id());
      assertEquals(table.id(), object.id(), "both frames of one change share its id");
      JsonNode a = table.json();
      JsonNode b = object.json();
      for (String f : List.of("r", "k", "ns", "v", "ts", "src")) {
        assertEquals(a.get(f), b.get(f), f);
      }
      assertEquals("w/a.txt", a.get("k").asText());
      assertEquals("default", a.get("ns").asText());
      assertEquals("c1", a.get("src").asText());
    }
    assertNotEquals(got.get(0).id(), got.get(2).id());
    assertEquals(etags.get(0), got.get(0).json().get("v").asText());
    assertEquals(etags.get(1), got.get(3).json().get("v").asText());
  }

  @Test
  void confirmedPresignedUpload_noFilter_putAndCreatedWithOneId() throws Exception {
    start(null);
    SseTestClient c = stream(null, null);
    HttpResponse<String> u = send(HttpRequest.newBuilder(server.uri("/api/storage/upload-url"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"key\":\"up/p.txt\",\"content_type\":\"text/plain\",\"size_limit\":100}")));
    assertEquals(200, u.statusCode(), u.body());
    URI url = server.uri(TestJson.parse(u.body()).get("url").asText());
    assertEquals(200, http.send(HttpRequest.newBuilder(url).header("Content-Type", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(200, send(HttpRequest.newBuilder(server.uri("/api/storage/confirm"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"up/p.txt\"}"))).statusCode());
    hub.publish(RenEvent.builder(MARKER).build());
    List<SseTestClient.Event> got = untilMarker(c);
    assertEquals(List.of("storage.put", "storage.object.created"), types(got));
    assertEquals(got.get(0).id(), got.get(1).id());
    assertEquals("up/p.txt", got.get(1).json().get("k").asText());
  }

  @Test
  void resume_afterEitherFrameOfAChange_replaysNeither() throws Exception {
    start(null);
    SseTestClient live = stream(null, null);
    uploadOverwriteDelete();
    List<SseTestClient.Event> got = untilMarker(live);
    // the client's last id after the first frame and after the second is the same id: one resume point
    String afterCreate = got.get(1).id();
    assertEquals(got.get(0).id(), afterCreate);
    SseTestClient resumed = stream(null, afterCreate);
    assertEquals(List.of("storage.put", "storage.object.updated", "storage.delete", "storage.object.deleted"),
        types(untilMarker(resumed)));
    SseTestClient afterLast = stream(null, got.get(5).id());
    assertEquals(List.of(), types(untilMarker(afterLast)));
  }

  @Test
  void filters_storageBothTableNameOnlyObjectNameOnly() throws Exception {
    start(null);
    SseTestClient storage = stream("storage," + MARKER, null);
    SseTestClient put = stream("storage.put," + MARKER, null);
    SseTestClient delete = stream("storage.delete," + MARKER, null);
    SseTestClient object = stream("storage.object," + MARKER, null);
    SseTestClient created = stream("storage.object.created," + MARKER, null);
    SseTestClient deleted = stream("storage.object.deleted," + MARKER, null);
    uploadOverwriteDelete();
    assertEquals(6, untilMarker(storage).size());
    assertEquals(List.of("storage.put", "storage.put"), types(untilMarker(put)));
    assertEquals(List.of("storage.delete"), types(untilMarker(delete)));
    assertEquals(List.of("storage.object.created", "storage.object.updated", "storage.object.deleted"),
        types(untilMarker(object)));
    assertEquals(List.of("storage.object.created"), types(untilMarker(created)));
    assertEquals(List.of("storage.object.deleted"), types(untilMarker(deleted)));
  }

  @Test
  void setting_tableNamesOnly_oneFramePerChange() throws Exception {
    start(StorageEventNames.TABLE);
    SseTestClient all = stream(null, null);
    SseTestClient object = stream("storage.object," + MARKER, null);
    uploadOverwriteDelete();
    assertEquals(List.of("storage.put", "storage.put", "storage.delete"), types(untilMarker(all)));
    assertEquals(List.of(), types(untilMarker(object)));
  }

  @Test
  void setting_objectNamesOnly_oneFramePerChange() throws Exception {
    start(StorageEventNames.OBJECT);
    SseTestClient all = stream(null, null);
    SseTestClient table = stream("storage.put,storage.delete," + MARKER, null);
    uploadOverwriteDelete();
    assertEquals(List.of("storage.object.created", "storage.object.updated", "storage.object.deleted"),
        types(untilMarker(all)));
    assertEquals(List.of(), types(untilMarker(table)));
  }
}
