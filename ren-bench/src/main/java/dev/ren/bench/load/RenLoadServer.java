package dev.ren.bench.load;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.RenEvent;
import dev.ren.access.AccessPolicy;
import dev.ren.bench.shared.PeerKit;
import dev.ren.hub.RenHub;
import dev.ren.kv.KvStore;
import dev.ren.servlet.RenAccess;
import dev.ren.servlet.RenServlet;
import dev.ren.servlet.RenServletConfig;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.kv.KvServlet;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * The REN side of the load benchmark: embedded Jetty 12 (stock connector and thread pool, like the Jetty peer)
 * with {@link RenServlet} at {@code /api/maravilla/ren}, the shared control endpoint {@code /bench/<op>}
 * ({@link PeerKit}), and the KV mutation path {@code PUT /api/kv/{ns}/{key}}.
 *
 * <p>{@code /api/kv/*} is the real KV binding ({@link KvServlet} over {@code KvStore.inMemory(hub)});
 * {@code /api/kv-quiet/*} is the same binding over a store whose publisher drops every event.
 *
 * <p>"Publish as fast as the server accepts" (rate 0): REN's publish never blocks (a slow subscriber is cut off
 * instead), so the publisher keeps at most {@link #WINDOW} events ahead of the slowest stream, measured with a
 * per-stream counter in the access predicate (one increment per delivery, a cost REN pays and the peers do not).
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.ren.bench.load.RenLoadServer 8081}. Thread-safety: not applicable.
 */
public final class RenLoadServer {

  static final long WINDOW = 1000;

  private RenLoadServer() {}

  /** Counts the events polled for one stream. */
  static final class Counter implements Predicate<RenEvent> {
    final AtomicLong n = new AtomicLong();

    @Override
    public boolean test(RenEvent e) {
      n.lazySet(n.get() + 1);
      return true;
    }
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
    RenHub hub = RenHub.create();
    Set<Counter> counters = ConcurrentHashMap.newKeySet();
    RenAccess access = req -> {
      Counter c = new Counter();
      counters.add(c);
      req.setAttribute(Counter.class.getName(), c);
      return c;
    };
    RenServletConfig config = RenServletConfig.builder().maxStreams(60_000).heartbeat(Duration.ofSeconds(15))
        .access(access).build();
    RenServlet ren = new RenServlet(hub, config) {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        super.doGet(req, resp);
        Counter c = (Counter) req.getAttribute(Counter.class.getName());
        if (c == null) {
          return;
        }
        if (!req.isAsyncStarted()) {
          counters.remove(c);
          return;
        }
        req.getAsyncContext().addListener(new AsyncListener() {
          @Override public void onComplete(AsyncEvent event) { counters.remove(c); }
          @Override public void onTimeout(AsyncEvent event) { counters.remove(c); }
          @Override public void onError(AsyncEvent event) { counters.remove(c); }
          @Override public void onStartAsync(AsyncEvent event) { }
        });
      }
    };

    long[] lastCheckSeq = {0};
    String[] pads = new String[4096];
    PeerKit.Sink sink = (seq, sent, ts, pad) -> {
      if (flowControl[0] && seq - lastCheckSeq[0] >= 16) {
        lastCheckSeq[0] = seq;
        while (seq - minDelivered(counters) > WINDOW) {
          LockSupport.parkNanos(20_000);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
        }
      }
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.put("sent", sent);
      data.put("seq", seq);
      String p = pad < pads.length ? pads[pad] : null;
      if (p == null) {
        p = PeerKit.pad(pad);
        if (pad < pads.length) {
          pads[pad] = p;
        }
      }
      data.put("pad", p);
      hub.publish(RenEvent.realtimeMessage("bench", data, null).withTs(ts));
    };
    PeerKit kit = new PeerKit(sink, hub::subscriberCount);

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    connector.setAcceptQueueSize(1000);
    server.addConnector(connector);
    ServletContextHandler ctx = new ServletContextHandler();
    // the bench measures REN as deployed: the stream and the KV binding consult a policy (open: allows everything),
    // and streams are counted per caller; every stream of the load client comes from one address, so that bound
    // (32 by default) is lifted here
    RenSecurity.builder(AccessPolicy.open()).maxStreamsPerCaller(Integer.MAX_VALUE).build()
        .install(ctx.getServletContext());
    ctx.addServlet(new ServletHolder(ren), RenServlet.DEFAULT_PATH + "/*");
    ctx.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, String> q = new HashMap<>();
        req.getParameterMap().forEach((k, v) -> q.put(k, v[0]));
        String op = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
        if (op.equals("publish")) {
          flowControl[0] = Double.parseDouble(q.getOrDefault("rate", "0")) <= 0;
          lastCheckSeq[0] = 0;
        }
        byte[] body;
        try {
          body = kit.control(op, q).getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          JsonServlet.sendError(req, resp, 400, "bad_request", e.getMessage());
          return;
        }
        resp.setContentType("application/json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
      }
    }), "/bench/*");
    KvStore kv = KvStore.inMemory(hub);
    ctx.addServlet(new ServletHolder(new KvServlet(kv)), "/api/kv/*");
    // the same binding over a store that emits nothing: the mutation path's own cost, for (e)
    KvStore quiet = KvStore.inMemory(event -> "");
    ctx.addServlet(new ServletHolder(new KvServlet(quiet)), "/api/kv-quiet/*");
    server.setHandler(ctx);
    server.start();
    System.out.println("REN load server on " + port);
    server.join();
  }

  private static final boolean[] flowControl = {false};

  private static long minDelivered(Set<Counter> counters) {
    long min = Long.MAX_VALUE;
    for (Counter c : counters) {
      min = Math.min(min, c.n.get());
    }
    return min == Long.MAX_VALUE ? Long.MAX_VALUE / 2 : min;
  }
}
