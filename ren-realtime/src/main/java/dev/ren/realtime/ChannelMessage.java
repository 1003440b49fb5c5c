package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * One message published on a channel, as returned by {@link Realtime#publish} and {@link Realtime#history}.
 *
 * <p>Thread-safety: immutable (do not modify the data node).
 *
 * @param channel the channel
 * @param seq     the channel sequence number (1, 2, 3, ... per channel) on channels with history, else 0. On
 *                history channels the {@code realtime.message} event carries it as {@code v}, so a client can
 *                join history and live stream without gaps or duplicates.
 * @param id      the event id the publisher assigned (the SSE {@code id:}); null for a message in the history whose
 *                event could not be published (it was recorded, see {@link dev.ren.AppliedButNotPublishedException}).
 *                Never null in what {@link Realtime#publish} returns.
 * @param ts      unix milliseconds
 * @param data    the payload, or null
 * @param userId  the sender, or null
 * @param src     the client id of the request that published it, or null
 */
public record ChannelMessage(
    String channel, long seq, @Nullable String id, long ts, @Nullable JsonNode data, @Nullable String userId,
    @Nullable String src) {}
