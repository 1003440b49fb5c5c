package dev.ren.bench.load;

/**
 * Incremental decoder of HTTP/1.1 chunked transfer coding: hands chunk payload bytes to a sink as they arrive and
 * reports the end of the body (the zero-size chunk and the trailer section).
 *
 * <p>Thread-safety: not thread-safe; one per connection.
 */
final class ChunkedDecoder {

  /** Receives payload bytes. */
  interface Sink {
    void accept(byte[] buf, int off, int len);
  }

  private enum State { SIZE, EXT, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER, TRAILER_LF, DONE }

  private State state = State.SIZE;
  private long remaining;
  private boolean sizeSeen;
  private int trailerLineLen;

  /** Consumes bytes; returns the index just after the body's end, or -1 when more is needed. */
  int feed(byte[] buf, int off, int len, Sink sink) {
    int end = off + len;
    int i = off;
    while (i < end) {
      switch (state) {
        case SIZE: {
          byte b = buf[i++];
          int d = Character.digit(b, 16);
          if (d >= 0) {
            remaining = remaining * 16 + d;
            sizeSeen = true;
          } else if (b == ';' || b == ' ' || b == '\t') {
            state = State.EXT;
          } else if (b == '\r') {
            state = State.SIZE_LF;
          } else if (b == '\n') {
            endOfSize();
          } else {
            throw new IllegalStateException("bad chunk size byte " + b);
          }
          break;
        }
        case EXT:
          if (buf[i++] == '\n') {
            endOfSize();
          }
          break;
        case SIZE_LF:
          if (buf[i++] != '\n') {
            throw new IllegalStateException("expected LF after chunk size");
          }
          endOfSize();
          break;
        case DATA: {
          int n = (int) Math.min(remaining, end - i);
          sink.accept(buf, i, n);
          i += n;
          remaining -= n;
          if (remaining == 0) {
            state = State.DATA_CR;
          }
          break;
        }
        case DATA_CR: {
          byte b = buf[i++];
          state = b == '\r' ? State.DATA_LF : State.SIZE;
          if (b == '\n') {
            state = State.SIZE;
          }
          break;
        }
        case DATA_LF:
          i++;
          state = State.SIZE;
          break;
        case TRAILER: {
          byte b = buf[i++];
          if (b == '\n') {
            if (trailerLineLen == 0) {
              state = State.DONE;
              return i;
            }
            trailerLineLen = 0;
          } else if (b != '\r') {
            trailerLineLen++;
          }
          break;
        }
        default:
          return i;
      }
    }
    return state == State.DONE ? i : -1;
  }

  private void endOfSize() {
    if (!sizeSeen) {
      throw new IllegalStateException("empty chunk size line");
    }
    sizeSeen = false;
    if (remaining == 0) {
      state = State.TRAILER;
      trailerLineLen = 0;
    } else {
      state = State.DATA;
    }
  }

  boolean done() {
    return state == State.DONE;
  }
}
