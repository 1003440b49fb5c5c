/**
 * Realtime channels and presence: {@link dev.ren.realtime.Realtime} publishes {@code realtime.message} events,
 * keeps opt-in channel history, and tracks presence members whose life is tied to their clients' SSE streams.
 */
@NullMarked
package dev.ren.realtime;

import org.jspecify.annotations.NullMarked;
