package dev.ren.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * An open read of one object (or of a byte range of it): the object's {@link BlobInfo} as it was when the read
 * was opened and a stream of exactly {@link #length()} bytes starting at {@link #offset()}. The stream reads
 * the version described by {@link #info()} even if the object is replaced or deleted meanwhile. Close it.
 *
 * <p>Thread-safety: not thread-safe; use from one thread.
 */
public final class BlobRead implements Closeable {
  private final BlobInfo info;
  private final long offset;
  private final long length;
  private final InputStream stream;

  BlobRead(BlobInfo info, long offset, long length, InputStream stream) {
    this.info = info;
    this.offset = offset;
    this.length = length;
    this.stream = stream;
  }

  public BlobInfo info() {
    return info;
  }

  /** First byte served. */
  public long offset() {
    return offset;
  }

  /** Number of bytes {@link #stream()} yields. */
  public long length() {
    return length;
  }

  /** Whether this read covers only part of the object. */
  public boolean isPartial() {
    return offset != 0 || length != info.size();
  }

  public InputStream stream() {
    return stream;
  }

  @Override
  public void close() throws IOException {
    stream.close();
  }
}
