package dev.ren.redis;

import dev.ren.EventLogUnavailableException;
import dev.ren.log.LogEntry;
import dev.ren.log.Position;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves {@link RedisEventLog#readAfter}: replays a range of the stream ({@code XRANGE}) for a resuming client, on
 * the publish connection, after checking that the range has no hole: not of another epoch, not from the future, not
 * trimmed by retention, no entry deleted. Any doubt (or Redis failing) is an answer of null, which resets the client.
 *
 * <p>Thread-safety: stateless apart from its collaborators; thread-safe.
 */
final class ResumeReader {

  private final PublishConnection publish;
  private final Epochs epochs;
  private final String streamKey;

  ResumeReader(PublishConnection publish, Epochs epochs, String streamKey) {
    this.publish = publish;
    this.epochs = epochs;
    this.streamKey = streamKey;
  }

  /** See {@link dev.ren.log.EventLog#readAfter}. */
  @Nullable List<LogEntry> readAfter(Position after, @Nullable Position before, int max) {
    String e = epochs.current();
    if (e == null || max <= 0) {
      return e == null ? null : List.of();
    }
    try {
      RedisCommands<String, byte[]> cmd = publish.commands();
      if (!e.equals(epochs.read(cmd))) {
        return null; // the stream's life ended since `after` was parsed
      }
      return read(cmd, e, after, before, max);
    } catch (RedisException | EventLogUnavailableException ex) {
      RedisEventLog.LOG.log(Level.WARNING, "could not read the Redis stream " + streamKey
          + " for a resume; the client resets: " + ex.getMessage());
      return null;
    }
  }

  private @Nullable List<LogEntry> read(RedisCommands<String, byte[]> cmd, String e, Position after,
      @Nullable Position before, int max) {
    List<Object> info;
    try {
      info = cmd.xinfoStream(streamKey);
    } catch (RedisException ex) {
      if (String.valueOf(ex.getMessage()).contains("no such key")) {
        return after.equals(Position.ZERO) ? List.of() : null;
      }
      throw ex;
    }
    Map<String, Object> fields = pairs(info);
    Position lastGenerated = streamPosition(fields.get("last-generated-id"));
    if (lastGenerated == null || after.isAfter(lastGenerated)) {
      return null; // from the future
    }
    Position maxDeleted = streamPosition(fields.get("max-deleted-entry-id"));
    if (maxDeleted != null && maxDeleted.isAfter(after)) {
      return null; // an entry after `after` was deleted
    }
    // trimming does not move max-deleted-entry-id: if anything was ever removed (Redis < 7 cannot say, so
    // assume so), only a position at or after the oldest entry still held is known to have no hole behind it
    Object added = fields.get("entries-added");
    long length = fields.get("length") instanceof Number num ? num.longValue() : -1;
    boolean removedSome = !(added instanceof Number a) || a.longValue() > length;
    if (removedSome) {
      Position first = streamPosition(fields.get("recorded-first-entry-id"));
      if (first == null && fields.get("first-entry") instanceof List<?> l && !l.isEmpty()) {
        first = streamPosition(l.get(0));
      }
      if (first == null ? lastGenerated.isAfter(after) : first.isAfter(after)) {
        return null; // trimmed away by retention
      }
    }
    Range.Boundary<String> upper = Range.Boundary.unbounded();
    if (before != null) {
      String to = RedisIds.previous(before);
      if (to == null || !before.isAfter(after)) {
        return List.of();
      }
      upper = Range.Boundary.including(to);
    }
    Range<String> range = Range.from(Range.Boundary.including(RedisIds.next(after)), upper);
    List<StreamMessage<String, byte[]>> msgs = cmd.xrange(streamKey, range, Limit.from(max));
    List<LogEntry> out = new ArrayList<>(msgs.size());
    for (StreamMessage<String, byte[]> m : msgs) {
      if (!e.equals(StreamEntries.epochOf(m))) {
        return null; // written under another epoch: not part of the history `after` belongs to
      }
      LogEntry le = StreamEntries.toEntry(streamKey, e, m);
      if (le != null) {
        out.add(le);
      }
    }
    return out;
  }

  private static Map<String, Object> pairs(List<Object> info) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i + 1 < info.size(); i += 2) {
      String k = StreamEntries.str(info.get(i));
      Object v = info.get(i + 1);
      if (k != null && v != null) {
        m.put(k, v);
      }
    }
    return m;
  }

  private static @Nullable Position streamPosition(@Nullable Object o) {
    String s = StreamEntries.str(o);
    return s == null ? null : RedisIds.parseStreamId(s, 0);
  }
}
