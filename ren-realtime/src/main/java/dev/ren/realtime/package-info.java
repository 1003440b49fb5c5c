/**
 * Realtime channels and presence: {@link dev.ren.realtime.Realtime} publishes {@code realtime.message} events,
 * keeps opt-in channel history, and tracks presence members whose life is tied to their clients' SSE streams.
 * Payloads and metadata are kept as compact JSON text: {@link dev.ren.realtime.ChannelMessage},
 * {@link dev.ren.realtime.ChannelHistory} and {@link dev.ren.realtime.PresenceMember} hold them parsed,
 * {@link dev.ren.realtime.StoredMessage}, {@link dev.ren.realtime.StoredHistory} and
 * {@link dev.ren.realtime.StoredMember} as stored, for readers that write them out without building trees.
 * {@link dev.ren.realtime.RealtimeBackend} is the SPI for sharing sequences, history and presence between several
 * nodes (ren-realtime-redis); without one, everything lives in the process.
 */
@NullMarked
package dev.ren.realtime;

import org.jspecify.annotations.NullMarked;
