package dev.ren.bench.shared;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What every benchmarked server (REN and the peers) shares, compiled into each of them from one source file so
 * they serve byte-identical events and the same control endpoint ({@code /bench/<op>}).
 *
 * <p>Event JSON (the {@code data:} line), {@code size} bytes long (padding adjusts):
 * {@code {"t":"realtime.message","r":"realtime","ts":<ms>,"ch":"bench","data":{"sent":<epoch µs>,"seq":<n>,"pad":"..."}}}
 *
 * <p>Control operations: {@code publish?rate=<events/s, 0 = as fast as the server accepts>&seconds=&size=}
 * (starts a publisher thread and returns at once), {@code stop}, {@code status}, {@code gc} (two full GCs, then
 * used heap), {@code heap} (used heap, no GC).
 *
 * <p>Thread-safety: thread-safe.
 */
public final class PeerKit {

  /** Receives one event to send to every subscriber; may block (peers) or apply flow control (REN). */
  @FunctionalInterface
  public interface Sink {
    void send(long seq, long sentMicros, long tsMillis, int padLength) throws Exception;
  }

  private final Sink sink;
  private final java.util.function.IntSupplier subscribers;
  private final AtomicLong published = new AtomicLong();
  private volatile boolean stopRequested;
  private volatile Thread running;

  public PeerKit(Sink sink, java.util.function.IntSupplier subscribers) {
    this.sink = sink;
    this.subscribers = subscribers;
  }

  /** Wall-clock time in microseconds since the epoch (shared by client and servers on one machine). */
  public static long nowMicros() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
  }

  private static final String PREFIX = "{\"t\":\"realtime.message\",\"r\":\"realtime\",\"ts\":";

  /** Padding that makes the event JSON {@code size} bytes long (0 if already longer). */
  public static int padLength(long seq, long sentMicros, long tsMillis, int size) {
    int len = PREFIX.length() + digits(tsMillis) + ",\"ch\":\"bench\",\"data\":{\"sent\":".length()
        + digits(sentMicros) + ",\"seq\":".length() + digits(seq) + ",\"pad\":\"\"}}".length();
    return Math.max(0, size - len);
  }

  /** The event JSON, exactly as REN's encoder writes the same event. */
  public static String json(long seq, long sentMicros, long tsMillis, int padLength) {
    StringBuilder sb = new StringBuilder(PREFIX.length() + 128 + padLength);
    sb.append(PREFIX).append(tsMillis).append(",\"ch\":\"bench\",\"data\":{\"sent\":").append(sentMicros)
        .append(",\"seq\":").append(seq).append(",\"pad\":\"");
    for (int i = 0; i < padLength; i++) {
      sb.append('x');
    }
    return sb.append("\"}}").toString();
  }

  /** {@code padLength} x characters (cached for the usual sizes). */
  public static String pad(int padLength) {
    return "x".repeat(padLength);
  }

  private static int digits(long v) {
    return Long.toString(v).length();
  }

  /** Handles {@code /bench/<op>}; returns the JSON answer. */
  public synchronized String control(String op, Map<String, String> q) {
    switch (op) {
      case "publish": {
        stopAndJoin();
        double rate = Double.parseDouble(q.getOrDefault("rate", "0"));
        double seconds = Double.parseDouble(q.getOrDefault("seconds", "10"));
        int size = Integer.parseInt(q.getOrDefault("size", "200"));
        published.set(0);
        stopRequested = false;
        Thread t = new Thread(() -> publishLoop(rate, seconds, size), "bench-publisher");
        t.setDaemon(true);
        running = t;
        t.start();
        return "{\"started\":true}";
      }
      case "stop":
        stopAndJoin();
        return status();
      case "status":
        return status();
      case "gc": {
        for (int i = 0; i < 2; i++) {
          System.gc();
          LockSupport.parkNanos(100_000_000L);
        }
        return "{\"heapUsed\":" + heapUsed() + ",\"threads\":" + Thread.activeCount() + ",\"subscribers\":"
            + subscribers.getAsInt() + "}";
      }
      case "heap":
        return "{\"heapUsed\":" + heapUsed() + "}";
      default:
        throw new IllegalArgumentException("unknown bench operation '" + op + "'");
    }
  }

  private String status() {
    Thread t = running;
    return "{\"running\":" + (t != null && t.isAlive()) + ",\"published\":" + published.get() + ",\"subscribers\":"
        + subscribers.getAsInt() + "}";
  }

  private void stopAndJoin() {
    stopRequested = true;
    Thread t = running;
    if (t != null) {
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private void publishLoop(double rate, double seconds, int size) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    double period = rate > 0 ? 1e9 / rate : 0;
    long seq = 0;
    try {
      while (!stopRequested) {
        long now = System.nanoTime();
        if (now >= end) {
          break;
        }
        if (period > 0) {
          long due = start + (long) (seq * period);
          if (due > now) {
            LockSupport.parkNanos(due - now);
            continue;
          }
        }
        long sent = nowMicros();
        long ts = sent / 1000;
        sink.send(seq, sent, ts, padLength(seq, sent, ts, size));
        seq++;
        published.lazySet(seq);
      }
    } catch (InterruptedException e) {
      // stopped
    } catch (Exception e) {
      System.err.println("publisher stopped: " + e);
    }
  }
}
