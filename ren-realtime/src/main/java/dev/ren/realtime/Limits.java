package dev.ren.realtime;

import dev.ren.internal.Printable;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The input rules of realtime: channel names and user ids (payload size: {@link StoredJson#encode}). Each check
 * names the value and the rule.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
final class Limits {

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

  static long checkRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

  static Duration checkDuration(String name, Duration d, boolean zeroAllowed) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || (!zeroAllowed && d.isZero()) || d.compareTo(Duration.ofDays(365)) > 0) {
      throw new IllegalArgumentException(name + " must be in " + (zeroAllowed ? "[0" : "(0") + ", 365 days], was "
          + d);
    }
    return d;
  }
}
