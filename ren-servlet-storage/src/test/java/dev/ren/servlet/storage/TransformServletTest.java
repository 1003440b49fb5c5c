package dev.ren.servlet.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.EventLogUnavailableException;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenClientFilter;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.security.RenSecurity;
import dev.ren.storage.BlobInfo;
import dev.ren.storage.BlobStore;
import dev.ren.storage.Presigner;
import dev.ren.testing.JettyTestServer;
import dev.ren.testing.RecordingPublisher;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestImages;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import dev.ren.transform.TransformOutput;
import dev.ren.transform.TransformService;
import dev.ren.transform.Transformer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformServletTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path dir;
  RenHub hub;
  BlobStore store;
  TransformService transforms;
  JettyTestServer server;
  SseTestClient sse;

  void start(TransformService.Builder builder) throws Exception {
    transforms = builder.build();
    StorageServlet storage = new StorageServlet(store, Presigner.create());
    server = new JettyTestServer().attribute(RenSecurity.ATTRIBUTE, RenSecurity.open())
        .filter("/*", new RenClientFilter())
        .servlet("/api/maravilla/ren/*", new RenServlet(hub))
        .servlet("/api/storage/*", storage)
        .servlet("/api/media/transforms/*", new TransformServlet(transforms))
        .start();
    sse = SseTestClient.open(server.uri("/api/maravilla/ren?s=transform,storage.put,storage.delete"));
    assertEquals("ren.meta", sse.next(WAIT).type());
  }

  void start() throws Exception {
    hub = RenHub.create();
    store = BlobStore.fileSystem(dir, hub);
    start(TransformService.builder(store, hub));
  }

  @AfterEach
  void stop() {
    if (sse != null) {
      sse.close();
    }
    if (server != null) {
      server.close();
    }
    if (transforms != null) {
      transforms.close();
    }
    if (hub != null) {
      hub.close();
    }
  }

  HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri(path)).header("X-Ren-Client", "c1")
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  void upload(String key, byte[] body, String type) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri("/api/storage/" + key))
        .header("Content-Type", type).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("storage.put", sse.next(WAIT).type());
  }

  List<SseTestClient.Event> untilFinished() throws Exception {
    List<SseTestClient.Event> out = new ArrayList<>();
    while (true) {
      SseTestClient.Event e = sse.next(WAIT);
      out.add(e);
      if (e.type().equals("transform.complete") || e.type().equals("transform.failed")) {
        return out;
      }
    }
  }

  @Test
  void postResize_jobRunsAndStreamsEveryStep() throws Exception {
    start();
    upload("img/a.png", TestImages.png(120, 60), "image/png");
    HttpResponse<String> r = post("/api/media/transforms/resize", "{\"srcKey\":\"img/a.png\",\"opts\":{\"width\":30}}");
    assertEquals(202, r.statusCode(), r.body());
    JsonNode job = TestJson.parse(r.body());
    String id = job.get("id").asText();
    assertEquals("img/a.png", job.get("src_key").asText());
    assertEquals("img/a.resize-w30.png", job.get("output_key").asText());
    assertTrue(List.of("pending", "running", "complete").contains(job.get("status").asText()));

    List<SseTestClient.Event> seen = untilFinished();
    List<String> types = seen.stream().map(SseTestClient.Event::type).toList();
    assertEquals("transform.queued", types.get(0));
    assertEquals("transform.started", types.get(1));
    assertTrue(types.indexOf("transform.progress") > 1, types.toString());
    int put = types.indexOf("storage.put");
    assertTrue(put > 1 && put == types.size() - 2, types.toString());
    for (SseTestClient.Event e : seen) {
      JsonNode ev = e.json();
      assertEquals("img/a.resize-w30.png", ev.get("k").asText());
      if (e.type().startsWith("transform.")) {
        assertEquals(id, ev.get("data").get("jobId").asText());
      }
      if (!e.type().equals("transform.queued")) {
        assertNull(ev.get("src"), "system-caused event carries src: " + e.data());
      }
      if (e.type().equals("transform.progress")) {
        int pct = ev.get("data").get("percent").asInt();
        assertTrue(pct >= 0 && pct <= 100);
        assertTrue(ev.get("data").hasNonNull("stage"));
      }
    }
    JsonNode status = TestJson.parse(get("/api/media/transforms/jobs/" + id).body());
    assertEquals(id, status.get("id").asText());
    assertEquals("complete", status.get("status").asText());
    HttpResponse<String> out = get("/api/storage/img/a.resize-w30.png");
    assertEquals(200, out.statusCode());
    assertEquals("image/png", out.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void postThumbnail_unsupportedFormat_failedEventAndStatus() throws Exception {
    start();
    upload("doc.txt", "not an image".getBytes(), "text/plain");
    HttpResponse<String> r = post("/api/media/transforms/thumbnail", "{\"srcKey\":\"doc.txt\"}");
    assertEquals(202, r.statusCode());
    String id = TestJson.parse(r.body()).get("id").asText();
    List<SseTestClient.Event> seen = untilFinished();
    SseTestClient.Event failed = seen.get(seen.size() - 1);
    assertEquals("transform.failed", failed.type());
    assertTrue(failed.json().get("data").get("error").asText().contains("unsupported format"), failed.data());
    assertFalse(seen.stream().anyMatch(e -> e.type().equals("storage.put")));
    JsonNode status = TestJson.parse(get("/api/media/transforms/jobs/" + id).body());
    assertEquals("failed", status.get("status").asText());
    assertTrue(status.get("error").asText().contains("unsupported format"));
  }

  @Test
  void badRequests_mappedTo4xx() throws Exception {
    start();
    upload("a.png", TestImages.png(4, 4), "image/png");
    assertEquals(404, post("/api/media/transforms/explode", "{\"srcKey\":\"a.png\"}").statusCode());
    assertEquals(404, post("/api/media/transforms/resize", "{\"srcKey\":\"none.png\",\"opts\":{\"width\":3}}")
        .statusCode());
    assertEquals(400, post("/api/media/transforms/resize", "{\"srcKey\":\"a.png\",\"opts\":{\"width\":0}}")
        .statusCode());
    assertEquals(400, post("/api/media/transforms/resize", "{\"srcKey\":\"a.png\",\"opts\":{\"width\":{}}}")
        .statusCode());
    assertEquals(400, post("/api/media/transforms/resize", "{\"opts\":{\"width\":3}}").statusCode());
    assertEquals(400, post("/api/media/transforms/resize", "{\"srcKey\":\"../a.png\",\"opts\":{\"width\":3}}")
        .statusCode());
    assertEquals(400, post("/api/media/transforms/resize", "nope").statusCode());
    assertEquals(404, get("/api/media/transforms/jobs/unknown").statusCode());
    assertEquals(404, get("/api/media/transforms/other").statusCode());
  }

  @Test
  void queueFull_serviceUnavailableWithRetryAfter() throws Exception {
    hub = RenHub.create();
    store = BlobStore.fileSystem(dir, hub);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    Transformer slow = new Transformer() {
      @Override
      public String name() {
        return "slow";
      }

      @Override
      public Map<String, String> normalize(Map<String, String> options) {
        return options;
      }

      @Override
      public TransformOutput apply(BlobInfo source, InputStream content, Map<String, String> options,
                                   Progress progress) throws java.io.IOException {
        running.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new TransformOutput(content.readAllBytes(), source.contentType());
      }
    };
    // a share of 3 lets this one client reach the full queue (1 running + 1 queued) rather than its share
    start(TransformService.builder(store, hub).threads(1).queueCapacity(1).queueSharePerClient(3).register(slow));
    upload("s.txt", "x".getBytes(), "text/plain");
    assertEquals(202, post("/api/media/transforms/slow", "{\"srcKey\":\"s.txt\"}").statusCode());
    assertTrue(running.await(20, TimeUnit.SECONDS));
    assertEquals(202, post("/api/media/transforms/slow", "{\"srcKey\":\"s.txt\"}").statusCode());
    HttpResponse<String> full = post("/api/media/transforms/slow", "{\"srcKey\":\"s.txt\"}");
    assertEquals(503, full.statusCode());
    assertEquals("queue_full", TestJson.parse(full.body()).get("error").asText());
    assertEquals("1", full.headers().firstValue("Retry-After").orElseThrow());
    release.countDown();
  }

  @Test
  void getJob_outputStoredButNotAnnounced_completeWithError() throws Exception {
    hub = RenHub.create();
    RecordingPublisher events = new RecordingPublisher();
    store = BlobStore.fileSystem(dir, events);
    start(TransformService.builder(store, events));
    store.put("img/n.png", new ByteArrayInputStream(TestImages.png(8, 8)), "image/png", Map.of());
    events.failWith(new EventLogUnavailableException("event log unreachable"));
    HttpResponse<String> r = post("/api/media/transforms/thumbnail", "{\"srcKey\":\"img/n.png\",\"opts\":{\"size\":4}}");
    assertEquals(202, r.statusCode(), r.body());
    String path = "/api/media/transforms/jobs/" + TestJson.parse(r.body()).get("id").asText();
    Waits.atMost(WAIT).until(() -> TestJson.parse(get(path).body()).get("status").asText().equals("complete"));
    JsonNode status = TestJson.parse(get(path).body());
    assertTrue(status.get("error").asText().contains("could not be published"), status.toString());
    assertEquals(200, get("/api/storage/img/n.thumbnail-4.png").statusCode());
  }
}
