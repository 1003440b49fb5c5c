package dev.ren.log;

import dev.ren.RenEvent;

/**
 * An event together with its compact JSON encoding, produced once by the publisher and carried unchanged
 * through the log, so no subscriber, node or replay ever serialises the event again.
 *
 * <p>Thread-safety: immutable by contract; the byte array must never be modified.
 *
 * @param event the event (stamped with {@code ts} and {@code src})
 * @param json  its JSON, UTF-8, exactly as it appears on the {@code data:} line
 */
public record EncodedEvent(RenEvent event, byte[] json) {}
