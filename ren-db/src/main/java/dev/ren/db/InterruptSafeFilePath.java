package dev.ren.db;

import org.h2.store.fs.FileBaseDefault;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;
import org.h2.store.fs.FileUtils;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * H2's file system {@code ren-file:}: the database file through an {@link AsynchronousFileChannel} whose operations
 * run on the calling thread. An interrupt closes a {@link FileChannel} that is in the middle of an operation, and
 * with it the whole embedded database, for every caller (RELIABILITY 24, {@code InterruptDuringWriteTest}); an
 * asynchronous channel is not interruptible. H2's own {@code async:} does the same on the JDK's shared pool for
 * asynchronous channels, whose threads would start in (and outlive for a minute) a web application that opens a
 * store; running each operation on the calling thread starts no thread at all. Same file, same format.
 *
 * <p>Not part of REN's API: public only because H2 creates instances of it by reflection.
 *
 * <p>Thread-safety: as H2's file systems; one file is used by H2 under its own locking.
 */
public final class InterruptSafeFilePath extends FilePathWrapper {

  static final String SCHEME = "ren-file";
  private static final AtomicBoolean REGISTERED = new AtomicBoolean();

  /** For H2 (it copies the registered instance by reflection). */
  public InterruptSafeFilePath() {}

  /** Registers the scheme with H2, once per class loader. */
  static void register() {
    if (REGISTERED.compareAndSet(false, true)) {
      FilePath.register(new InterruptSafeFilePath());
    }
  }

  @Override
  public FileChannel open(String mode) throws IOException {
    return new InterruptSafeFile(name.substring(SCHEME.length() + 1), mode);
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  /** One open file: H2's {@code FileAsync}, with the channel's work done by the caller. */
  private static final class InterruptSafeFile extends FileBaseDefault {
    private final String name;
    private final AsynchronousFileChannel channel;

    InterruptSafeFile(String name, String mode) throws IOException {
      this.name = name;
      this.channel = AsynchronousFileChannel.open(Paths.get(name), FileUtils.modeToOptions(mode), CallerRuns.INSTANCE,
          FileUtils.NO_ATTRIBUTES);
    }

    /** The result of a future that is complete when returned (the caller ran it); an interrupt is kept. */
    private static <T> T complete(Future<T> future) throws IOException {
      boolean interrupted = false;
      try {
        while (true) {
          try {
            return future.get();
          } catch (InterruptedException e) {
            interrupted = true;
          } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    protected void implCloseChannel() throws IOException {
      channel.close();
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return complete(channel.read(dst, position));
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return complete(channel.write(src, position));
    }

    @Override
    protected void implTruncate(long newLength) throws IOException {
      channel.truncate(newLength);
    }

    @Override
    public void force(boolean metaData) throws IOException {
      channel.force(metaData);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return channel.tryLock(position, size, shared);
    }

    @Override
    public String toString() {
      return SCHEME + ":" + name;
    }
  }

  /** Runs every task on the thread that submits it; never shuts down (it holds no thread). */
  private static final class CallerRuns extends AbstractExecutorService {
    static final CallerRuns INSTANCE = new CallerRuns();

    @Override
    public void execute(Runnable task) {
      task.run();
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return false;
    }
  }
}
