package dev.ren.bench.load;

import dev.ren.bench.shared.PeerKit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor of the load benchmark, not a peer: what one loopback write per event per stream costs on this machine
 * with no framework at all. A single selector thread accepts connections and answers the request line; the
 * publisher thread writes each event straight to every stream's socket ({@code SocketChannel.write}, non-blocking,
 * one chunked-encoded frame per write, the same bytes REN sends). A stream whose socket is full keeps the rest in a
 * per-stream queue that the selector thread flushes on {@code OP_WRITE}; over 1 MiB queued, it is closed.
 * There is no HTTP parsing beyond the request line, no heartbeat, no resume, no access check and no filter: every
 * real server does more per delivery than this.
 *
 * <p>"As fast as the server accepts" (rate 0) waits while any stream has bytes queued, as the peers' blocking
 * loops do.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.ren.bench.load.RawNioServer 18084}. Thread-safety: not applicable.
 */
public final class RawNioServer {

  private static final int MAX_QUEUED = 1 << 20;
  private static final byte[] SSE_HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

  /** One accepted connection. Thread-safety: {@code queue} is guarded by the instance lock. */
  static final class Stream {
    final SocketChannel ch;
    final Queue<ByteBuffer> queue = new ArrayDeque<>();
    volatile int queued; // written under the instance lock, read by the pacing loop without it
    volatile boolean closed;

    Stream(SocketChannel ch) {
      this.ch = ch;
    }
  }

  private final Selector selector;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final Queue<Stream> wantWrite = new ConcurrentLinkedQueue<>();
  private volatile boolean paced;
  private final PeerKit kit;

  private RawNioServer(int port) throws IOException {
    selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", port), 1000);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    kit = new PeerKit(this::broadcast, streams::size);
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18084;
    RawNioServer s = new RawNioServer(port);
    System.out.println("raw NIO floor on " + port);
    s.selectLoop();
  }

  // ------------------------------------------------------------------------------------------------ publishing

