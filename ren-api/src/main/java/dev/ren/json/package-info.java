/**
 * The one JSON codec for REN events ({@link dev.ren.json.EventJson}), used by the SSE framing, the Java client and
 * the Redis event log alike.
 *
 * <p>Jackson in REN's public API: {@link com.fasterxml.jackson.databind.JsonNode} (event payloads, documents, KV
 * values, realtime data) and {@link com.fasterxml.jackson.databind.node.ObjectNode} are the only Jackson types in
 * public signatures. No module exposes an {@code ObjectMapper}: each keeps a private one, configured once.
 */
@NullMarked
package dev.ren.json;

import org.jspecify.annotations.NullMarked;
