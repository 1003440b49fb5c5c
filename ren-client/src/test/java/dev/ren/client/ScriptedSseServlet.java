package dev.ren.client;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A test SSE endpoint that answers request n with step n of a script (the last step repeats), and records each
 * request's {@code Last-Event-ID} and query. Thread-safety: thread-safe.
 */
final class ScriptedSseServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  /** One answer: a status, a body, and whether the stream stays open afterwards. */
  record Step(int status, String body, boolean holdOpen) {
    static Step open(String body) {
      return new Step(200, body, true);
    }

    static Step thenClose(String body) {
      return new Step(200, body, false);
    }

    static Step error(int status) {
      return new Step(status, "{\"error\":\"scripted\",\"message\":\"status " + status + "\"}", false);
    }
  }

  /** What one request carried. */
  record Seen(long nanos, String query, String lastEventIdHeader, String clientHeader) {}

  private final List<Step> script;
  final BlockingQueue<Seen> requests = new LinkedBlockingQueue<>();
  private final List<AsyncContext> held = new CopyOnWriteArrayList<>();
  private int count;

  ScriptedSseServlet(Step... steps) {
    this.script = List.of(steps);
  }

  static String meta(String id) {
    return "id: " + id + "\nevent: ren.meta\ndata: {\"t\":\"ren.meta\",\"r\":\"ren\",\"clientId\":\"x\",\"node\":\"t\"}\n\n";
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Step step;
    synchronized (this) {
      step = script.get(Math.min(count++, script.size() - 1));
    }
    requests.add(new Seen(System.nanoTime(), String.valueOf(req.getQueryString()),
        String.valueOf(req.getHeader("Last-Event-ID")), String.valueOf(req.getHeader("X-Ren-Client"))));
    resp.setStatus(step.status());
    resp.setContentType(step.status() == 200 ? "text/event-stream; charset=utf-8" : "application/json");
    resp.setHeader("Cache-Control", "no-cache");
    if (step.holdOpen()) {
      AsyncContext async = req.startAsync();
      async.setTimeout(0);
      held.add(async);
    }
    var out = resp.getOutputStream();
    out.write(step.body().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