  private void broadcast(long seq, long sentMicros, long tsMillis, int pad) throws InterruptedException {
    if (!paced) {
      while (anyQueued()) { // rate 0: do not run ahead of the slowest stream, like a blocking send loop
        LockSupport.parkNanos(20_000);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    }
    String json = PeerKit.json(seq, sentMicros, tsMillis, pad);
    byte[] frame = ("id: " + seq + "\nevent: realtime.message\ndata: " + json + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
    byte[] size = (Integer.toHexString(frame.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] chunk = new byte[size.length + frame.length + 2];
    System.arraycopy(size, 0, chunk, 0, size.length);
    System.arraycopy(frame, 0, chunk, size.length, frame.length);
    chunk[chunk.length - 2] = '\r';
    chunk[chunk.length - 1] = '\n';
    for (Stream st : streams) {
      write(st, chunk);
    }
  }

  private boolean anyQueued() {
    for (Stream st : streams) {
      if (st.queued > 0 && !st.closed) {
        return true;
      }
    }
    return false;
  }

  private void write(Stream st, byte[] chunk) {
    synchronized (st) {
      if (st.closed) {
        return;
      }
      try {
        if (st.queue.isEmpty()) {
          ByteBuffer b = ByteBuffer.wrap(chunk);
          st.ch.write(b);
          if (!b.hasRemaining()) {
            return;
          }
          enqueue(st, b);
          wantWrite.add(st);
          selector.wakeup();
        } else {
          enqueue(st, ByteBuffer.wrap(chunk));
        }
      } catch (IOException e) {
        close(st);
      }
    }
  }

  private void enqueue(Stream st, ByteBuffer b) {
    st.queue.add(b);
    st.queued += b.remaining();
    if (st.queued > MAX_QUEUED) {
      close(st);
    }
  }

  private void close(Stream st) {
    st.closed = true;
    streams.remove(st);
    try {
      st.ch.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  // ------------------------------------------------------------------------------------------------ selector

  private void selectLoop() throws IOException {
    ByteBuffer in = ByteBuffer.allocate(8192);
    while (true) {
      selector.select();
      for (Stream st; (st = wantWrite.poll()) != null; ) {
        SelectionKey k = st.ch.keyFor(selector);
        if (k != null && k.isValid()) {
          k.interestOps(k.interestOps() | SelectionKey.OP_WRITE);
        }
      }
      Iterator<SelectionKey> it = selector.selectedKeys().iterator();
      while (it.hasNext()) {
        SelectionKey k = it.next();
        it.remove();
        try {
          if (!k.isValid()) {
            continue;
          }
          if (k.isAcceptable()) {
            SocketChannel ch = ((ServerSocketChannel) k.channel()).accept();
            if (ch != null) {
              ch.configureBlocking(false);
              ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
              ch.register(selector, SelectionKey.OP_READ, new StringBuilder());
            }
          } else if (k.attachment() instanceof StringBuilder req && k.isReadable()) {
            readRequest(k, (SocketChannel) k.channel(), req, in);
          } else if (k.attachment() instanceof Stream st) {
            if (k.isReadable()) {
              in.clear();
              if (st.ch.read(in) < 0) {
                synchronized (st) {
                  close(st);
                }
                k.cancel();
                continue;
              }
            }
            if (k.isValid() && k.isWritable()) {
              flushQueued(k, st);
            }
          }
        } catch (IOException e) {
          k.cancel();
          if (k.attachment() instanceof Stream st) {
            synchronized (st) {
              close(st);
            }
          } else {
            k.channel().close();
          }
        }
      }
    }
  }

  private void flushQueued(SelectionKey k, Stream st) throws IOException {
    synchronized (st) {
      while (!st.queue.isEmpty()) {
        ByteBuffer b = st.queue.peek();
        int n = st.ch.write(b);
        st.queued -= n;
        if (b.hasRemaining()) {
          return;
        }
        st.queue.poll();
      }
      k.interestOps(SelectionKey.OP_READ);
    }
  }

  private void readRequest(SelectionKey k, SocketChannel ch, StringBuilder req, ByteBuffer in) throws IOException {
    in.clear();
    int n = ch.read(in);
    if (n < 0) {
      k.cancel();
      ch.close();
      return;
    }
    req.append(new String(in.array(), 0, n, StandardCharsets.ISO_8859_1));
    if (req.indexOf("\r\n\r\n") < 0) {
      if (req.length() > 16384) {
        k.cancel();
        ch.close();
      }
      return;
    }
    String line = req.substring(0, req.indexOf("\r\n"));
    String[] parts = line.split(" ");
    String target = parts.length > 1 ? parts[1] : "/";
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    if (path.equals("/sse")) {
      Stream st = new Stream(ch);
      k.attach(st);
      ch.write(ByteBuffer.wrap(SSE_HEADERS)); // a fresh socket takes 100 bytes
      streams.add(st);
      return;
    }
    int status = 200;
    String body;
    if (path.startsWith("/bench/")) {
      Map<String, String> params = new HashMap<>();
      if (q >= 0) {
        for (String kv : target.substring(q + 1).split("&")) {
          int eq = kv.indexOf('=');
          if (eq > 0) {
            params.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
      }
      String op = path.substring("/bench/".length());
      if (op.equals("publish")) {
        paced = Double.parseDouble(params.getOrDefault("rate", "0")) > 0;
      }
      try {
        body = kit.control(op, params);
      } catch (IllegalArgumentException e) {
        status = 400;
        body = "{\"error\":\"bad_request\"}";
      }
    } else {
      status = 404;
      body = "{\"error\":\"not_found\"}";
    }
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.wrap(("HTTP/1.1 " + status + (status == 200 ? " OK" : " Error")
        + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n"
        + body).getBytes(StandardCharsets.UTF_8));
    for (int spins = 0; out.hasRemaining() && spins < 1000; spins++) {
      ch.write(out); // a short answer on a fresh socket: the kernel takes it at once
    }
    k.cancel();
    ch.close();
  }
}
