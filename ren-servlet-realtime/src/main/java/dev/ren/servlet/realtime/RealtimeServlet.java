package dev.ren.servlet.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.realtime.ChannelHistory;
import dev.ren.realtime.ChannelMessage;
import dev.ren.realtime.PayloadTooLargeException;
import dev.ren.realtime.PresenceMember;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeFullException;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP binding of {@link Realtime}, mapped at {@code /api/realtime/*} (shapes of the Maravilla development
 * server; the caller's {@code X-Ren-Client} becomes {@code src} and ties presence to that client's SSE streams):
 * <ul>
 *   <li>{@code POST publish} {@code {channel, data, userId?}} → {@code {success, id, seq?}} ({@code seq} on history
 *       channels)</li>
 *   <li>{@code GET channels} → {@code {channels}}</li>
 *   <li>{@code POST presence/{ch}/join} {@code {userId, metadata}} → {@code {isNew}}</li>
 *   <li>{@code POST presence/{ch}/update} {@code {userId, metadata}} → {@code {updated: true}}, {@code 404} when
 *       the user is not present</li>
 *   <li>{@code POST presence/{ch}/leave} {@code {userId}} → {@code {wasPresent}}</li>
 *   <li>{@code GET presence/{ch}} → {@code {members:[{userId, metadata, lastSeen}]}}</li>
 *   <li>{@code GET history/{ch}?after=&limit=} → {@code {messages:[{seq, id, ts, data, userId, src}], lastSeq,
 *       truncated}}; {@code after} is a channel sequence number (default 0), {@code limit} 1..1000 (default 100);
 *       {@code 404} when the channel keeps no history</li>
 * </ul>
 * Bad input is a {@code 400} JSON error, an oversized payload {@code 413}, an unknown path {@code 404}; a change
 * over one of realtime's bounds (live channels, presence members, presence metadata bytes; see
 * {@link RealtimeFullException}) is {@code 507 {"error":"insufficient_storage", "message", "setting", "limit"}} with
 * nothing applied (507, not 429: the store is full for everyone, whoever filled it; it frees up as channels go idle
 * and members leave); a change that was applied but whose event could not be published is {@code 503} with
 * {@code "applied":true}.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new RealtimeServlet(realtime)), "/api/realtime/*");
 * }</pre>
 *
 * <p>Thread-safety: stateless apart from the {@link Realtime} (thread-safe); safe for concurrent requests.
 */
public final class RealtimeServlet extends JsonServlet {

  /** Default mapping. */
  public static final String PATH = "/api/realtime/*";
  private static final int DEFAULT_HISTORY_LIMIT = 100;
  /** Room for the envelope around a payload of the maximum size (JSON escaping can grow a payload, too). */
  private static final long BODY_OVERHEAD = 16 << 10;

  private final Realtime realtime;
  private final long maxBody;

  public RealtimeServlet(Realtime realtime) {
    this.realtime = Objects.requireNonNull(realtime, "realtime");
    this.maxBody = Math.max(DEFAULT_MAX_BODY, 4L * realtime.maxPayloadBytes() + BODY_OVERHEAD);
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String[] p = path(req);
    if (p.length == 1 && p[0].equals("channels")) {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ArrayNode list = body.putArray("channels");
      realtime.channels().forEach(list::add);
      writeJson(resp, 200, body);
    } else if (p.length == 2 && p[0].equals("presence")) {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ArrayNode list = body.putArray("members");
      for (PresenceMember m : realtime.members(channel(p[1]))) {
        ObjectNode o = list.addObject();
        o.put("userId", m.userId());
        o.set("metadata", m.metadata());
        o.put("lastSeen", m.lastSeen());
      }
      writeJson(resp, 200, body);
    } else if (p.length == 2 && p[0].equals("history")) {
      history(req, resp, channel(p[1]));
    } else if (isPost(p)) {
      throw HttpError.methodNotAllowed(req.getMethod());
    } else {
      throw notFound(req);
    }
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String[] p = path(req);
    if (!isPost(p)) {
      if (p.length >= 1 && (p[0].equals("channels") || (p.length == 2 && !p[0].equals("publish")))) {
        throw HttpError.methodNotAllowed(req.getMethod());
      }
      throw notFound(req);
    }
    ObjectNode in = readJsonObject(req, maxBody, false);
    writeJson(resp, 200, post(p, in));
  }

  /**
   * An oversized payload or metadata is {@code 413}, a full realtime {@code 507} naming the bound; everything else
   * as {@link JsonServlet} maps it.
   */
  @Override
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof PayloadTooLargeException p) {
      return HttpError.tooLarge(String.valueOf(p.getMessage()));
    }
    if (e instanceof RealtimeFullException f) {
      return new HttpError(507, "insufficient_storage", String.valueOf(f.getMessage()),
          Map.of("setting", f.setting(), "limit", f.limit()));
    }
    return super.toHttpError(req, e);
  }

  private ObjectNode post(String[] p, ObjectNode in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (p.length == 1) {
      String channel = Realtime.checkChannel(text(in, "channel", true));
      JsonNode data = in.get("data");
      ChannelMessage m = realtime.publish(channel, data == null || data.isNull() ? null : data,
          text(in, "userId", false));
      out.put("success", true);
      out.put("id", m.id());
      if (m.seq() > 0) {
        out.put("seq", m.seq());
      }
      return out;
    }
    String channel = channel(p[1]);
    String userId = text(in, "userId", true);
    switch (p[2]) {
      case "join" -> out.put("isNew", realtime.join(channel, userId, in.get("metadata")));
      case "update" -> {
        if (!realtime.update(channel, userId, in.get("metadata"))) {
          throw new HttpError(404, "not_present", "user '" + userId + "' is not present on channel '" + channel
              + "'; join first");
        }
        out.put("updated", true);
      }
      default -> out.put("wasPresent", realtime.leave(channel, userId));
    }
    return out;
  }

  @Override
  protected void doPut(HttpServletRequest req, HttpServletResponse resp) {
    throw HttpError.methodNotAllowed(req.getMethod());
  }

  @Override
  protected void doDelete(HttpServletRequest req, HttpServletResponse resp) {
    throw HttpError.methodNotAllowed(req.getMethod());
  }

  private void history(HttpServletRequest req, HttpServletResponse resp, String channel) throws IOException {
    long after = number(req, "after", 0);
    long limit = number(req, "limit", DEFAULT_HISTORY_LIMIT);
    if (limit < 1 || limit > Realtime.MAX_HISTORY_LIMIT) {
      throw HttpError.badRequest("limit must be in [1, " + Realtime.MAX_HISTORY_LIMIT + "], was " + limit);
    }
    if (!realtime.historyEnabled(channel)) {
      throw new HttpError(404, "history_not_enabled", "channel '" + channel + "' keeps no history");
    }
    ChannelHistory h = realtime.history(channel, after, (int) limit);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ArrayNode list = body.putArray("messages");
    for (ChannelMessage m : h.messages()) {
      ObjectNode o = list.addObject();
      o.put("seq", m.seq());
      if (m.id() != null) {
        o.put("id", m.id()); // absent: recorded, but its event could not be published
      }
      o.put("ts", m.ts());
      if (m.data() != null) {
        o.set("data", m.data());
      }
      if (m.userId() != null) {
        o.put("userId", m.userId());
      }
      if (m.src() != null) {
        o.put("src", m.src());
      }
    }
    body.put("lastSeq", h.lastSeq());
    body.put("truncated", h.truncated());
    writeJson(resp, 200, body);
  }

  /** The path after the mapping, split on {@code /}, each part percent-decoded. */
  private static String[] path(HttpServletRequest req) {
    String rest = rawRest(req);
    if (rest.isEmpty()) {
      return new String[0];
    }
    String[] parts = rest.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = decode(parts[i]);
    }
    return parts;
  }

  /** {@code publish} or {@code presence/{ch}/join|update|leave}. */
  private static boolean isPost(String[] p) {
    return (p.length == 1 && p[0].equals("publish"))
        || (p.length == 3 && p[0].equals("presence")
            && (p[2].equals("join") || p[2].equals("update") || p[2].equals("leave")));
  }

  private static String channel(String raw) {
    return Realtime.checkChannel(raw);
  }

  private static HttpError notFound(HttpServletRequest req) {
    return HttpError.notFound("no realtime route " + req.getMethod() + " /" + rawRest(req)
        + "; see RealtimeServlet for the routes");
  }

  private static @Nullable String text(ObjectNode in, String field, boolean required) {
    JsonNode n = in.get(field);
    if (n == null || n.isNull()) {
      if (required) {
        throw HttpError.badRequest(field + " is required");
      }
      return null;
    }
    if (!n.isTextual()) {
      throw HttpError.badRequest(field + " must be a string, was " + n.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return n.asText();
  }

  private static long number(HttpServletRequest req, String name, long fallback) {
    String v = req.getParameter(name);
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw HttpError.badRequest(name + " must be >= 0, was " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw HttpError.badRequest(name + " must be a whole number, was '" + v + "'");
    }
  }
}
