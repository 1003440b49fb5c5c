package dev.ren.realtime;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One user present on a channel, as returned by {@link Realtime#members}.
 *
 * <p>Thread-safety: immutable (the metadata node is a private copy; do not modify it).
 *
 * @param userId   the user
 * @param metadata the metadata of the latest join or update ({@code {}} when none was given)
 * @param lastSeen unix milliseconds of the latest join or update
 */
public record PresenceMember(String userId, JsonNode metadata, long lastSeen) {}
