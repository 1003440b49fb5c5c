package dev.ren.bench.load;

import dev.ren.bench.shared.PeerKit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The non-blocking load generator: a few selector threads, each owning thousands of raw HTTP/1.1 connections over
 * loopback. SSE streams are de-chunked and parsed for real ({@link ChunkedDecoder}, {@link SseParser}); each event
 * whose data carries {@code "sent":<epoch µs>} counts as a delivery and, while recording, adds publish→parse latency
 * (wall clock read once per socket read) to the loop's histogram. KV clients send {@code PUT}s one at a time per
 * connection (keep-alive) and count answers.
 *
 * <p>Thread-safety: public methods are thread-safe; all connection state is confined to its loop thread.
 */
final class Engine implements AutoCloseable {

  private static final byte[] SENT = "\"sent\":".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_CONNECTING_PER_LOOP = 64;

  private final Loop[] loops;
  private volatile boolean recording;
  private volatile boolean putsActive;

  Engine(int threads) throws IOException {
    loops = new Loop[threads];
    for (int i = 0; i < threads; i++) {
      loops[i] = new Loop(i);
      loops[i].start();
    }
  }

  /** Queues {@code n} SSE connections; they open at most 64 at a time per loop. */
  void openSse(InetSocketAddress addr, String pathAndQuery, int n, int stalledEvery) {
    byte[] req = ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + addr.getHostString() + ":" + addr.getPort()
        + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < n; i++) {
      boolean stall = stalledEvery > 0 && i % stalledEvery == 0;
      Loop l = loops[i % loops.length];
      Conn c = new Conn(false, addr, req, stall);
      l.submit(() -> l.toOpen.add(c));
    }
  }

  /** Opens {@code n} keep-alive connections that PUT {@code <base>/{ns}/k<i>} while {@link #puts} is on. */
  void openPuts(InetSocketAddress addr, String base, String ns, int n) {
    for (int i = 0; i < n; i++) {
      Loop l = loops[i % loops.length];
      Conn c = new Conn(true, addr, null, false);
      c.putPrefix = "PUT " + base + "/" + ns + "/c" + i + "-k";
      c.host = addr.getHostString() + ":" + addr.getPort();
      l.submit(() -> l.toOpen.add(c));
    }
  }

  void puts(boolean on) {
    putsActive = on;
    if (on) {
      for (Loop l : loops) {
        l.submit(l::kickPuts);
      }
    }
  }

  boolean putsOn() {
    return putsActive;
  }

  void recording(boolean on) {
    recording = on;
  }

  long ready() { return sum(l -> l.ready.get()); }
  long putReady() { return sum(l -> l.putReady.get()); }
  long deliveries() { return sum(l -> l.deliveries.get()); }
  long otherEvents() { return sum(l -> l.otherEvents.get()); }
  long comments() { return sum(l -> l.comments.get()); }
  long closedByPeer() { return sum(l -> l.closedByPeer.get()); }
  long failures() { return sum(l -> l.failures.get()); }
  long putsDone() { return sum(l -> l.putsDone.get()); }
  long putErrors() { return sum(l -> l.putErrors.get()); }

  private long sum(java.util.function.ToLongFunction<Loop> f) {
    long s = 0;
    for (Loop l : loops) {
      s += f.applyAsLong(l);
    }
    return s;
  }

  /** Merged latency histogram of all loops, optionally reset, taken on the loop threads. */
  LogHistogram histogram(boolean reset) {
    LogHistogram total = new LogHistogram();
    List<CompletableFuture<LogHistogram>> parts = new ArrayList<>();
    for (Loop l : loops) {
      CompletableFuture<LogHistogram> f = new CompletableFuture<>();
      l.submit(() -> {
        LogHistogram copy = new LogHistogram();
        copy.add(l.hist);
        if (reset) {
          l.hist.reset();
        }
        f.complete(copy);
      });
      parts.add(f);
    }
    for (CompletableFuture<LogHistogram> f : parts) {
      total.add(f.join());
    }
    return total;
  }

  @Override
  public void close() {
    for (Loop l : loops) {
      l.running = false;
      l.selector.wakeup();
    }
    for (Loop l : loops) {
      try {
        l.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ connection

  private static final class Conn {
    final boolean put;
    final InetSocketAddress addr;
    final byte[] request;
    final boolean stall;
    SocketChannel ch;
    SelectionKey key;
    final byte[] hdr = new byte[8192];
    int hdrLen;
    boolean headersDone;
    boolean counted;
    int status;
    boolean chunked;
    long contentLength = -1;
    ChunkedDecoder dec;
    SseParser parser;
    ChunkedDecoder.Sink sink;
    ByteBuffer pending;
    // PUT
    String putPrefix;
    String host;
    long putSeq;
    boolean inFlight;

    Conn(boolean put, InetSocketAddress addr, byte[] request, boolean stall) {
      this.put = put;
      this.addr = addr;
      this.request = request;
      this.stall = stall;
    }

    void resetResponse() {
      hdrLen = 0;
      headersDone = false;
      status = 0;
      chunked = false;
      contentLength = -1;
      dec = null;
    }
  }

  // ------------------------------------------------------------------------------------------------ loop

  private final class Loop extends Thread implements SseParser.Listener {
    final Selector selector;
    final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    final ArrayDeque<Conn> toOpen = new ArrayDeque<>();
    final List<Conn> putConns = new ArrayList<>();
    final ByteBuffer buf = ByteBuffer.allocate(256 << 10);
    final LogHistogram hist = new LogHistogram();
    final AtomicLong ready = new AtomicLong();
    final AtomicLong putReady = new AtomicLong();
    final AtomicLong deliveries = new AtomicLong();
    final AtomicLong otherEvents = new AtomicLong();
    final AtomicLong comments = new AtomicLong();
    final AtomicLong closedByPeer = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong putsDone = new AtomicLong();
    final AtomicLong putErrors = new AtomicLong();
    int connecting;
    long now;
    boolean rec;
    volatile boolean running = true;

    Loop(int i) throws IOException {
      super("load-loop-" + i);
      setDaemon(true);
      selector = Selector.open();
    }

    void submit(Runnable r) {
      tasks.add(r);
      selector.wakeup();
    }

    @Override
    public void run() {
      try {
        while (running) {
          Runnable t;
          while ((t = tasks.poll()) != null) {
            t.run();
          }
          while (connecting < MAX_CONNECTING_PER_LOOP && !toOpen.isEmpty()) {
            connect(toOpen.poll());
          }
          selector.select(100);
          rec = recording;
          for (SelectionKey k : selector.selectedKeys()) {
            Conn c = (Conn) k.attachment();
            try {
              if (!k.isValid()) {
                continue;
              }
              if (k.isConnectable()) {
                c.ch.finishConnect();
                k.interestOps(SelectionKey.OP_READ);
                connected(c);
              } else {
                if (k.isWritable() && c.pending != null) {
                  write(c, c.pending);
                }
                if (k.isValid() && k.isReadable()) {
                  read(c);
                }
              }
            } catch (IOException | RuntimeException e) {
              failures.incrementAndGet();
              drop(c);
            }
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException e) {
        e.printStackTrace();
      } finally {
        for (SelectionKey k : selector.keys()) {
          try {
            k.channel().close();
          } catch (IOException ignored) {
            // closing anyway
          }
        }
        try {
          selector.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }

    void connect(Conn c) {
      try {
        c.ch = SocketChannel.open();
        c.ch.configureBlocking(false);
        c.ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (c.stall) {
          c.ch.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
        }
        connecting++;
        if (c.ch.connect(c.addr)) {
          c.key = c.ch.register(selector, SelectionKey.OP_READ, c);
          connected(c);
        } else {
          c.key = c.ch.register(selector, SelectionKey.OP_CONNECT, c);
        }
      } catch (IOException e) {
        failures.incrementAndGet();
        connecting--;
        try {
          c.ch.close();
        } catch (IOException ignored) {
          // failed anyway
        }
      }
    }

    void connected(Conn c) throws IOException {
      if (c.put) {
        putConns.add(c);
        connecting--;
        c.counted = true;
        putReady.incrementAndGet();
        if (putsActive) {
          sendPut(c);
        }
      } else {
        write(c, ByteBuffer.wrap(c.request));
      }
    }

    void write(Conn c, ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        if (c.ch.write(b) == 0) {
          c.pending = b;
          c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
          return;
        }
      }
      if (c.pending != null) {
        c.pending = null;
        c.key.interestOps(SelectionKey.OP_READ);
      }
    }

    void drop(Conn c) {
      if (!c.counted && !c.put) {
        connecting--;
        c.counted = true;
      }
      if (c.key != null) {
        c.key.cancel();
      }
      try {
        if (c.ch != null) {
          c.ch.close();
        }
      } catch (IOException ignored) {
        // dropped anyway
      }
      putConns.remove(c);
    }

    void read(Conn c) throws IOException {
      buf.clear();
      int n = c.ch.read(buf);
      if (n < 0) {
        closedByPeer.incrementAndGet();
        drop(c);
        return;
      }
      if (n == 0) {
        return;
      }
      now = PeerKit.nowMicros();
      byte[] a = buf.array();
      int off = 0;
      while (off < n) {
        if (!c.headersDone) {
          off = headers(c, a, off, n);
          if (!c.headersDone) {
            return;
          }
          if (!c.put) {
            if (c.status != 200) {
              throw new IOException("stream answered " + c.status);
            }
            c.parser = new SseParser(this);
            c.sink = c.parser::feed;
            if (!c.counted) {
              c.counted = true;
              connecting--;
              ready.incrementAndGet();
            }
            if (c.stall) {
              c.key.interestOps(0); // a reader that stops reading
              return;
            }
          }
        }
        if (c.put) {
          off = putBody(c, a, off, n);
        } else {
          if (c.chunked) {
            int end = c.dec.feed(a, off, n - off, c.sink);
            if (end >= 0) {
              closedByPeer.incrementAndGet();
              drop(c);
              return;
            }
          } else {
            c.parser.feed(a, off, n - off);
          }
          off = n;
        }
      }
    }

    /** Accumulates header bytes; returns the offset after the header block (or n). */
    int headers(Conn c, byte[] a, int off, int n) throws IOException {
      int i = off;
      while (i < n) {
        if (c.hdrLen == c.hdr.length) {
          throw new IOException("response header too large");
        }
        byte b = a[i++];
        c.hdr[c.hdrLen++] = b;
        int L = c.hdrLen;
        if (b == '\n' && L >= 4 && c.hdr[L - 2] == '\r' && c.hdr[L - 3] == '\n' && c.hdr[L - 4] == '\r') {
          parseHeaders(c);
          return i;
        }
      }
      return i;
    }

    void parseHeaders(Conn c) throws IOException {
      String h = new String(c.hdr, 0, c.hdrLen, StandardCharsets.ISO_8859_1);
      String[] lines = h.split("\r\n");
      String[] statusLine = lines[0].split(" ");
      if (statusLine.length < 2) {
        throw new IOException("bad status line " + lines[0]);
      }
      c.status = Integer.parseInt(statusLine[1]);
      for (int i = 1; i < lines.length; i++) {
        String l = lines[i].toLowerCase(java.util.Locale.ROOT);
        if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
          c.chunked = true;
          c.dec = new ChunkedDecoder();
        } else if (l.startsWith("content-length:")) {
          c.contentLength = Long.parseLong(l.substring(15).trim());
        }
      }
      c.headersDone = true;
    }

    int putBody(Conn c, byte[] a, int off, int n) throws IOException {
      int next;
      if (c.chunked) {
        int end = c.dec.feed(a, off, n - off, (b, o, l) -> { });
        if (end < 0) {
          return n;
        }
        next = end;
      } else {
        long take = Math.min(Math.max(0, c.contentLength), n - off);
        c.contentLength -= take;
        next = off + (int) take;
        if (c.contentLength > 0) {
          return n;
        }
      }
      if (c.status / 100 == 2) {
        putsDone.lazySet(putsDone.get() + 1);
      } else {
        putErrors.incrementAndGet();
      }
      c.inFlight = false;
      c.resetResponse();
      if (putsActive) {
        sendPut(c);
      }
      return next;
    }

    void kickPuts() {
      for (Conn c : new ArrayList<>(putConns)) {
        if (!c.inFlight) {
          try {
            sendPut(c);
          } catch (IOException e) {
            failures.incrementAndGet();
            drop(c);
          }
        }
      }
    }

    void sendPut(Conn c) throws IOException {
      long seq = c.putSeq++;
      String body = "{\"n\":" + seq + ",\"title\":\"benchmark value\",\"done\":false}";
      String req = c.putPrefix + (seq & 1023) + " HTTP/1.1\r\nHost: " + c.host
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
      c.inFlight = true;
      write(c, ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
    }

    // ---------------------------------------------------------------------------------------------- SSE listener

    @Override
    public void onEvent(byte[] event, int eventLen, byte[] data, int dataLen, byte[] id, int idLen) {
      long sent = SseParser.longField(data, dataLen, SENT);
      if (sent < 0) {
        otherEvents.lazySet(otherEvents.get() + 1);
        return;
      }
      deliveries.lazySet(deliveries.get() + 1);
      if (rec) {
        hist.record(Math.max(0, now - sent));
      }
    }

    @Override
    public void onComment() {
      comments.lazySet(comments.get() + 1);
    }
  }
}
