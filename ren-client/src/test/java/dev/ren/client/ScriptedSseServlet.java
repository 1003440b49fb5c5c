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
 * A test SSE endpoint that answers request n with step n of a script (the last step repeats), records each
 * request's headers and query, and lets a test {@link #send} more to the stream it holds open last.
 * Thread-safety: thread-safe.
 */
final class ScriptedSseServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

  /** One answer: a status, a content type, a body, and whether the stream stays open afterwards. */
  record Step(int status, String contentType, String body, boolean holdOpen) {
    static Step open(String body) {
      return new Step(200, EVENT_STREAM, body, true);
    }

    static Step thenClose(String body) {
      return new Step(200, EVENT_STREAM, body, false);
    }

    static Step error(int status) {
      return new Step(status, "application/json",
          "{\"error\":\"scripted\",\"message\":\"status " + status + "\"}", false);
    }
  }

  /** What one request carried (absent headers as "null"). */
  record Seen(String query, String lastEventIdHeader, String clientHeader, String accept, String cacheControl) {}

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

  /** Writes {@code text} to the stream held open last (waiting for its request to have written its step). */
  synchronized void send(String text) throws IOException {
    if (held.isEmpty()) {
      throw new IllegalStateException("no stream is held open");
    }
    var out = held.get(held.size() - 1).getResponse().getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  protected synchronized void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Step step = script.get(Math.min(count++, script.size() - 1));
    requests.add(new Seen(String.valueOf(req.getQueryString()), String.valueOf(req.getHeader("Last-Event-ID")),
        String.valueOf(req.getHeader("X-Ren-Client")), String.valueOf(req.getHeader("Accept")),
        String.valueOf(req.getHeader("Cache-Control"))));
    resp.setStatus(step.status());
    resp.setContentType(step.contentType());
    resp.setHeader("Cache-Control", "no-cache");
    var out = resp.getOutputStream();
    out.write(step.body().getBytes(StandardCharsets.UTF_8));
    out.flush();
    if (step.holdOpen()) {
      AsyncContext async = req.startAsync(); // under the lock: send() sees it once the client can see the body
      async.setTimeout(0);
      held.add(async);
    }
  }
}
