package dev.ren.db;

/** How many documents a delete removed. Thread-safety: immutable. */
public record DeleteResult(long deleted) {}
