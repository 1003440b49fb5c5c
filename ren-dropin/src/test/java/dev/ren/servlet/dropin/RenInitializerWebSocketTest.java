package dev.ren.servlet.dropin;

import dev.ren.testing.JettyTestServer;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drop-in mounts realtime over WebSocket at /_rt/ws when the container has Jakarta WebSocket. */
class RenInitializerWebSocketTest {

  private final HttpClient http = HttpClient.newHttpClient();

  private static JettyTestServer server(boolean webSocket) {
    JettyTestServer s = new JettyTestServer();
    s.context().setInitParameter("ren.bindings", "realtime");
    s.context().setInitParameter("ren.access", "open");
    if (webSocket) {
      JakartaWebSocketServletContainerInitializer.configure(s.context(), null); // before REN's initializer
    }
    s.context().addServletContainerInitializer(new RenInitializer());
    return s.start();
  }

  @Test
  void realtimeBinding_withWebSocketContainer_mountsEndpointOnTheSameRealtime() throws Exception {
    try (JettyTestServer s = server(true)) {
      BlockingQueue<String> in = new LinkedBlockingQueue<>();
      WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + s.port() + "/_rt/ws?cid=d1"),
          new WebSocket.Listener() {
            private final StringBuilder part = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
              part.append(data);
              if (last) {
                in.add(part.toString());
                part.setLength(0);
              }
              w.request(1);
              return null;
            }
          }).join();
      try {
        ws.sendText("{\"action\":\"subscribe\",\"channel\":\"room\"}", true).join();
        String ack = in.poll(10, TimeUnit.SECONDS);
        assertNotNull(ack);
        assertTrue(ack.contains("\"subscribed\""), ack);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.uri("/api/realtime/publish"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"room\",\"data\":\"hello\"}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        String m = in.poll(10, TimeUnit.SECONDS);
        assertNotNull(m);
        assertTrue(m.contains("\"event\":\"message\"") && m.contains("\"hello\""), m);
      } finally {
        ws.abort();
      }
    }
  }

  @Test
  void realtimeBinding_withoutWebSocketContainer_noEndpoint() throws Exception {
    try (JettyTestServer s = server(false)) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.uri("/_rt/ws")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(404, r.statusCode());
      HttpResponse<String> channels = http.send(HttpRequest.newBuilder(s.uri("/api/realtime/channels")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, channels.statusCode());
    }
  }
}
