package dev.ren.examples;

import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestImages;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One write through every binding of the demo (KV, DB, storage, a media transform, realtime presence and a
 * message), each checked by its event on an open stream: afterwards every store has started its threads.
 */
final class DemoTraffic {

  static final Duration WAIT = Duration.ofSeconds(15);

  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;

  DemoTraffic(URI base) {
    this.base = base;
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder json(String pathAndQuery) {
    return HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Content-Type", "application/json");
  }

  /** Writes through each binding; {@code stream} must be subscribed to everything ({@code s=*}). */
  void writeThroughEveryBinding(SseTestClient stream, String tag) throws Exception {
    HttpResponse<String> r = send(json("/api/kv/demo/" + tag).PUT(HttpRequest.BodyPublishers.ofString("{\"n\":1}")));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(tag, stream.next("kv.put", WAIT).json().get("k").asText());

    r = send(json("/api/db/todos").PUT(HttpRequest.BodyPublishers.ofString("{\"title\":\"" + tag + "\"}")));
    assertEquals(200, r.statusCode(), r.body());
    stream.next("db.document.created", WAIT);

    // the key as a raw path: stock containers refuse an encoded slash (%2F)
    r = send(HttpRequest.newBuilder(base.resolve("/api/storage/img/" + tag + ".png"))
        .header("Content-Type", "image/png").PUT(HttpRequest.BodyPublishers.ofByteArray(TestImages.png(16, 16))));
    assertEquals(200, r.statusCode(), r.body());
    stream.next("storage.put", WAIT);

    r = send(json("/api/media/transforms/thumbnail").POST(HttpRequest.BodyPublishers.ofString(
        "{\"srcKey\":\"img/" + tag + ".png\",\"opts\":{\"size\":\"8\"}}")));
    assertEquals(202, r.statusCode(), r.body());
    stream.next("transform.complete", WAIT);

    r = send(json("/api/realtime/presence/room/join").POST(HttpRequest.BodyPublishers.ofString(
        "{\"userId\":\"" + tag + "\",\"metadata\":{}}")));
    assertEquals(200, r.statusCode(), r.body());
    stream.next("presence.join", WAIT);

    r = send(json("/api/realtime/publish").POST(HttpRequest.BodyPublishers.ofString(
        "{\"channel\":\"room\",\"data\":{\"tag\":\"" + tag + "\"}}")));
    assertEquals(200, r.statusCode(), r.body());
    stream.next("realtime.message", WAIT);
  }

}
