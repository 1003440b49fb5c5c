package dev.ren.realtime;

import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The history of every channel, bounded twice: each channel keeps its last N messages, and all channels together
 * keep at most {@code maxBytes}, counted as stored (the payload's compact JSON plus the message's strings and a
 * fixed overhead). History is a cache: a message that would exceed the total drops the oldest messages of all
 * channels first, and publishing never fails because history is full.
 *
 * <p>Every stored message is on its channel's {@link Buffer} and on one list of all messages in the order they were
 * stored. A channel's messages are stored in its sequence order, so the oldest message overall is always the first
 * of its channel's buffer: evicting it is a {@code removeFirst} there, and the bound costs O(1) per message.
 *
 * <p>Thread-safety: thread-safe. All buffers and the list are guarded by one lock, a leaf (taken under a channel's
 * monitor and on the outbox's draining thread, never the other way round); it is held for a few pointer moves per
 * message. A read hands out the stored payload bytes (never decoded here: a page of {@code [{},...]} payloads
 * would cost thirty times its bytes as trees).
 */
final class HistoryStore {

  /** What a stored message costs besides its payload and strings: the node, its links, the boxed fields. */
  static final int MESSAGE_OVERHEAD = 96;

  private final long maxBytes;
  private final long maxPageBytes;

  // guarded by lock
  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable Node oldest;
  private @Nullable Node newest;
  private long bytes;
  private long messages;

  /**
   * @param maxBytes     the bound on all channels' stored messages
   * @param maxPageBytes a page {@link #read} returns stops after this many stored bytes (it has at least one message)
   */
  HistoryStore(long maxBytes, long maxPageBytes) {
    this.maxBytes = maxBytes;
    this.maxPageBytes = maxPageBytes;
  }

  /** A new, empty buffer for a channel keeping its last {@code limit} messages. */
  Buffer open(String channel, int limit) {
    return new Buffer(channel, limit);
  }

  /**
   * Stores a message whose publish has ended (id null: it failed) at the end of its channel's buffer, then drops
   * what is over the channel's count and over the total bytes, oldest first. Does nothing on a closed buffer.
   */
  void append(Buffer b, long seq, @Nullable String id, long ts, byte @Nullable [] data, @Nullable String userId,
      @Nullable String src) {
    Node n = new Node(b, seq, id, ts, data, userId, src);
    lock.lock();
    try {
      if (b.closed) {
        return; // the channel was dropped while the message was being published
      }
      b.settledSeq = seq;
      b.nodes.addLast(n);
      link(n);
      while (b.nodes.size() > b.limit) {
        unlink(b.nodes.removeFirst());
      }
      Node o;
      while (bytes > maxBytes && (o = oldest) != null) {
        Node first = o.owner.nodes.removeFirst();
        if (first != o) {
          throw new IllegalStateException("history of '" + o.owner.channel + "' out of order");
        }
        unlink(o);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Drops the buffer's messages and closes it: later appends are ignored. Idempotent. */
  void close(Buffer b) {
    lock.lock();
    try {
      b.closed = true;
      for (Node n : b.nodes) {
        unlink(n);
      }
      b.nodes.clear();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The buffer's messages above {@code after}, oldest first: at most {@code limit}, and no more after
   * {@code maxPageBytes} of them (the caller pages on with {@code lastSeq}).
   *
   * @param handedOut the channel's last sequence number handed out; an {@code after} above it means the channel
   *                  started over (it was dropped while idle), so the page says {@code truncated}
   */
  StoredHistory read(Buffer b, long after, int limit, long handedOut) {
    List<Node> page = new ArrayList<>();
    long lastSeq;
    boolean truncated;
    lock.lock();
    try {
      Node first = b.nodes.peekFirst();
      long firstHeld = first == null ? b.settledSeq + 1 : first.seq;
      long pageBytes = 0;
      for (Node n : b.nodes) {
        if (n.seq > after) {
          page.add(n);
          pageBytes += n.cost;
          if (page.size() == limit || pageBytes >= maxPageBytes) {
            break;
          }
        }
      }
      lastSeq = b.settledSeq;
      truncated = after + 1 < firstHeld || after > handedOut;
    } finally {
      lock.unlock();
    }
    // a node's message fields are final: reading them outside the lock is safe; the payloads stay stored bytes
    List<StoredMessage> messages = new ArrayList<>(page.size());
    for (Node n : page) {
      messages.add(new StoredMessage(b.channel, n.seq, n.id, n.ts, n.data, n.userId, n.src));
    }
    return new StoredHistory(messages, lastSeq, truncated);
  }

  /** Bytes stored over all channels, as counted against the bound. */
  long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  /** Messages stored over all channels. */
  long messages() {
    lock.lock();
    try {
      return messages;
    } finally {
      lock.unlock();
    }
  }

  /** Caller holds the lock. */
  private void link(Node n) {
    Node last = newest;
    n.older = last;
    if (last == null) {
      oldest = n;
    } else {
      last.newer = n;
    }
    newest = n;
    bytes += n.cost;
    messages++;
  }

  /** Caller holds the lock (and removed {@code n} from its buffer). */
  private void unlink(Node n) {
    Node older = n.older;
    Node newer = n.newer;
    if (older == null) {
      oldest = newer;
    } else {
      older.newer = newer;
    }
    if (newer == null) {
      newest = older;
    } else {
      newer.older = older;
    }
    n.older = null;
    n.newer = null;
    bytes -= n.cost;
    messages--;
  }

  /** One channel's messages, oldest first; guarded by the store's lock. */
  static final class Buffer {
    final String channel;
    final int limit;
    final ArrayDeque<Node> nodes;
    /** The sequence number of the newest message stored (whether or not it is still held). */
    long settledSeq;
    boolean closed;

    private Buffer(String channel, int limit) {
      this.channel = channel;
      this.limit = limit;
      this.nodes = new ArrayDeque<>(Math.min(limit, 16));
    }
  }

  /** A stored message: immutable fields, plus its place in the list of all messages (guarded by the lock). */
  private static final class Node {
    final Buffer owner;
    final long seq;
    final @Nullable String id;
    final long ts;
    final byte @Nullable [] data;
    final @Nullable String userId;
    final @Nullable String src;
    final long cost;
    @Nullable Node older;
    @Nullable Node newer;

    Node(Buffer owner, long seq, @Nullable String id, long ts, byte @Nullable [] data, @Nullable String userId,
        @Nullable String src) {
      this.owner = owner;
      this.seq = seq;
      this.id = id;
      this.ts = ts;
      this.data = data;
      this.userId = userId;
      this.src = src;
      this.cost = MESSAGE_OVERHEAD + (data == null ? 0 : data.length) + chars(id) + chars(userId) + chars(src);
    }

    /** A string's heap: its characters at up to two bytes each, plus its object. */
    private static long chars(@Nullable String s) {
      return s == null ? 0 : 40 + 2L * s.length();
    }
  }
}
