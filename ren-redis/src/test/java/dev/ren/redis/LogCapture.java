package dev.ren.redis;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what the log writes to its {@link System.Logger} (backed by java.util.logging in these tests, as no other
 * logger finder is on the test class path) while open.
 */
final class LogCapture implements AutoCloseable {

  /** Held strongly: java.util.logging keeps loggers only weakly. */
  private final Logger logger = Logger.getLogger(RedisEventLog.class.getName());
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(r.getMessage());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  LogCapture() {
    logger.addHandler(handler);
  }

  /** Warnings (and worse) logged so far. */
  List<String> warnings() {
    return List.copyOf(warnings);
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
  }
}
