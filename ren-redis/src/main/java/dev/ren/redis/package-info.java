/**
 * The multi-node event log on Redis Streams: {@link dev.ren.redis.RedisEventLog}. Everything else in this package
 * is an implementation detail.
 */
@NullMarked
package dev.ren.redis;

import org.jspecify.annotations.NullMarked;
