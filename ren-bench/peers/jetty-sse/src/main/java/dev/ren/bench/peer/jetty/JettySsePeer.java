package dev.ren.bench.peer.jetty;

import dev.ren.bench.shared.PeerKit;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlets.EventSource;
import org.eclipse.jetty.ee10.servlets.EventSourceServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Benchmark peer: Jetty 12's {@link EventSourceServlet} on a stock embedded Jetty server (default thread pool and
 * connector), its built-in heartbeat set to 15 s as REN's. Events go to each emitter in a loop. Jetty's
 * {@code Emitter} has no way to write an {@code id:} field, so its frames are a few bytes shorter.
 * Run: {@code java -jar jetty-sse-peer.jar 8083}.
 */
public final class JettySsePeer {

  private static final List<EventSource.Emitter> EMITTERS = new CopyOnWriteArrayList<>();

  public static final class Sse extends EventSourceServlet {
    @Override
    protected EventSource newEventSource(HttpServletRequest request) {
      return new EventSource() {
        private EventSource.Emitter emitter;

        @Override
        public void onOpen(Emitter e) {
          emitter = e;
          EMITTERS.add(e);
        }

        @Override
        public void onClose() {
          EMITTERS.remove(emitter);
        }
      };
    }
  }

  static void broadcast(long seq, long sentMicros, long tsMillis, int pad) {
    String json = PeerKit.json(seq, sentMicros, tsMillis, pad);
    for (EventSource.Emitter e : EMITTERS) {
      try {
        e.event("realtime.message", json);
      } catch (IOException ex) {
        EMITTERS.remove(e);
        e.close();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8083;
    PeerKit kit = new PeerKit(JettySsePeer::broadcast, EMITTERS::size);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    connector.setAcceptQueueSize(1000);
    server.addConnector(connector);
    ServletContextHandler ctx = new ServletContextHandler();
    ServletHolder sse = new ServletHolder(new Sse());
    sse.setInitParameter("heartBeatPeriod", "15");
    sse.setAsyncSupported(true);
    ctx.addServlet(sse, "/sse");
    ctx.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, String> q = new HashMap<>();
        req.getParameterMap().forEach((k, v) -> q.put(k, v[0]));
        String op = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
        byte[] body;
        try {
          body = kit.control(op, q).getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          resp.sendError(400, e.getMessage());
          return;
        }
        resp.setContentType("application/json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
      }
    }), "/bench/*");
    server.setHandler(ctx);
    server.start();
    System.out.println("jetty-sse peer on " + port);
    server.join();
  }
}
