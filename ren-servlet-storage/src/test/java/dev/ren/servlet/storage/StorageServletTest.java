package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.ManualClock;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageServletTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  final HttpClient http = HttpClient.newHttpClient();
  /** The presigner's clock: URL expiry is tested by moving it, never by waiting. */
  final ManualClock clock = new ManualClock(1_767_225_600_000L);
  @TempDir Path dir;
  RenHub hub;
  BlobStore store;
  JettyTestServer server;
  SseTestClient sse;

  @BeforeEach
  void start() throws Exception {
    hub = RenHub.create();
    store = BlobStore.fileSystem(dir.resolve("blobs"), hub);
    StorageServlet storage = new StorageServlet(store, Presigner.builder().clock(clock).build(), 1 << 20);
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet("/api/storage", storage)
        .servlet("/api/storage/*", storage)
        .start();
    sse = SseTestClient.open(server.uri("/api/maravilla/ren?s=storage.put,storage.delete"));
    assertEquals("ren.meta", sse.next(WAIT).type());
  }

  @AfterEach
  void stop() {
    if (sse != null) {
      sse.close();
    }
    if (server != null) {
      server.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.header("X-Ren-Client", "c1").build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(String path, String body, String type) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", type)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b);
  }

  HttpResponse<String> post(String path, String json) throws Exception {
    return send(HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  static JsonNode json(HttpResponse<String> r) {
    return TestJson.parse(r.body());
  }

  List<Path> storedFiles() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  /** Proves no storage event is pending: a marker write must be the very next event. */
  void assertNoStorageEventBeforeMarker() throws Exception {
    assertEquals(200, put("/api/storage/marker", "m", "text/plain").statusCode());
    SseTestClient.Event e = sse.next(WAIT);
    assertEquals("storage.put", e.type(), e.data());
    assertEquals("marker", e.json().get("k").asText());
  }

  @Test
  void put_thenGet_servesStoredTypeWithValidatorsAndEmitsPutWithSrc() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(server.uri("/api/storage/docs/readme.txt"))
        .header("Content-Type", "text/plain").header("X-Metadata", "{\"owner\":\"ana\",\"n\":3}")
        .PUT(HttpRequest.BodyPublishers.ofString("hello world")));
    assertEquals(200, r.statusCode(), r.body());
    String etag = json(r).get("etag").asText();
    SseTestClient.Event e = sse.next(WAIT);
    assertEquals("storage.put", e.type());
    JsonNode ev = e.json();
    assertEquals("docs/readme.txt", ev.get("k").asText());
    assertEquals("default", ev.get("ns").asText());
    assertEquals(etag, ev.get("v").asText());
    assertEquals("c1", ev.get("src").asText());

    HttpResponse<String> g = get("/api/storage/docs/readme.txt");
    assertEquals(200, g.statusCode());
    assertEquals("hello world", g.body());
    assertEquals("\"" + etag + "\"", g.headers().firstValue("ETag").orElseThrow());
    assertTrue(g.headers().firstValue("Last-Modified").orElseThrow().endsWith("GMT"));
    assertEquals("11", g.headers().firstValue("Content-Length").orElseThrow());
    assertTrue(g.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    assertEquals("nosniff", g.headers().firstValue("X-Content-Type-Options").orElseThrow());

    JsonNode meta = json(get("/api/storage/docs/readme.txt/metadata"));
    assertEquals(11, meta.get("size").asLong());
    assertEquals("text/plain", meta.get("contentType").asText());
    assertEquals("ana", meta.get("metadata").get("owner").asText());
    assertEquals("3", meta.get("metadata").get("n").asText());
    assertNotNull(meta.get("lastModified"));
  }

  @Test
  void keyAsOneEncodedSegment_sameObjectAsRawPath() throws Exception {
    assertEquals(200, put("/api/storage/a%2Fb%2Fc.txt", "enc", "text/plain").statusCode());
    assertEquals("enc", get("/api/storage/a/b/c.txt").body());
    assertEquals("a/b/c.txt", sse.next(WAIT).json().get("k").asText());
    // a key that ends in "/metadata" stays reachable when encoded
    assertEquals(200, put("/api/storage/x%2Fmetadata", "obj", "text/plain").statusCode());
    assertEquals("obj", get("/api/storage/x%2Fmetadata").body());
  }

  @Test
  void get_ifNoneMatch_notModified() throws Exception {
    String etag = json(put("/api/storage/c.txt", "cache me", "text/plain")).get("etag").asText();
    HttpResponse<String> r = get("/api/storage/c.txt", "If-None-Match", "\"" + etag + "\"");
    assertEquals(304, r.statusCode());
    assertEquals("", r.body());
    assertEquals(200, get("/api/storage/c.txt", "If-None-Match", "\"other\"").statusCode());
    assertEquals(304, get("/api/storage/c.txt", "If-None-Match", "\"x\", W/\"" + etag + "\"").statusCode());
  }

  @Test
  void get_range_partialContentAndUnsatisfiable() throws Exception {
    put("/api/storage/r.txt", "0123456789", "text/plain");
    HttpResponse<String> r = get("/api/storage/r.txt", "Range", "bytes=2-5");
    assertEquals(206, r.statusCode());
    assertEquals("2345", r.body());
    assertEquals("bytes 2-5/10", r.headers().firstValue("Content-Range").orElseThrow());
    assertEquals("4", r.headers().firstValue("Content-Length").orElseThrow());
    assertEquals("789", get("/api/storage/r.txt", "Range", "bytes=-3").body());
    assertEquals("89", get("/api/storage/r.txt", "Range", "bytes=8-").body());
    assertEquals("bytes 8-9/10", get("/api/storage/r.txt", "Range", "bytes=8-100").headers()
        .firstValue("Content-Range").orElseThrow());
    HttpResponse<String> bad = get("/api/storage/r.txt", "Range", "bytes=10-20");
    assertEquals(416, bad.statusCode());
    assertEquals("bytes */10", bad.headers().firstValue("Content-Range").orElseThrow());
    HttpResponse<String> multi = get("/api/storage/r.txt", "Range", "bytes=0-1,4-5");
    assertEquals(200, multi.statusCode());
    assertEquals("0123456789", multi.body());
    assertEquals(200, get("/api/storage/r.txt", "Range", "bytes=2-3", "If-Range", "\"stale\"").statusCode());
    HttpResponse<String> head = send(HttpRequest.newBuilder(server.uri("/api/storage/r.txt"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
    assertEquals("10", head.headers().firstValue("Content-Length").orElseThrow());
    assertTrue(head.headers().firstValue("ETag").isPresent());
  }

  @Test
  void delete_existingEmitsDelete_absentEmitsNothing() throws Exception {
    put("/api/storage/d/x.txt", "bye", "text/plain");
    sse.next(WAIT);
    HttpResponse<String> d = send(HttpRequest.newBuilder(server.uri("/api/storage/d/x.txt")).DELETE());
    assertEquals(200, d.statusCode());
    assertTrue(json(d).get("deleted").asBoolean());
    SseTestClient.Event e = sse.next(WAIT);
    assertEquals("storage.delete", e.type());
    assertEquals("d/x.txt", e.json().get("k").asText());
    assertEquals("c1", e.json().get("src").asText());
    assertEquals(404, get("/api/storage/d/x.txt").statusCode());
    HttpResponse<String> again = send(HttpRequest.newBuilder(server.uri("/api/storage/d/x.txt")).DELETE());
    assertFalse(json(again).get("deleted").asBoolean());
    assertNoStorageEventBeforeMarker();
  }

  @Test
  void list_prefixAndLimit_returnsInfosInKeyOrder() throws Exception {
    for (String k : List.of("p/b", "p/a", "p/c", "q/z")) {
      put("/api/storage/" + k, k, "text/plain");
    }
    HttpResponse<String> r = get("/api/storage?prefix=p/&limit=2");
    assertEquals(200, r.statusCode());
    JsonNode arr = json(r);
    assertEquals(2, arr.size());
    assertEquals("p/a", arr.get(0).get("key").asText());
    assertEquals("p/b", arr.get(1).get("key").asText());
    for (String f : List.of("size", "contentType", "etag", "lastModified", "metadata")) {
      assertTrue(arr.get(0).has(f), f);
    }
    assertEquals("p/b", r.headers().firstValue("X-Next-Cursor").orElseThrow());
    assertEquals(4, json(get("/api/storage")).size());
    assertEquals(400, get("/api/storage?limit=abc").statusCode());
    assertEquals(400, get("/api/storage?limit=0").statusCode());
  }

  @Test
  void hostileKeys_rejected4xxAndNothingStored() throws Exception {
    // Jetty refuses some of these URIs itself and may close the connection before reading the upload, so they go
    // through their own client: a refused connection counts as rejected, and the shared pool stays clean
    HttpClient hostile = HttpClient.newHttpClient();
    for (String path : List.of("/api/storage/..%2F..%2Fescape.txt", "/api/storage/%2e%2e%2Fescape.txt",
        "/api/storage/a%00b", "/api/storage/a%5Cb", "/api/storage/C%3A%5Cx", "/api/storage/%2Fetc%2Fpasswd",
        "/api/storage/a%2F%2Fb", "/api/storage/a/./b", "/api/storage/%252e%252e%252Fx", "/api/storage/CON",
        "/api/storage/a%0Ab", "/api/storage/" + "x".repeat(300))) {
      int put = statusOrRefused(hostile, HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "text/plain")
          .PUT(HttpRequest.BodyPublishers.ofString("pwn")).build());
      assertTrue(put == -1 || (put >= 400 && put < 500), path + " → " + put);
      int get = statusOrRefused(hostile, HttpRequest.newBuilder(server.uri(path)).GET().build());
      assertTrue(get == -1 || (get >= 400 && get < 500), path + " → " + get);
    }
    HttpResponse<String> q = send(HttpRequest.newBuilder(server.uri("/api/storage/upload?path=..%2Fx"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("pwn")));
    assertEquals(400, q.statusCode());
    assertTrue(json(q).get("message").asText().contains("'..'"), q.body());
    assertEquals(List.of(), storedFiles());
    assertNoStorageEventBeforeMarker();
  }

  /** The status, or -1 when the server closed the connection instead of answering. */
  static int statusOrRefused(HttpClient client, HttpRequest request) throws InterruptedException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  @Test
  void put_badMetadataOrType_badRequestAndNothingStored() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(server.uri("/api/storage/m.txt"))
        .header("Content-Type", "text/plain").header("X-Metadata", "[1]")
        .PUT(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(400, r.statusCode());
    assertEquals(400, put("/api/storage/m.txt", "x", "not-a-type").statusCode());
    assertEquals(List.of(), storedFiles());
  }

  @Test
  void put_ifMatchMismatch_preconditionFailed() throws Exception {
    String etag = json(put("/api/storage/v.txt", "v1", "text/plain")).get("etag").asText();
    HttpResponse<String> r = send(HttpRequest.newBuilder(server.uri("/api/storage/v.txt"))
        .header("Content-Type", "text/plain").header("If-Match", "\"nope\"")
        .PUT(HttpRequest.BodyPublishers.ofString("v2")));
    assertEquals(412, r.statusCode());
    assertEquals("v1", get("/api/storage/v.txt").body());
    HttpResponse<String> ok = send(HttpRequest.newBuilder(server.uri("/api/storage/v.txt"))
        .header("Content-Type", "text/plain").header("If-Match", "\"" + etag + "\"")
        .PUT(HttpRequest.BodyPublishers.ofString("v2")));
    assertEquals(200, ok.statusCode());
  }

  @Test
  void put_overServerLimitWithoutLength_payloadTooLargeAndNothingStored() throws Exception {
    byte[] big = new byte[(1 << 20) + 10];
    HttpResponse<String> r = send(HttpRequest.newBuilder(server.uri("/api/storage/big.bin"))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))));
    assertEquals(413, r.statusCode());
    assertEquals(List.of(), storedFiles());
  }

  @Test
  void presignedUpload_storesSilently_thenConfirmEmits() throws Exception {
    HttpResponse<String> u = post("/api/storage/upload-url",
        "{\"key\":\"up/photo.png\",\"content_type\":\"image/png\",\"size_limit\":100}");
    assertEquals(200, u.statusCode(), u.body());
    JsonNode grant = json(u);
    assertEquals("PUT", grant.get("method").asText());
    assertEquals("image/png", grant.get("headers").get("Content-Type").asText());
    assertEquals(3600, grant.get("expiresIn").asLong());
    // relative to the server, never built from the request's Host
    assertTrue(grant.get("url").asText().startsWith("/api/storage/up/photo.png?"), grant.get("url").asText());
    URI url = server.uri(grant.get("url").asText());
    assertEquals(server.port(), url.getPort());
    HttpResponse<String> p = http.send(HttpRequest.newBuilder(url).header("Content-Type", "image/png")
        .PUT(HttpRequest.BodyPublishers.ofString("png-bytes")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, p.statusCode(), p.body());
    assertEquals("png-bytes", get("/api/storage/up/photo.png").body());
    assertNoStorageEventBeforeMarker();

    HttpResponse<String> c = post("/api/storage/confirm", "{\"key\":\"up/photo.png\"}");
    assertEquals(200, c.statusCode());
    SseTestClient.Event e = sse.next(WAIT);
    assertEquals("storage.put", e.type());
    assertEquals("up/photo.png", e.json().get("k").asText());
    assertEquals(json(c).get("etag").asText(), e.json().get("v").asText());
    assertEquals(404, post("/api/storage/confirm", "{\"key\":\"up/never.png\"}").statusCode());
    assertEquals(400, post("/api/storage/confirm", "{}").statusCode());
  }

  @Test
  void presignedUpload_wrongTypeOversizeTamperedOrExpired_refusedAndNothingStored() throws Exception {
    JsonNode grant = json(post("/api/storage/upload-url",
        "{\"key\":\"up/a.png\",\"content_type\":\"image/png\",\"size_limit\":5}"));
    String url = server.uri(grant.get("url").asText()).toString();
    assertEquals(415, putAbsolute(url, "image/jpeg", "abc").statusCode());
    assertEquals(413, putAbsolute(url, "image/png", "too long").statusCode());
    HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "image/png")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[50]))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(413, chunked.statusCode());
    assertEquals(403, putAbsolute(url.replace("size_limit", "x").replace("Size-Limit=5", "Size-Limit=500"),
        "image/png", "abc").statusCode());
    HttpResponse<String> tampered = putAbsolute(url.replace("X-Ren-Signature=", "X-Ren-Signature=A"), "image/png",
        "abc");
    assertEquals(403, tampered.statusCode());
    assertEquals("invalid_signature", json(tampered).get("error").asText());
    assertEquals(403, putAbsolute(url.replace("/up/a.png", "/up/b.png"), "image/png", "abc").statusCode());
    clock.advance(Duration.ofSeconds(3601));
    HttpResponse<String> expired = putAbsolute(url, "image/png", "abc");
    assertEquals(403, expired.statusCode());
    assertEquals("signature_expired", json(expired).get("error").asText());
    assertEquals(List.of(), storedFiles());
    assertEquals(400, post("/api/storage/upload-url", "{\"key\":\"../x\",\"content_type\":\"image/png\"}")
        .statusCode());
    assertEquals(400, post("/api/storage/upload-url", "{\"key\":\"x\",\"size_limit\":999999999999}").statusCode());
    assertEquals(400, post("/api/storage/upload-url", "not json").statusCode());
  }

  HttpResponse<String> putAbsolute(String url, String type, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", type)
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void downloadUrl_servesObject_tamperedOrExpiredRefused() throws Exception {
    put("/api/storage/dl.txt", "download me", "text/plain");
    HttpResponse<String> r = post("/api/storage/download-url", "{\"key\":\"dl.txt\",\"expires_in\":60}");
    assertEquals(200, r.statusCode());
    assertEquals("GET", json(r).get("method").asText());
    assertEquals(60, json(r).get("expiresIn").asLong());
    String url = server.uri(json(r).get("url").asText()).toString();
    HttpResponse<String> g = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, g.statusCode());
    assertEquals("download me", g.body());
    assertEquals(403, http.send(HttpRequest.newBuilder(URI.create(url + "x")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    clock.advance(Duration.ofSeconds(61));
    assertEquals(403, http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(404, post("/api/storage/download-url", "{\"key\":\"nope.txt\"}").statusCode());
    assertEquals(400, post("/api/storage/download-url", "{\"key\":\"dl.txt\",\"expires_in\":0}").statusCode());
  }

  @Test
  void olderHelpers_uploadAndDeleteByPathQuery() throws Exception {
    HttpResponse<String> u = send(HttpRequest.newBuilder(server.uri("/api/storage/upload?path=legacy%2Fa.txt"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("legacy")));
    assertEquals(200, u.statusCode(), u.body());
    assertEquals("legacy/a.txt", sse.next(WAIT).json().get("k").asText());
    assertEquals("legacy", get("/api/storage/legacy/a.txt").body());
    HttpResponse<String> d = send(HttpRequest.newBuilder(server.uri("/api/storage/delete?path=legacy/a.txt"))
        .DELETE());
    assertEquals(200, d.statusCode());
    assertTrue(json(d).get("deleted").asBoolean());
    assertEquals("storage.delete", sse.next(WAIT).type());
    assertEquals(400, send(HttpRequest.newBuilder(server.uri("/api/storage/upload"))
        .POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode());
    assertEquals(404, post("/api/storage/unknown-route", "{}").statusCode());
  }

  @Test
  void get_absentKey_notFoundJson() throws Exception {
    HttpResponse<String> r = get("/api/storage/missing.txt");
    assertEquals(404, r.statusCode());
    assertEquals("not_found", json(r).get("error").asText());
    assertEquals(404, get("/api/storage/missing.txt/metadata").statusCode());
    assertNull(r.headers().firstValue("ETag").orElse(null));
  }

  @Test
  void get_largeObject_streamedIntact() throws Exception {
    byte[] data = new byte[900_000];
    new java.util.Random(7).nextBytes(data);
    HttpResponse<String> p = send(HttpRequest.newBuilder(server.uri("/api/storage/big.bin"))
        .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
    assertEquals(200, p.statusCode());
    HttpResponse<InputStream> g = http.send(HttpRequest.newBuilder(server.uri("/api/storage/big.bin")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = g.body()) {
      assertTrue(java.util.Arrays.equals(data, in.readAllBytes()));
    }
    assertEquals("application/octet-stream", g.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void put_keyUnderAnObject_conflictAndNothingChanged() throws Exception {
    assertEquals(200, put("/api/storage/f", "file", "text/plain").statusCode());
    HttpResponse<String> r = put("/api/storage/f/child", "x", "text/plain");
    assertEquals(409, r.statusCode(), r.body());
    assertEquals("conflict", json(r).get("error").asText());
    assertEquals("file", get("/api/storage/f").body());
    assertEquals(404, get("/api/storage/f/child").statusCode());
  }
}
