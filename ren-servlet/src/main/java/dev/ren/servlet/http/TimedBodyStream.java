package dev.ren.servlet.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body stream held to {@link RequestBodyLimits}: each read that returns bytes and leaves more to come
 * checks the body's deadline and rate, and throws {@code 408 request_timeout} (an {@link HttpError}) when one is
 * broken. For raw-bytes routes that stream a body (a blob upload) instead of reading it whole.
 *
 * <p>Thread-safety: confined to the request's thread, like the stream it wraps.
 */
final class TimedBodyStream extends FilterInputStream {

  private final RequestBodyLimits.Deadline deadline;
  private final long declared;
  private long received;

  TimedBodyStream(InputStream in, RequestBodyLimits.Deadline deadline, long declared) {
    super(in);
    this.deadline = deadline;
    this.declared = declared;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      counted(1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      counted(n);
    }
    return n;
  }

  private void counted(int n) {
    received += n;
    if (received != declared) {
      deadline.check(received);
    }
  }
}
