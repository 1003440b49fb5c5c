package dev.ren.db;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * How the embedded H2 file of {@link DocumentStore#h2} is written so that an acknowledged commit survives
 * {@code kill -9} and the file stays proportional to the live data.
 *
 * <p><b>Durability.</b> With {@code WRITE_DELAY=0} H2 2.5 writes each commit as a new chunk before the commit
 * returns, and a crash of the JVM keeps everything written (the operating system has it). But by default H2 also
 * <em>reuses the space of dead chunks</em> for new ones, and its recovery after a crash does not always find the
 * newest chunks when they went into reused space: a crash test lost the last acknowledged writes in 6 of 10 runs
 * when dead space was reused at once ({@code RETENTION_TIME=0}), and in 2 of 4 runs after the default 45 s
 * retention had passed (which is why short tests never saw it). So space is never reused in place
 * ({@link MVStore#setReuseSpace}{@code (false)}): every chunk is appended, and recovery finds it. The setting is not
 * persisted, so it is applied to the open database and the database is kept open by {@link #anchor} for the
 * store's life (H2 would close and reopen it with default settings when its last connection closed).
 *
 * <p><b>Disk.</b> Appending alone grows the file by a chunk per commit (and with reuse, H2 grew it ~13 KB per
 * update anyway: partly dead chunks are only compacted by H2's background writer, which {@code WRITE_DELAY=0}
 * turns off). So once the file is more than twice its size after the last compaction plus {@link #SLACK_BYTES}
 * (checked every {@link #CHECK_EVERY} commits), the committing thread that sees it first compacts the file
 * ({@link MVStore#compactFile}: live chunks moved to the front, the end cut off, the header rewritten), for at most
 * {@link #COMPACT_MILLIS} ms, holding H2's store lock, so no commit writes a chunk meanwhile. The file thus stays under about twice the live data plus {@link #SLACK_BYTES}.
 * {@code RETENTION_TIME=0} lets compaction drop dead chunks at once.
 *
 * <p>Thread-safety: thread-safe; at most one thread compacts at a time and writers never wait for it.
 */
final class H2FileStore {

  /** Commits between two looks at the file size. */
  static final int CHECK_EVERY = 16;
  /** Growth allowed beyond twice the compacted size before the file is compacted again. */
  static final long SLACK_BYTES = 1L << 20;
  /** Longest time one compaction may take. */
  static final int COMPACT_MILLIS = 200;

  private static final System.Logger LOG = System.getLogger(H2FileStore.class.getName());

  private final Connection anchor;
  private final MVStore mvStore;
  private final AtomicLong commits = new AtomicLong();
  /** The file size at which to compact next; written under {@link #compacting}. */
  private volatile long compactAt;
  private final ReentrantLock compacting = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();

  private H2FileStore(Connection anchor, MVStore mvStore) {
    this.anchor = anchor;
    this.mvStore = mvStore;
    this.compactAt = 2 * mvStore.getFileStore().size() + SLACK_BYTES;
  }

  /** Opens the database of {@code dataSource} (an embedded H2 file) and sets it up as the class describes. */
  static H2FileStore attach(DataSource dataSource) throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      MVStore mv = ((SessionLocal) c.unwrap(JdbcConnection.class).getSession()).getDatabase().getStore()
          .getMvStore();
      mv.setReuseSpace(false);
      return new H2FileStore(c, mv);
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Called after each committed write; compacts the file when it outgrew the live data (see the class). */
  void afterCommit() {
    if (commits.incrementAndGet() % CHECK_EVERY == 0 && mvStore.getFileStore().size() > compactAt) {
      compact();
    }
  }

  /** Compacts the file now unless another thread is at it (for tests and {@link #afterCommit}). */
  void compact() {
    if (closed.get() || !compacting.tryLock()) {
      return;
    }
    try {
      // compactFile does nothing while space reuse is off; turned on only inside the store lock, where no commit
      // can write a chunk, and off again before the lock is released
      mvStore.executeFilestoreOperation(() -> {
        mvStore.setReuseSpace(true);
        try {
          mvStore.compactFile(COMPACT_MILLIS);
        } finally {
          mvStore.setReuseSpace(false);
        }
      });
      compactAt = 2 * mvStore.getFileStore().size() + SLACK_BYTES;
    } catch (RuntimeException e) {
      // the data is safe either way; the file just stays larger until the next try
      LOG.log(System.Logger.Level.WARNING, "compacting the H2 file failed", e);
    } finally {
      compacting.unlock();
    }
  }

  /** Releases the connection that keeps the database open; idempotent. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        anchor.close();
      } catch (SQLException e) {
        LOG.log(System.Logger.Level.WARNING, "closing the H2 anchor connection failed", e);
      }
    }
  }
}
