package dev.ren.servlet.realtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ren.access.RenCaller;
import dev.ren.access.RenOperation;
import dev.ren.access.RenResource;
import dev.ren.realtime.ChannelMessage;
import dev.ren.realtime.IdentityRefusedException;
import dev.ren.realtime.PayloadTooLargeException;
import dev.ren.realtime.Realtime;
import dev.ren.realtime.RealtimeFullException;
import dev.ren.realtime.RealtimeUnavailableException;
import dev.ren.realtime.StoredHistory;
import dev.ren.realtime.StoredMember;
import dev.ren.realtime.StoredMessage;
import dev.ren.servlet.http.HttpError;
import dev.ren.servlet.http.JsonServlet;
import dev.ren.servlet.security.RenSecurity;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
 * {@code "applied":true}; realtime on several nodes whose shared store cannot be reached
 * ({@link RealtimeUnavailableException}) is {@code 503 realtime_unavailable} with {@code Retry-After: 1}.
 *
 * <h2>Security</h2>
 * Every route asks the access policy ({@link RenSecurity}, given to the constructor or installed in the servlet
 * context; without one the servlet does not start) before realtime is touched: {@code POST publish}
 * {@link RenOperation#REALTIME_PUBLISH}, {@code GET history} {@link RenOperation#REALTIME_HISTORY} (resource
 * {@link RenResource#channel}), {@code GET channels} {@link RenOperation#REALTIME_CHANNELS} (channel null), and
 * presence {@code join}, {@code update}, {@code leave}, {@code members} the {@code PRESENCE_*} operations (resource
 * {@link RenResource#presence}(channel, userId)). A refusal is {@code 401} without a principal, {@code 403} with one,
 * with nothing changed and no event. Every route works in the caller's tenant ({@link Realtime#tenant}): channels,
 * history, sequences and members of two tenants are apart, and the channel list shows the caller's only (without
 * {@code private-} channels, whose names are for their token holders).
 * <ul>
 *   <li>With a principal, the presence {@code userId} is the principal's user (absent: taken from it; another one:
 *       {@code 403}), a member is updated or left only by its own user, and only that user's streams keep it
 *       present ({@link Realtime#as}); a message's {@code userId} is the principal's too. Anonymous callers (open
 *       mode) work as before.</li>
 *   <li>A {@code private-} channel needs a channel token ({@link RenSecurity#mintChannelToken}) in the body's
 *       {@code token} field or the {@value #CHANNEL_TOKEN_HEADER} header: {@code publish} for publishing,
 *       {@code subscribe} for history, members, join and update; without one {@code 403} ({@code 401}
 *       anonymous).</li>
 *   <li>Publishing is rate limited per caller (user in tenant, else remote address), a token bucket of
 *       {@link PublishRate} (default 20 messages/s, bursts of 40); over it {@code 429 rate_limited} with
 *       {@code Retry-After}. At most 10,000 callers' buckets are kept; idle ones are dropped.</li>
 * </ul>
 *
 * <p>No request or answer becomes a Jackson tree of client data: a POST body is read by a streaming parser
 * ({@link JsonEnvelope}) and its payload or metadata handed to realtime as JSON text, which measures it as stored
 * (compact) before a tree exists ({@code 413} for an oversized one, whatever it would have cost as a tree); history
 * and members are written from the stored bytes straight into the response.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new RealtimeServlet(realtime)), "/api/realtime/*");
 * }</pre>
 *
 * <p>Every operation is authorized and called through {@link RealtimeCalls}, which the WebSocket transport
 * ({@code ren-websocket-realtime}) uses too.
 *
 * <p>Thread-safety: stateless apart from the {@link Realtime} and the rate limiter (both thread-safe); safe for
 * concurrent requests.
 */
public final class RealtimeServlet extends JsonServlet {

  /** Default mapping. */
  public static final String PATH = "/api/realtime/*";
  private static final int DEFAULT_HISTORY_LIMIT = 100;
  /** Room for the envelope around a payload of the maximum size (JSON escaping can grow a payload, too). */
  private static final long BODY_OVERHEAD = 16 << 10;
  /** The fields of a POST body whose JSON text goes to realtime as it is: the message payload, presence metadata. */
  private static final Set<String> VALUE_FIELDS = Set.of("data", "metadata");
  /** Generates the streamed answers (history, members). */
  private static final JsonFactory OUT = new JsonFactory();

  /** The prefix of channels that need a channel token ({@link RenSecurity#mintChannelToken}). */
  public static final String PRIVATE_PREFIX = RealtimeCalls.PRIVATE_PREFIX;
  /** The header a channel token may come in (else the body's {@code token} field). */
  public static final String CHANNEL_TOKEN_HEADER = "X-Ren-Channel-Token";

  private final Realtime realtime;
  private final long maxBody;
  private final RealtimeServlet.PublishRate rate;
  private final java.util.function.LongSupplier nanos;
  /** Set at construction when the security is known, else at {@link #init}. */
  private volatile @Nullable RealtimeCalls calls;

  /**
   * How many messages one caller (an authenticated user in its tenant, else a remote address) may publish: a token
   * bucket refilled at {@code perSecond}, holding at most {@code burst}. Over it, a publish is {@code 429
   * rate_limited} with {@code Retry-After}, nothing published.
   *
   * <p>Thread-safety: immutable.
   *
   * @param perSecond messages per second, in (0, 1,000,000]
   * @param burst     messages at once, in [1, 1,000,000]
   */
  public record PublishRate(double perSecond, int burst) {
    /** 20 messages per second, bursts of 40. */
    public static final PublishRate DEFAULT = new PublishRate(20, 40);

    public PublishRate {
      if (!(perSecond > 0 && perSecond <= 1_000_000)) {
        throw new IllegalArgumentException("perSecond must be in (0, 1000000], was " + perSecond);
      }
      if (burst < 1 || burst > 1_000_000) {
        throw new IllegalArgumentException("burst must be in [1, 1000000], was " + burst);
      }
    }
  }

  /** With the security installed in the servlet context ({@link RenSecurity#ATTRIBUTE}) and the default rate. */
  public RealtimeServlet(Realtime realtime) {
    this(realtime, null, PublishRate.DEFAULT);
  }

  /** With {@code security} and the default publish rate. */
  public RealtimeServlet(Realtime realtime, RenSecurity security) {
    this(realtime, Objects.requireNonNull(security, "security"), PublishRate.DEFAULT);
  }

  /**
   * With {@code security} (null: the servlet context's) and a publish rate per caller.
   */
  public RealtimeServlet(Realtime realtime, @Nullable RenSecurity security, PublishRate publishRate) {
    this(realtime, security, publishRate, System::nanoTime);
  }

  /**
   * Over {@code calls}: their realtime, security and publish rate. Give the WebSocket endpoint the same instance
   * and both transports share each caller's rate bucket.
   */
  public RealtimeServlet(RealtimeCalls calls) {
    super(null, calls.security());
    this.realtime = calls.realtime();
    this.maxBody = Math.max(DEFAULT_MAX_BODY, 4L * realtime.maxPayloadBytes() + BODY_OVERHEAD);
    this.rate = PublishRate.DEFAULT;
    this.nanos = System::nanoTime;
    this.calls = calls;
  }

  /** For tests: the limiter reads {@code nanos}. */
  RealtimeServlet(Realtime realtime, @Nullable RenSecurity security, PublishRate publishRate,
      java.util.function.LongSupplier nanos) {
    super(null, security);
    this.realtime = Objects.requireNonNull(realtime, "realtime");
    this.maxBody = Math.max(DEFAULT_MAX_BODY, 4L * realtime.maxPayloadBytes() + BODY_OVERHEAD);
    this.rate = Objects.requireNonNull(publishRate, "publishRate");
    this.nanos = nanos;
    if (security != null) {
      this.calls = new RealtimeCalls(realtime, security, publishRate, nanos);
    }
  }

  @Override
  public void init(jakarta.servlet.ServletConfig config) throws jakarta.servlet.ServletException {
    super.init(config);
    if (calls == null) {
      calls = new RealtimeCalls(realtime, security(), rate, nanos);
    }
  }

  private RealtimeCalls calls() {
    RealtimeCalls c = calls;
    if (c == null) {
      throw new IllegalStateException("RealtimeServlet used before init: " + RenSecurity.NOT_CONFIGURED);
    }
    return c;
  }

  /** The channel token a request presents: the body's {@code token} field, else the header. */
  private static @Nullable String channelToken(HttpServletRequest req, @Nullable String bodyToken) {
    return bodyToken != null ? bodyToken : req.getHeader(CHANNEL_TOKEN_HEADER);
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String[] p = path(req);
    if (p.length == 1 && p[0].equals("channels")) {
      RenCaller caller = security().caller(req);
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      ArrayNode list = body.putArray("channels");
      calls().channels(caller).forEach(list::add);
      writeJson(resp, 200, body);
    } else if (p.length == 2 && p[0].equals("presence")) {
      String channel = channel(p[1]);
      RenCaller caller = security().caller(req);
      List<StoredMember> members = calls().members(caller, channel, channelToken(req, null));
      writeStreamed(resp, g -> {
        g.writeStartObject();
        g.writeArrayFieldStart("members");
        for (StoredMember m : members) {
          g.writeStartObject();
          g.writeStringField("userId", m.userId());
          g.writeFieldName("metadata");
          g.writeRawValue(new RawJson(m.metadataJson())); // as stored: no tree, no string
          g.writeNumberField("lastSeen", m.lastSeen());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      });
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
    if (req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null) {
      requireJsonContentType(req); // before a byte is read, as readJsonObject does
    }
    byte[] body = readBody(req, maxBody);
    if (body.length > 0) {
      requireJsonContentType(req); // a body of undeclared length (HTTP/2 without content-length)
    }
    // streamed: only the route's strings and the payload's own text are kept, never a tree of the body
    writeJson(resp, 200, post(req, p, JsonEnvelope.read(body, VALUE_FIELDS)));
  }

  /**
   * An oversized payload or metadata is {@code 413}, a full realtime {@code 507} naming the bound, an unreachable
   * shared store {@code 503 realtime_unavailable}; everything else
   * as {@link JsonServlet} maps it.
   */
  @Override
  protected HttpError toHttpError(HttpServletRequest req, RuntimeException e) {
    if (e instanceof PayloadTooLargeException p) {
      return HttpError.tooLarge(String.valueOf(p.getMessage()));
    }
    if (e instanceof IdentityRefusedException) {
      // the caller is known by now (authenticated before realtime was called)
      boolean anonymous = !security().caller(req).authenticated();
      return anonymous ? new HttpError(401, "unauthorized", String.valueOf(e.getMessage()))
          : new HttpError(403, "forbidden", String.valueOf(e.getMessage()));
    }
    if (e instanceof RealtimeFullException f) {
      return new HttpError(507, "insufficient_storage", String.valueOf(f.getMessage()),
          Map.of("setting", f.setting(), "limit", f.limit()));
    }
    if (e instanceof RealtimeUnavailableException unavailable) {
      System.getLogger(RealtimeServlet.class.getName()).log(System.Logger.Level.WARNING, req.getMethod() + " "
          + req.getRequestURI() + ": realtime is unavailable: " + unavailable.getMessage());
      return new HttpError(503, "realtime_unavailable", "realtime is unavailable; retry shortly")
          .withHeader("Retry-After", "1");
    }
    return super.toHttpError(req, e);
  }

  private ObjectNode post(HttpServletRequest req, String[] p, JsonEnvelope in) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    RenCaller caller = security().caller(req);
    if (p.length == 1) {
      String channel = Realtime.checkChannel(in.text("channel", true));
      ChannelMessage m = calls().publish(caller, req.getRemoteAddr(), channel, in.json("data"),
          in.text("userId", false), channelToken(req, in.text("token", false)));
      out.put("success", true);
      out.put("id", m.id());
      if (m.seq() > 0) {
        out.put("seq", m.seq());
      }
      return out;
    }
    String channel = channel(p[1]);
    RealtimeCalls.PresenceChange change = switch (p[2]) {
      case "join" -> RealtimeCalls.PresenceChange.JOIN;
      case "update" -> RealtimeCalls.PresenceChange.UPDATE;
      default -> RealtimeCalls.PresenceChange.LEAVE;
    };
    String userId = calls().presenceUser(caller, change, channel, in.text("userId", false));
    boolean result = calls().presence(caller, change, channel, userId, in.json("metadata"),
        channelToken(req, in.text("token", false)));
    switch (change) {
      case JOIN -> out.put("isNew", result);
      case UPDATE -> {
        if (!result) {
          throw new HttpError(404, "not_present", "user '" + userId + "' is not present on channel '" + channel
              + "'; join first");
        }
        out.put("updated", true);
      }
      default -> out.put("wasPresent", result);
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
    RenCaller caller = security().caller(req);
    calls().authorize(caller, RenOperation.REALTIME_HISTORY, RenResource.channel(channel)); // before the 400s
    long after = number(req, "after", 0);
    long limit = number(req, "limit", DEFAULT_HISTORY_LIMIT);
    if (limit < 1 || limit > Realtime.MAX_HISTORY_LIMIT) {
      throw HttpError.badRequest("limit must be in [1, " + Realtime.MAX_HISTORY_LIMIT + "], was " + limit);
    }
    StoredHistory h = calls().history(caller, channel, after, (int) limit, channelToken(req, null));
    writeStreamed(resp, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("messages");
      for (StoredMessage m : h.messages()) {
        g.writeStartObject();
        g.writeNumberField("seq", m.seq());
        String id = m.id();
        if (id != null) {
          g.writeStringField("id", id); // absent: recorded, but its event could not be published
        }
        g.writeNumberField("ts", m.ts());
        byte[] data = m.dataJson();
        if (data != null) {
          g.writeFieldName("data");
          g.writeRawValue(new RawJson(data)); // as stored: no tree, no string
        }
        optionalString(g, "userId", m.userId());
        optionalString(g, "src", m.src());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeNumberField("lastSeq", h.lastSeq());
      g.writeBooleanField("truncated", h.truncated());
      g.writeEndObject();
    });
  }

  private static void optionalString(JsonGenerator g, String field, @Nullable String value) throws IOException {
    if (value != null) {
      g.writeStringField(field, value);
    }
  }

  /** Writes a whole answer into the generator. */
  @FunctionalInterface
  private interface BodyWriter {
    void write(JsonGenerator g) throws IOException;
  }

  /**
   * A {@code 200} JSON answer with the headers {@link #writeJson} sets, generated straight into the response: the
   * stored payloads it holds (up to {@code maxPresenceBytes} for one channel's members) are copied into the output
   * as they are written, never gathered into one array first. Everything it writes was read before it starts, so
   * nothing can fail half-way but the connection.
   */
  private static void writeStreamed(HttpServletResponse resp, BodyWriter body) throws IOException {
    resp.setStatus(200);
    resp.setContentType("application/json");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-store");
    try (JsonGenerator g = OUT.createGenerator(resp.getOutputStream())) {
      body.write(g);
    }
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
