package dev.ren.db;

/**
 * What an update did: documents matched, and documents actually changed (a no-op update matches but does not
 * modify, and publishes nothing).
 *
 * <p>Thread-safety: immutable.
 */
public record UpdateResult(long matched, long modified) {}
