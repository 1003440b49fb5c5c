package dev.ren.redis;

import dev.ren.log.Position;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Which life of the stream this node is in, and where its tail first starts.
 *
 * <p>The epoch ({@code <prefix>:epoch} in Redis) names one life of the stream; when it changes, ids of the old life
 * no longer parse, so resuming clients reset. {@link #current} is the epoch of the stream this node tails: written by
 * {@code start} and by the tail thread, read by any thread (parse, format, resume reads).
 *
 * <p>If Redis was unreachable at start, the tail has no position until first contact. Until then appends and
 * positioning are serialized on {@code firstContact}: the first id this node appended is recorded, and tailing then
 * starts no later than that, so the node's own events reach its own subscribers. Once positioned, appends no longer
 * take the lock.
 *
 * <p>Thread-safety: thread-safe.
 */
final class Epochs {

  /** KEYS: epoch. ARGV: expected, replacement. Replaces the epoch only if it is still the expected one. */
  private static final String ROTATE_SCRIPT = ""
      + "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end\n"
      + "return redis.call('GET', KEYS[1])\n";

  private final String epochKey;
  private volatile @Nullable String current;

  private final Object firstContact = new Object();
  /** The first stream id this node appended before the tail was positioned; guarded by firstContact. */
  private @Nullable Position firstOwn;
  private volatile boolean positioned;

  Epochs(String epochKey) {
    this.epochKey = epochKey;
  }

  /** The epoch of the stream this node tails, or null before Redis was first reached. */
  @Nullable String current() {
    return current;
  }

  /** Called by start and the tail thread when they learn (or change) the epoch they tail. */
  void tailing(String epoch) {
    current = epoch;
  }

  /** The epoch key's value in Redis, or null if there is none. */
  @Nullable String read(RedisCommands<String, byte[]> cmd) {
    return StreamEntries.str(cmd.get(epochKey));
  }

  /** The stream's epoch in Redis, created (SET NX) if there is none yet. */
  String readOrCreate(RedisCommands<String, byte[]> cmd) {
    String e = read(cmd);
    if (e == null) {
      cmd.set(epochKey, RedisIds.newEpoch().getBytes(StandardCharsets.US_ASCII), SetArgs.Builder.nx());
      e = read(cmd);
    }
    if (e == null || !RedisIds.isEpoch(e)) {
      throw new RedisException("key " + epochKey + " does not hold a REN epoch: " + e);
    }
    return e;
  }

  /** Ends the life {@code expected} in Redis (unless another node already did) by giving the stream a new epoch. */
  void rotate(RedisCommands<String, byte[]> cmd, String expected) {
    cmd.eval(ROTATE_SCRIPT, ScriptOutputType.VALUE, new String[] {epochKey},
        expected.getBytes(StandardCharsets.US_ASCII), RedisIds.newEpoch().getBytes(StandardCharsets.US_ASCII));
  }

  /** Runs an append, recording its stream id if the tail is not positioned yet. */
  PublishConnection.Appended appending(Supplier<PublishConnection.Appended> append) {
    if (positioned) {
      return append.get();
    }
    synchronized (firstContact) {
      PublishConnection.Appended a = append.get();
      if (firstOwn == null) {
        firstOwn = RedisIds.parseStreamId(a.streamId(), 0);
      }
      return a;
    }
  }

  /**
   * Positions the tail on first contact: at the stream's head ({@code readHead}), or just before this node's first
   * own append if that came earlier. From then on appends run without the lock.
   *
   * @return the stream id after which tailing starts
   */
  String firstTailPosition(Supplier<String> readHead) {
    synchronized (firstContact) {
      String head = readHead.get();
      positioned = true;
      Position own = firstOwn;
      Position h = RedisIds.parseStreamId(head, 0);
      if (own != null && h != null && !own.isAfter(h)) {
        String beforeOwn = RedisIds.previous(own);
        if (beforeOwn != null) {
          return beforeOwn;
        }
      }
      return head;
    }
  }
}
