package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.TestImages;
import dev.ren.testing.TestJson;
import dev.ren.transform.TransformOutput;
import dev.ren.transform.TransformService;
import dev.ren.transform.Transformer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15, findings 8 and 10 over HTTP: long names, damaged objects, one-use upload URLs, NFC, queue share. */
class Issue15StorageHttpTest {

  final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path dir;
  RecordingPublisher events;
  BlobStore store;
  TransformService transforms;
  JettyTestServer server;
  final CountDownLatch release = new CountDownLatch(1);

  /** A transform that holds its worker until the test ends, so a job stays in flight. */
  record Held(CountDownLatch release) implements Transformer {
    @Override
    public String name() {
      return "held";
    }

    @Override
    public Map<String, String> normalize(Map<String, String> options) {
      return options;
    }

    @Override
    public TransformOutput apply(BlobInfo source, InputStream content, Map<String, String> options,
                                 Progress progress) throws IOException {
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new TransformOutput(content.readAllBytes(), source.contentType());
    }
  }

  @BeforeEach
  void start() throws Exception {
    events = new RecordingPublisher();
    store = BlobStore.fileSystem(dir, events);
    transforms = TransformService.builder(store, events).threads(1).queueCapacity(8).queueSharePerClient(1)
        .register(new Held(release)).build();
    StorageServlet storage = new StorageServlet(store, Presigner.create(), 1 << 20);
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/storage", storage)
        .servlet("/api/storage/*", storage)
        .servlet("/api/media/transforms/*", new TransformServlet(transforms))
        .start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.close();
    }
    if (transforms != null) {
      transforms.close();
    }
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(String rawPath, String body, String type) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(rawPath)).header("Content-Type", type)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String rawPath) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(rawPath)).GET());
  }

  HttpResponse<String> post(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  @Test
  void put_lastSegmentOf255Bytes_storedAndRootListingStillWorks() throws Exception {
    String segment = "a".repeat(255);
    HttpResponse<String> r = put("/api/storage/d/" + segment, "long", "text/plain");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("long", get("/api/storage/d/" + segment).body());
    HttpResponse<String> list = get("/api/storage");
    assertEquals(200, list.statusCode(), list.body());
    assertEquals("d/" + segment, TestJson.parse(list.body()).get(0).get("key").asText());
    HttpResponse<String> tooLong = put("/api/storage/d/" + "a".repeat(256), "x", "text/plain");
    assertEquals(400, tooLong.statusCode(), tooLong.body());
    assertTrue(tooLong.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
  }

  @Test
  void get_damagedObject_jsonErrorWithoutPathAndListingSkipsIt() throws Exception {
    assertEquals(200, put("/api/storage/ok.txt", "fine", "text/plain").statusCode());
    Files.write(dir.resolve("default/blobs/bad.txt"), "garbage".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> bad = get("/api/storage/bad.txt");
    assertEquals(500, bad.statusCode(), bad.body());
    assertEquals("unreadable_object", TestJson.parse(bad.body()).get("error").asText());
    assertFalse(bad.body().contains(dir.toString()), bad.body());
    HttpResponse<String> list = get("/api/storage");
    assertEquals(200, list.statusCode(), list.body());
    JsonNode items = TestJson.parse(list.body());
    assertEquals(1, items.size());
    assertEquals("ok.txt", items.get(0).get("key").asText());
  }

  @Test
  void presignedUpload_secondPutWithSameUrl_forbiddenSignatureUsed() throws Exception {
    JsonNode grant = TestJson.parse(post("/api/storage/upload-url",
        "{\"key\":\"once.png\",\"content_type\":\"image/png\",\"size_limit\":100}").body());
    String url = grant.get("url").asText();
    assertEquals(200, put(url, "first", "image/png").statusCode());
    HttpResponse<String> again = put(url, "second", "image/png");
    assertEquals(403, again.statusCode(), again.body());
    assertEquals("signature_used", TestJson.parse(again.body()).get("error").asText());
    assertEquals("first", get("/api/storage/once.png").body());
  }

  @Test
  void uploadUrl_spoofedHostHeader_urlNeverNamesIt() throws Exception {
    String body = "{\"key\":\"h.png\",\"content_type\":\"image/png\"}";
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/storage/upload-url HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(response.startsWith("HTTP/1.1 200"), response);
      assertFalse(response.contains("evil.example"), response);
      assertTrue(response.contains("\"url\":\"/api/storage/h.png?"), response);
    }
  }

  @Test
  void put_nfdPathThenGetNfc_oneObject() throws Exception {
    assertEquals(200, put("/api/storage/cafe%CC%81.txt", "nfd", "text/plain").statusCode());
    HttpResponse<String> r = put("/api/storage/caf%C3%A9.txt", "nfc", "text/plain");
    assertEquals("caf\u00e9.txt", TestJson.parse(r.body()).get("key").asText());
    assertEquals("nfc", get("/api/storage/cafe%CC%81.txt").body());
    assertEquals(1, TestJson.parse(get("/api/storage").body()).size());
  }

  @Test
  void transform_resizeOnePixelTo10000Square_badRequestBeforeQueueing() throws Exception {
    store.put("tiny.png", new ByteArrayInputStream(TestImages.png(1, 1)), "image/png", Map.of());
    HttpResponse<String> r = post("/api/media/transforms/resize",
        "{\"srcKey\":\"tiny.png\",\"opts\":{\"width\":10000,\"height\":10000}}");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("output limit"), r.body());
  }

  @Test
  void transform_clientPastItsShare_tooManyRequestsWithRetryAfter() throws Exception {
    store.put("s.txt", new ByteArrayInputStream(new byte[] {1}), "text/plain", Map.of());
    // share 1: the held job is this client's (this address's) whole share until it ends
    HttpResponse<String> first = post("/api/media/transforms/held", "{\"srcKey\":\"s.txt\"}");
    assertEquals(202, first.statusCode(), first.body());
    HttpResponse<String> second = post("/api/media/transforms/held", "{\"srcKey\":\"s.txt\"}");
    assertEquals(429, second.statusCode(), second.body());
    assertEquals("client_queue_share", TestJson.parse(second.body()).get("error").asText());
    assertEquals("1", second.headers().firstValue("Retry-After").orElseThrow());
  }

}
