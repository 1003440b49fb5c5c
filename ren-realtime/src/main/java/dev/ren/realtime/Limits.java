package dev.ren.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.util.regex.Pattern;

/**
 * The input rules of realtime: channel names, user ids, payload size. Each check names the value and the rule.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
final class Limits {

  /** This module's own mapper, configured once and never exposed; used only to measure payloads. */
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final int MAX_USER_ID = 256;

  private Limits() {}

  static boolean isValidChannel(@Nullable String channel) {
    return channel != null && channel.length() <= 128 && CHANNEL.matcher(channel).matches();
  }

  static String checkChannel(@Nullable String channel) {
    if (channel == null) {
      throw new IllegalArgumentException("channel is required");
    }
    if (!isValidChannel(channel)) {
      throw new IllegalArgumentException("channel '" + Printable.of(channel) + "' must match [A-Za-z0-9_.:-]{1,128}");
    }
    return channel;
  }

  static String checkUserId(@Nullable String userId) {
    if (userId == null || userId.isEmpty()) {
      throw new IllegalArgumentException("userId is required");
    }
    if (userId.length() > MAX_USER_ID) {
      throw new IllegalArgumentException("userId is " + userId.length() + " characters; at most " + MAX_USER_ID);
    }
    for (int i = 0; i < userId.length(); i++) {
      if (Character.isISOControl(userId.charAt(i))) {
        throw new IllegalArgumentException("userId '" + Printable.of(userId) + "' must not contain control characters");
      }
    }
    return userId;
  }

  /** Throws {@link PayloadTooLargeException} when {@code node} is more than {@code max} bytes of JSON. */
  static void checkSize(String what, JsonNode node, int max) {
    int size;
    try {
      size = MAPPER.writeValueAsBytes(node).length;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
    if (size > max) {
      throw new PayloadTooLargeException(what, size, max);
    }
  }
}
