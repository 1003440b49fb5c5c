package dev.ren.examples;

import dev.ren.testing.PrivateRedis;
import dev.ren.testing.SseTestClient;
import dev.ren.testing.TestJson;
import dev.ren.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two demo servers as two nodes, each a JVM of its own, on one redis-server of the test's own ({@code --redis}:
 * events and KV), one PostgreSQL schema ({@code --postgres}: documents) and one data directory (blobs): a write
 * through either node is read through the other in every store, each change arrives exactly once on each node's
 * stream, and {@code kill -9} of one node loses none of the writes it acknowledged. Realtime too: a channel has one
 * sequence and one history for both nodes, a member joined on one is listed on the other, and the members of a
 * node killed with {@code kill -9} leave on the other within 30 s.
 */
@Tag("redis")
@Tag("postgres")
class DemoTwoNodesIT {

  private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path dir;

  private String schema = "";

  @BeforeEach
  void createSchema() throws Exception {
    schema = "ren_nodes_" + UUID.randomUUID().toString().replace("-", "");
    sql("CREATE SCHEMA " + schema);
  }

  @AfterEach
  void dropSchema() throws Exception {
    sql("DROP SCHEMA " + schema + " CASCADE");
  }

  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER, "postgres", ""); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private DemoChild node(String name, PrivateRedis redis) throws Exception {
    Path home = Files.createDirectories(dir.resolve(name));
    return DemoChild.start(home, dir.resolve("shared-data"), "-Xmx256m", "--redis", redis.uri().toString(),
        "--postgres", SERVER + "?user=postgres&currentSchema=" + schema);
  }

  /** A node with short node heartbeats (500 ms, TTL 1.5 s), so a killed node's members leave within seconds. */
  private DemoChild quickHeartbeatNode(String name, PrivateRedis redis) throws Exception {
    Path home = Files.createDirectories(dir.resolve(name));
    return DemoChild.start(home, dir.resolve("shared-data"),
        List.of("-Xmx256m", "-D" + Hubs.NODE_HEARTBEAT_PROPERTY + "=500"), "--redis", redis.uri().toString(),
        "--postgres", SERVER + "?user=postgres&currentSchema=" + schema);
  }

  private HttpResponse<String> send(URI base, String method, String path, String contentType, byte[] body)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      r.header("Content-Type", contentType);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> json(URI base, String method, String path, String body) throws Exception {
    return send(base, method, path, "application/json", body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void twoNodes_writesThroughEither_readThroughTheOtherAndEachEventOnceOnEachNode() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start(dir.resolve("redis"), false);
         DemoChild a = node("a", redis); DemoChild b = node("b", redis);
         SseTestClient streamA = SseTestClient.open(a.uri().resolve("/api/maravilla/ren?s=kv,db,storage"));
         SseTestClient streamB = SseTestClient.open(b.uri().resolve("/api/maravilla/ren?s=kv,db,storage"))) {
      streamA.next("ren.meta", WAIT);
      streamB.next("ren.meta", WAIT);

      // KV through a, read through b
      assertEquals(200, json(a.uri(), "PUT", "/api/kv/todos/k1", "{\"v\":1}").statusCode());
      assertEquals("{\"v\":1}", json(b.uri(), "GET", "/api/kv/todos/k1", null).body());
      // a document through b, read and updated through a
      HttpResponse<String> doc = json(b.uri(), "PUT", "/api/db/todos", "{\"_id\":\"t1\",\"title\":\"from b\"}");
      assertEquals(200, doc.statusCode(), doc.body());
      HttpResponse<String> found = json(a.uri(), "POST", "/api/db/todos/findOne", "{\"_id\":\"t1\"}");
      assertEquals(200, found.statusCode(), found.body());
      assertEquals("from b", TestJson.parse(found.body()).path("title").asText(), found.body());
      // a blob through a (the shared data directory), read through b
      byte[] content = "shared across nodes".getBytes(StandardCharsets.UTF_8);
      assertEquals(200, send(a.uri(), "PUT", "/api/storage/notes/n1.txt", "text/plain", content).statusCode());
      HttpResponse<String> blob = send(b.uri(), "GET", "/api/storage/notes/n1.txt", null, null);
      assertEquals(200, blob.statusCode(), blob.body());
      assertEquals("shared across nodes", blob.body());
      // a delete through b
      assertEquals(200, json(b.uri(), "DELETE", "/api/kv/todos/k1", null).statusCode());
      assertEquals(404, json(a.uri(), "GET", "/api/kv/todos/k1", null).statusCode());

      for (SseTestClient stream : List.of(streamA, streamB)) {
        Map<String, Integer> seen = new HashMap<>(); // type + id → how often
        List<String> types = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < end) {
          SseTestClient.Event e = stream.poll(Duration.ofMillis(200));
          if (e != null && !e.type().equals("ren.meta")) {
            seen.merge(e.type() + " " + e.id(), 1, Integer::sum);
            if (!types.contains(e.type())) {
              types.add(e.type());
            }
          }
        }
        assertTrue(types.containsAll(List.of("kv.put", "db.document.created", "storage.put", "kv.delete")),
            types.toString());
        seen.forEach((event, n) -> assertEquals(1, n, event + " arrived " + n + " times: " + seen));
      }
      assertEquals(List.of(), a.problems());
      assertEquals(List.of(), b.problems());
    }
  }

  @Test
  void twoNodes_oneKilledMidWrites_everyWriteItAcknowledgedIsReadThroughTheOther() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start(dir.resolve("redis"), false);
         DemoChild a = node("a", redis); DemoChild b = node("b", redis)) {
      List<String> ackedKv = Collections.synchronizedList(new ArrayList<>());
      List<String> ackedDocs = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService writers = Executors.newFixedThreadPool(4);
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        running.add(writers.submit(() -> {
          for (int i = 0; !stop.get(); i++) {
            String id = "w" + writer + "-" + i;
            try {
              if (writer % 2 == 0) {
                if (json(a.uri(), "PUT", "/api/kv/acked/" + id, "{\"i\":" + i + "}").statusCode() == 200) {
                  ackedKv.add(id);
                }
              } else if (json(a.uri(), "PUT", "/api/db/acked", "{\"_id\":\"" + id + "\",\"i\":" + i + "}")
                  .statusCode() == 200) {
                ackedDocs.add(id);
              }
            } catch (Exception gone) {
              return null; // the node died under the request: not acknowledged
            }
          }
          return null;
        }));
      }
      // some of each acknowledged first (a fixed pause saw none on a loaded host), then more in flight
      Waits.atMost(Duration.ofSeconds(60)).until(() -> !ackedKv.isEmpty() && !ackedDocs.isEmpty());
      Thread.sleep(1000);
      a.process.destroyForcibly(); // SIGKILL
      assertTrue(a.process.waitFor(10, TimeUnit.SECONDS));
      stop.set(true);
      for (Future<?> f : running) {
        f.get(30, TimeUnit.SECONDS);
      }
      writers.shutdown();
      assertFalse(ackedKv.isEmpty(), "no KV write was acknowledged before the kill");
      assertFalse(ackedDocs.isEmpty(), "no document write was acknowledged before the kill");

      for (String id : List.copyOf(ackedKv)) {
        HttpResponse<String> r = json(b.uri(), "GET", "/api/kv/acked/" + id, null);
        assertEquals(200, r.statusCode(), "acknowledged KV write " + id + " lost: " + r.body());
      }
      for (String id : List.copyOf(ackedDocs)) {
        HttpResponse<String> r = json(b.uri(), "POST", "/api/db/acked/findOne", "{\"_id\":\"" + id + "\"}");
        assertEquals(200, r.statusCode(), "acknowledged document " + id + " lost: " + r.body());
      }
      assertEquals(List.of(), b.problems());
    }
  }

  @Test
  void twoNodes_realtime_oneSequenceAndHistory_presenceOnBoth_killedNodesMembersLeaveOnTheOther() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start(dir.resolve("redis"), false);
         DemoChild a = quickHeartbeatNode("a", redis); DemoChild b = quickHeartbeatNode("b", redis);
         SseTestClient streamB = SseTestClient.open(b.uri().resolve("/api/maravilla/ren?s=realtime,presence"))) {
      streamB.next("ren.meta", WAIT);

      // one sequence: a message through a, then one through b, then a again
      List<Long> seqs = new ArrayList<>();
      for (DemoChild node : List.of(a, b, a)) {
        HttpResponse<String> r = json(node.uri(), "POST", "/api/realtime/publish",
            "{\"channel\":\"room-1\",\"data\":{\"from\":\"" + (node == a ? "a" : "b") + "\"}}");
        assertEquals(200, r.statusCode(), r.body());
        seqs.add(TestJson.parse(r.body()).path("seq").asLong());
      }
      assertEquals(List.of(1L, 2L, 3L), seqs);
      // one history, read through either node
      for (DemoChild node : List.of(a, b)) {
        HttpResponse<String> h = json(node.uri(), "GET", "/api/realtime/history/room-1", null);
        assertEquals(200, h.statusCode(), h.body());
        List<Long> held = new ArrayList<>();
        TestJson.parse(h.body()).path("messages").forEach(m -> held.add(m.path("seq").asLong()));
        assertEquals(List.of(1L, 2L, 3L), held, h.body());
        assertEquals("b", TestJson.parse(h.body()).path("messages").path(1).path("data").path("from").asText());
      }
      // b's stream: each message once, with its one sequence number
      Map<String, Integer> versions = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        SseTestClient.Event e = streamB.next("realtime.message", WAIT);
        versions.merge(TestJson.parse(e.data()).path("v").asText(), 1, Integer::sum);
      }
      assertEquals(Map.of("1", 1, "2", 1, "3", 1), versions);

      // presence: joined through a, listed through b
      HttpResponse<String> join = json(a.uri(), "POST", "/api/realtime/presence/room-1/join",
          "{\"userId\":\"alice\",\"metadata\":{\"node\":\"a\"}}");
      assertEquals(200, join.statusCode(), join.body());
      HttpResponse<String> members = json(b.uri(), "GET", "/api/realtime/presence/room-1", null);
      assertEquals("alice", TestJson.parse(members.body()).path("members").path(0).path("userId").asText(),
          members.body());
      SseTestClient.Event joined = streamB.next("presence.join", WAIT);
      assertEquals("alice", TestJson.parse(joined.data()).path("uid").asText(), joined.data());

      // kill -9 of a: alice, held only by a, leaves on b within 30 s
      long killed = System.nanoTime();
      a.process.destroyForcibly();
      assertTrue(a.process.waitFor(10, TimeUnit.SECONDS));
      SseTestClient.Event left = streamB.next("presence.leave", Duration.ofSeconds(30));
      assertEquals("alice", TestJson.parse(left.data()).path("uid").asText(), left.data());
      assertTrue(System.nanoTime() - killed < Duration.ofSeconds(30).toNanos());
      assertEquals("[]", TestJson.parse(json(b.uri(), "GET", "/api/realtime/presence/room-1", null).body())
          .path("members").toString());
      assertEquals(null, streamB.poll(Duration.ofSeconds(2)), "one leave only");
      assertEquals(List.of(), b.problems());
    }
  }
}
