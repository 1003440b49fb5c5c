package dev.ren.examples;

import dev.ren.RenEvent;
import dev.ren.hub.RenHub;
import dev.ren.servlet.RenServlet;
import dev.ren.testing.RenThreads;
import dev.ren.testing.SseTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoServerTest {

  @TempDir
  Path data;

  @Test
  void start_onEphemeralPort_servesStreamAndWebApp() throws Exception {
    DemoServer.Options o = DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1", "--data", data.toString());
    try (DemoServer demo = new DemoServer(o).start()) {
      HttpResponse<String> page = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(demo.uri().resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("<title>"), page.body());
      try (SseTestClient c = SseTestClient.open(demo.uri().resolve("/api/maravilla/ren?s=kv"))) {
        c.next("ren.meta", Duration.ofSeconds(10));
        RenHub hub = demo.hub();
        hub.publish(RenEvent.kvPut("demo", "todo:1", "1"));
        assertEquals("todo:1", c.next("kv.put", Duration.ofSeconds(10)).json().get("k").asText());
        HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            demo.uri().resolve("/api/kv/demo/todo%2Fslash")).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("1")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("todo/slash", c.next("kv.put", Duration.ofSeconds(10)).json().get("k").asText());
      }
    }
  }

  @Test
  void start_realtimeOverWebSocket_mountedAtRtWsAndSharedWithHttpAndSse() throws Exception {
    DemoServer.Options o = DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1", "--data", data.toString());
    HttpClient http = HttpClient.newHttpClient();
    try (DemoServer demo = new DemoServer(o).start();
         SseTestClient sse = SseTestClient.open(demo.uri().resolve("/api/maravilla/ren?s=realtime:chat"))) {
      sse.next("ren.meta", Duration.ofSeconds(10));
      BlockingQueue<String> in = new LinkedBlockingQueue<>();
      URI ws = URI.create("ws://127.0.0.1:" + demo.port() + "/_rt/ws?cid=demo-ws");
      WebSocket socket = http.newWebSocketBuilder().buildAsync(ws, new WebSocket.Listener() {
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence text, boolean last) {
          part.append(text);
          if (last) {
            in.add(part.toString());
            part.setLength(0);
          }
          w.request(1);
          return null;
        }
      }).join();
      try {
        socket.sendText("{\"action\":\"subscribe\",\"channel\":\"chat\",\"lastEventId\":0}", true).join();
        assertTrue(next(in).contains("\"subscribed\""));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(demo.uri().resolve("/api/realtime/publish"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"chat\",\"data\":\"over http\"}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        String m = next(in);
        assertTrue(m.contains("\"event\":\"message\"") && m.contains("\"over http\"") && m.contains("\"seq\":1"), m);
        socket.sendText("{\"action\":\"publish\",\"channel\":\"chat\",\"data\":\"over ws\"}", true).join();
        assertEquals("over http", sse.next("realtime.message", Duration.ofSeconds(10)).json().get("data").asText());
        SseTestClient.Event e = sse.next("realtime.message", Duration.ofSeconds(10));
        assertEquals("over ws", e.json().get("data").asText());
        assertEquals("demo-ws", e.json().get("src").asText(), "the socket's cid is the message's src");
      } finally {
        socket.abort();
      }
    }
  }

  private static String next(BlockingQueue<String> in) throws InterruptedException {
    String frame = in.poll(10, TimeUnit.SECONDS);
    assertNotNull(frame, "no frame within 10 s");
    return frame;
  }

  @Test
  void close_afterTrafficThroughEveryBinding_endsEveryRenThread() throws Exception {
    RenThreads threads = RenThreads.snapshot();
    DemoServer.Options o = DemoServer.Options.parse("--port", "0", "--host", "127.0.0.1", "--data", data.toString());
    DemoServer demo = new DemoServer(o).start();
    try (SseTestClient c = SseTestClient.open(demo.uri().resolve("/api/maravilla/ren?s=*"))) {
      c.next("ren.meta", Duration.ofSeconds(10));
      new DemoTraffic(demo.uri()).writeThroughEveryBinding(c, "demo");
      assertFalse(threads.started().isEmpty(), "the traffic started REN threads");
    } finally {
      demo.close();
    }
    threads.awaitNoneLeft(Duration.ofSeconds(30));
    assertTrue(demo.hub().isClosed(), "the demo's hub is closed by close()");
    demo.close(); // idempotent
  }

  @Test
  void parse_repeatedOption_failsNamingTheFirstValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoServer.Options.parse("--port", "1", "--port", "2"));
    assertTrue(e.getMessage().startsWith("--port was already set to 1"), e.getMessage());
    assertTrue(e.getMessage().contains("usage:"), e.getMessage());
  }

  @Test
  void parse_badOptions_failWithUsage() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse("--port", "x"))
        .getMessage().contains("--port must be an integer"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse("--nope", "1"))
        .getMessage().contains("unknown option --nope"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse("--port"))
        .getMessage().contains("needs a value"));
    assertEquals(RenServlet.DEFAULT_PATH, "/api/maravilla/ren");
  }
}
