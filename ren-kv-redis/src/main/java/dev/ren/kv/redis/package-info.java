/**
 * The KV store on Redis, for several nodes sharing one store: {@link dev.ren.kv.redis.RedisKvBackend}. Everything
 * else in this package is an implementation detail.
 */
@NullMarked
package dev.ren.kv.redis;

import org.jspecify.annotations.NullMarked;
