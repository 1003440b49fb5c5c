/**
 * Realtime on Redis: {@link dev.ren.realtime.redis.RedisRealtimeBackend} keeps channel sequence numbers, history,
 * live channels and presence members in Redis, shared by every node, with node heartbeats so that the members of a
 * node that died leave on the others.
 */
@NullMarked
package dev.ren.realtime.redis;

import org.jspecify.annotations.NullMarked;
