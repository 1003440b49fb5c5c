package dev.ren.redis;

import dev.ren.RenEvent;
import dev.ren.access.RenCaller;
import dev.ren.internal.Printable;
import dev.ren.json.EventJson;
import dev.ren.log.EncodedEvent;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How REN's entries look in the stream, read by the tail and by resumes alike: fields {@code e} (the epoch the entry
 * was written under), {@code j} (the event as {@link EventJson}, exactly as clients see it, so without its tenant
 * unless the hub shows tenants) and {@code tn} (the event's tenant; absent for the default tenant). An entry that is
 * not one of REN's, whose JSON {@link EventJson#decode} rejects, whose {@code tn} is not a valid tenant id or
 * contradicts a tenant in its JSON, is logged as a warning and skipped: never delivered (least of all into another
 * tenant) and never fatal.
 *
 * <p>Thread-safety: stateless.
 */
final class StreamEntries {

  static final String FIELD_EPOCH = "e";
  static final String FIELD_JSON = "j";
  static final String FIELD_TENANT = "tn";

  private StreamEntries() {}

  /** The entry as the hub sees it, or null (logged) when it is malformed. */
  static @Nullable LogEntry toEntry(String streamKey, String epoch, StreamMessage<String, byte[]> m) {
    Position p = RedisIds.parseStreamId(m.getId(), 0);
    byte[] json = m.getBody().get(FIELD_JSON);
    if (p == null || json == null) {
      RedisEventLog.LOG.log(Level.WARNING, "skipping stream entry " + Printable.of(m.getId()) + " of " + streamKey
          + ": not written by REN");
      return null;
    }
    RenEvent event;
    try {
      event = EventJson.decode(json);
    } catch (IllegalArgumentException ex) {
      RedisEventLog.LOG.log(Level.WARNING, "skipping stream entry " + Printable.of(m.getId()) + " of " + streamKey
          + ": " + Printable.of(ex.getMessage()));
      return null;
    }
    String tenant = str(m.getBody().get(FIELD_TENANT));
    if (tenant != null) {
      if (!RenCaller.isValidTenant(tenant)) {
        RedisEventLog.LOG.log(Level.WARNING, "skipping stream entry " + Printable.of(m.getId()) + " of "
            + streamKey + ": tenant '" + Printable.of(tenant) + "' is not a valid tenant id");
        return null;
      }
      if (event.tenant() != null && !tenant.equals(event.tenant())) {
        RedisEventLog.LOG.log(Level.WARNING, "skipping stream entry " + Printable.of(m.getId()) + " of "
            + streamKey + ": its tenant field and its JSON name different tenants");
        return null;
      }
      event = event.withTenant(tenant);
    }
    return new LogEntry(p, RedisIds.format(epoch, p), new EncodedEvent(event, json));
  }

  /** The epoch field of an entry, or null if it has none. */
  static @Nullable String epochOf(StreamMessage<String, byte[]> m) {
    return str(m.getBody().get(FIELD_EPOCH));
  }

  /** The id of the stream's newest entry, or {@code 0-0} when it is empty. */
  static String headId(RedisCommands<String, byte[]> cmd, String streamKey) {
    List<StreamMessage<String, byte[]>> last = cmd.xrevrange(streamKey, Range.unbounded(), Limit.from(1));
    return last.isEmpty() ? "0-0" : last.get(0).getId();
  }

  /** A Redis reply value as text (bulk strings arrive as bytes with this codec). */
  static @Nullable String str(@Nullable Object o) {
    if (o == null) {
      return null;
    }
    if (o instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    return o.toString();
  }
}
