package dev.ren.hub;

import dev.ren.RenEvent;

/**
 * The second name of a storage event written under both names: the event under its table name and the frame of
 * each name alone. The entry's own frame holds both frames, table name first.
 *
 * <p>Thread-safety: immutable.
 */
final class Alias {
  /** The event under its table name ({@code storage.put} / {@code storage.delete}). */
  final RenEvent tableEvent;
  final byte[] tableFrame;
  final byte[] objectFrame;

  Alias(RenEvent tableEvent, byte[] tableFrame, byte[] objectFrame) {
    this.tableEvent = tableEvent;
    this.tableFrame = tableFrame;
    this.objectFrame = objectFrame;
  }

  long bytes() {
    return (long) tableFrame.length + objectFrame.length;
  }
}
