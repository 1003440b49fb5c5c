package dev.ren.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ren.RenEvent;
import org.jspecify.annotations.Nullable;

import java.io.IOException;

/**
 * The one JSON codec for {@link RenEvent}: the server encodes with it (once per publish, the bytes then go to every
 * subscriber), the Java client and the Redis event log decode with it, so both ends apply the same rules.
 *
 * <p>Encoding: compact, absent fields omitted, fields in schema order {@code t r k ns v ts src ch data uid}; a lone
 * UTF-16 surrogate is written as its JSON escape, so it round-trips instead of corrupting the UTF-8 stream.
 *
 * <p>Decoding is strict: the bytes must be one JSON object (nothing after it) with string {@code t} and
 * {@code r}; {@code k ns v src ch uid} are strings or absent/null; {@code ts} is a non-negative integer or absent;
 * {@code data} is any JSON; {@code tn}, the tenant, a valid tenant id or absent. Anything else is an
 * {@link IllegalArgumentException} naming the field, never a silently dropped value.
 *
 * <pre>{@code
 * byte[] json = EventJson.encode(RenEvent.kvPut("demo", "todo:1", "3"));
 * RenEvent back = EventJson.decode(json);
 * }</pre>
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class EventJson {

  /** This package's mapper, configured here once and never exposed. */
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private EventJson() {}

  /** The compact JSON of an event, in schema field order, as UTF-8; the tenant is left out. */
  public static byte[] encode(RenEvent e) {
    return encode(e, false);
  }

  /**
   * The compact JSON of an event, in schema field order, as UTF-8; with {@code withTenant}, a non-default tenant
   * follows as {@code tn} (for a hub configured to show tenants to clients).
   */
  public static byte[] encode(RenEvent e, boolean withTenant) {
    JsonOut o = JsonOut.acquire();
    try {
      o.raw('{');
      o.field("t").string(e.t());
      o.field("r").string(e.r());
      String k = e.k();
      if (k != null) o.field("k").string(k);
      String ns = e.ns();
      if (ns != null) o.field("ns").string(ns);
      String v = e.v();
      if (v != null) o.field("v").string(v);
      if (e.ts() != 0) o.field("ts").digits(e.ts());
      String src = e.src();
      if (src != null) o.field("src").string(src);
      String ch = e.ch();
      if (ch != null) o.field("ch").string(ch);
      JsonNode data = e.data();
      if (data != null) o.field("data").node(data);
      String uid = e.uid();
      if (uid != null) o.field("uid").string(uid);
      String tenant = e.tenant();
      if (withTenant && tenant != null) o.field("tn").string(tenant);
      o.raw('}');
      return o.toBytes();
    } finally {
      o.release();
    }
  }

  /**
   * The event encoded in {@code json} (UTF-8).
   *
   * @throws IllegalArgumentException if the bytes are not an event object (see the class comment for the rules)
   */
  public static RenEvent decode(byte[] json) {
    return fromTree(parse(() -> MAPPER.readTree(json)));
  }

  /** {@link #decode(byte[])} for text. */
  public static RenEvent decode(String json) {
    return fromTree(parse(() -> MAPPER.readTree(json)));
  }

  private interface Parse {
    JsonNode run() throws IOException;
  }

  private static JsonNode parse(Parse p) {
    try {
      return p.run();
    } catch (IOException ex) {
      throw new IllegalArgumentException("event is not JSON: " + message(ex), ex);
    }
  }

  /**
   * The event in a parsed tree (for a caller that parsed the JSON already).
   *
   * @throws IllegalArgumentException if the tree is not an event object
   */
  public static RenEvent fromTree(@Nullable JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("event must be a JSON object");
    }
    JsonNode t = n.get("t");
    JsonNode r = n.get("r");
    if (t == null || !t.isTextual() || r == null || !r.isTextual()) {
      throw new IllegalArgumentException("event lacks the string fields 't' and 'r'");
    }
    JsonNode ts = n.get("ts");
    long stamp = 0;
    if (ts != null && !ts.isNull()) {
      if (!ts.isIntegralNumber() || !ts.canConvertToLong() || ts.asLong() < 0) {
        throw new IllegalArgumentException("event field 'ts' must be a non-negative integer");
      }
      stamp = ts.asLong();
    }
    JsonNode data = n.get("data");
    return new RenEvent(t.textValue(), r.textValue(), text(n, "k"), text(n, "ns"), text(n, "v"), stamp,
        text(n, "src"), text(n, "ch"), data == null || data.isNull() ? null : data, text(n, "uid"), text(n, "tn"));
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("event field '" + field + "' must be a string");
    }
    return v.textValue();
  }

  private static String message(IOException ex) {
    return ex instanceof JsonProcessingException j ? j.getOriginalMessage() : String.valueOf(ex.getMessage());
  }
}
