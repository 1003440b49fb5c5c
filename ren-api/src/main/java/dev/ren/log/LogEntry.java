package dev.ren.log;

/**
 * An event as recorded by an {@link EventLog}: its position, its opaque id (the SSE {@code id:}) and the
 * encoded event.
 *
 * <p>Thread-safety: immutable.
 */
public record LogEntry(Position position, String id, EncodedEvent encoded) {}
