package dev.ren.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ren.RenEvent;
import dev.ren.json.EventJson;
import org.jspecify.annotations.Nullable;

/**
 * One message from the REN stream, kept raw and decoded where it decodes.
 *
 * <p>{@link #type()}, {@link #data()} and {@link #id()} are exactly what the server sent, so messages of shapes
 * this client has never heard of (a custom domain, a future control frame) still reach listeners. {@link #json()}
 * is the parsed data when it is exactly one JSON value; {@link #event()} is that value as a {@link RenEvent} when
 * REN's one event codec ({@link EventJson#fromTree}) accepts it, so a message with a field of the wrong type (a
 * numeric {@code k}, a textual {@code ts}) stays raw JSON with a null event. The first message of every connection is {@code ren.meta}; see
 * {@link #isMeta()} and {@link #isReset()}.
 *
 * <p>Thread-safety: immutable (the JSON tree must not be modified by listeners).
 *
 * @param id    the last event id at dispatch time ({@code null} if the server has sent none)
 * @param type  the SSE event name ({@code message} when the server sent none)
 * @param data  the raw data, several data lines joined with LF
 * @param json  the data parsed as JSON, or null if it is not JSON
 * @param event the data as a REN event, or null if it does not have the event shape
 */
public record RenMessage(
    @Nullable String id, String type, String data, @Nullable JsonNode json, @Nullable RenEvent event) {

  /** This class's own mapper, parsing as strictly as the event codec: one value, nothing after it. */
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** The SSE event name of the stream's control frame. */
  public static final String META = "ren.meta";

  /** Whether this is the {@code ren.meta} frame that opens every connection. */
  public boolean isMeta() {
    return META.equals(type);
  }

  /** Whether this is a {@code ren.meta} saying the requested resume point was gone: refetch your state. */
  public boolean isReset() {
    return isMeta() && json != null && json.path("reset").asBoolean(false);
  }

  /** Decodes raw SSE fields; never throws for odd data. */
  static RenMessage decode(@Nullable String id, String type, String data) {
    JsonNode json = null;
    RenEvent event = null;
    String trimmed = data.stripLeading();
    if (!trimmed.isEmpty() && (trimmed.charAt(0) == '{' || trimmed.charAt(0) == '[')) {
      try {
        json = MAPPER.readTree(data);
      } catch (Exception e) {
        json = null; // not JSON after all: the raw data is still delivered
      }
    }
    if (json != null && json.isObject()) {
      try {
        event = EventJson.fromTree(json);
      } catch (IllegalArgumentException e) {
        event = null; // JSON the event codec rejects: keep the raw form only
      }
    }
    return new RenMessage(id, type, data, json, event);
  }
}
