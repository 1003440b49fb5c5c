package dev.ren.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The demo started with {@code --users} for the {@code DemoUsers*} tests, and what they do to it over real HTTP:
 * alice (tenant a, write), bob (tenant b, write), carol (tenant a, read), dave (tenant a, admin).
 *
 * <p>Thread-safety: one test thread.
 */
final class DemoUsersServer implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final String USERS = String.join("\n",
      "# the demo's users: name=password,tenant[,role...]",
      "",
      "alice=alice-pw,a,write",
      "bob=bob-pw,b,write",
      "  carol = carol-pw , a , read  ",
      "dave=dave-pw,a,admin",
      "");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final DemoServer demo;

  private DemoUsersServer(DemoServer demo) {
    this.demo = demo;
  }

  /** Writes {@link #USERS} into {@code dir} and starts the demo with it (data in {@code dir} too). */
  static DemoUsersServer start(Path dir, int tokenTtlSeconds) throws Exception {
    Path users = Files.writeString(dir.resolve("users.txt"), USERS);
    return new DemoUsersServer(new DemoServer(DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1",
        "--data", dir.resolve("data").toString(), "--users", users.toString(),
        "--token-ttl", String.valueOf(tokenTtlSeconds))).start());
  }

  static String password(String user) {
    return user + "-pw";
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Basic credentials of {@code user} with the right password. */
  static String basic(String user) {
    return basic(user, password(user));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(demo.uri().resolve(path)).GET().timeout(WAIT);
  }

  HttpRequest.Builder delete(String path) {
    return HttpRequest.newBuilder(demo.uri().resolve(path)).DELETE().timeout(WAIT);
  }

  HttpRequest.Builder post(String path) {
    return HttpRequest.newBuilder(demo.uri().resolve(path)).POST(HttpRequest.BodyPublishers.noBody()).timeout(WAIT);
  }

  /** A JSON request: {@code method} {@code path} with {@code json}. */
  HttpRequest.Builder json(String method, String path, String json) {
    return HttpRequest.newBuilder(demo.uri().resolve(path)).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(json)).timeout(WAIT);
  }

  static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code b} as {@code user} (Basic); the status it answered. */
  static int status(HttpRequest.Builder b, String user) throws IOException, InterruptedException {
    return send(b.header("Authorization", basic(user))).statusCode();
  }

  static JsonNode json(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    return TestJson.parse(r.body());
  }

  /** A stream token minted as the page mints it: {@code POST /api/maravilla/ren/token} with Basic credentials. */
  String token(String user) throws IOException, InterruptedException {
    return json(send(post("/api/maravilla/ren/token").header("Authorization", basic(user))), 200)
        .get("token").asText();
  }

  /** A stream opened as the page opens it, with {@code ?token=}; its {@code ren.meta} already taken. */
  SseTestClient stream(String user, String filter) throws IOException, InterruptedException {
    URI uri = demo.uri().resolve("/api/maravilla/ren?s=" + enc(filter) + "&token=" + enc(token(user)));
    SseTestClient c = SseTestClient.open(uri);
    assertEquals(200, c.status(), user + "'s stream");
    c.next("ren.meta", WAIT);
    return c;
  }

  /**
   * The events {@code c} receives up to and including the first that {@code last} matches. The hub has one order:
   * a stream's next event of its own tenant comes after any event of another tenant it would have received.
   */
  static List<JsonNode> until(SseTestClient c, Predicate<JsonNode> last) throws InterruptedException {
    List<JsonNode> seen = new ArrayList<>();
    while (true) {
      JsonNode e = c.next(ev -> !ev.type().equals("ren.meta"), WAIT).json();
      seen.add(e);
      if (last.test(e)) {
        return seen;
      }
    }
  }

  @Override
  public void close() {
    demo.close();
  }
}
