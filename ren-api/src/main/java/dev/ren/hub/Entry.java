package dev.ren.hub;

import dev.ren.RenEvent;
import dev.ren.log.Position;
import org.jspecify.annotations.Nullable;

/**
 * One slot of the ring: an event encoded once, shared by every subscriber.
 *
 * <p>Thread-safety: immutable; published to readers through the ring's volatile head.
 */
final class Entry {
  final long index;
  final Position position;
  final String id;
  final RenEvent event;
  /** Its frame; for a storage event with an {@link #alias}, both frames (table name, then object name). */
  final byte[] frame;
  /** The storage event's table name and single frames, when it is written under both names; else null. */
  final @Nullable Alias alias;
  /** Total frame bytes ingested up to and including this entry (for lag accounting). */
  final long endOffset;
  /** Total bytes held up to and including this entry: frames plus estimated payload trees (for the ring bound). */
  final long heldOffset;

  Entry(long index, Position position, String id, RenEvent event, byte[] frame, @Nullable Alias alias,
      long endOffset, long heldOffset) {
    this.index = index;
    this.position = position;
    this.id = id;
    this.event = event;
    this.frame = frame;
    this.alias = alias;
    this.endOffset = endOffset;
    this.heldOffset = heldOffset;
  }
}
