package dev.ren.realtime;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * A channel in a tenant: the key of every per-channel state (sequence numbers, history, presence members, channel
 * slots, publish lanes). Structured, never a joined string: channel {@code a} of tenant {@code b:c} and any other
 * pair are two keys.
 *
 * <p>Thread-safety: immutable.
 *
 * @param tenant  the tenant, null for the default tenant
 * @param channel the channel name (already checked)
 */
record ChannelKey(@Nullable String tenant, String channel) {

  ChannelKey {
    Objects.requireNonNull(channel, "channel");
  }

  @Override
  public String toString() {
    return tenant == null ? channel : channel + " (tenant " + tenant + ")";
  }
}
