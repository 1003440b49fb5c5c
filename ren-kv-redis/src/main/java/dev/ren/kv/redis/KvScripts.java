package dev.ren.kv.redis;

/**
 * The Lua scripts of {@link RedisKvBackend}; each runs atomically in Redis, on Redis's clock ({@code TIME}), so
 * nodes with skewed clocks agree on every deadline. Keys (all under the backend's prefix {@code P}):
 * <ul>
 *   <li>{@code P v}: the version counter, one for the store (so versions increase across nodes);</li>
 *   <li>{@code P n}, {@code P b}: entries and bytes held, for the bounds;</li>
 *   <li>{@code P d}: sorted set of entry ids by deadline (milliseconds), swept by every node;</li>
 *   <li>{@code P e:<id>}: hash of one entry: {@code v} version, {@code j} JSON text, {@code w} bytes charged,
 *       {@code x} deadline (absent without TTL);</li>
 *   <li>{@code P i:<scope>}: sorted set (score 0, ordered by the key's bytes) of the keys of one namespace in one
 *       tenant, for listing.</li>
 * </ul>
 * An id is {@code <tenant>/<namespace>/<key>} ({@code /<namespace>/<key>} in the default tenant); tenants and
 * namespaces cannot contain {@code /}, so the first two slashes delimit the scope.
 *
 * <p>Thread-safety: constants only.
 */
final class KvScripts {

  private KvScripts() {
  }

  /** Common head: P, id, the entry's hash, its index and key, and now. */
  private static final String HEAD = """
      local P, id = ARGV[1], ARGV[2]
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local h = P .. 'e:' .. id
      local s1 = string.find(id, '/', 1, true)
      local s2 = string.find(id, '/', s1 + 1, true)
      local idx = P .. 'i:' .. string.sub(id, 1, s2 - 1)
      local key = string.sub(id, s2 + 1)
      local function drop(w)
        redis.call('DEL', h)
        redis.call('ZREM', idx, key)
        redis.call('ZREM', P .. 'd', id)
        redis.call('DECR', P .. 'n')
        redis.call('DECRBY', P .. 'b', w)
      end
      """;

  /**
   * ARGV: P, id, json, ttl ms (0: none), weight, max entries, max bytes. Returns {status, a, b, expiredVersion}:
   * {0, version, deadline|nil, ..} stored; {1, entries, nil, ..} refused (entries); {2, bytes, needed, ..}
   * refused (bytes). expiredVersion is the version of an entry past its deadline that this put removed (and so
   * must announce), or nil.
   */
  static final String PUT = HEAD + """
      local old = redis.call('HMGET', h, 'v', 'x', 'w')
      local expired = false
      local replaces = false
      if old[1] then
        if old[2] and tonumber(old[2]) <= now then
          expired = tonumber(old[1])
          drop(old[3])
        else
          replaces = true
        end
      end
      local w = tonumber(ARGV[5])
      local delta = w
      if replaces then delta = w - tonumber(old[3]) end
      local n = tonumber(redis.call('GET', P .. 'n') or '0')
      if not replaces and n >= tonumber(ARGV[6]) then return {1, n, false, expired} end
      local b = tonumber(redis.call('GET', P .. 'b') or '0')
      if delta > 0 and b + delta > tonumber(ARGV[7]) then return {2, b, delta, expired} end
      local v = redis.call('INCR', P .. 'v')
      local ttl = tonumber(ARGV[4])
      redis.call('DEL', h)
      local x = false
      if ttl > 0 then
        x = now + ttl
        redis.call('HSET', h, 'v', v, 'j', ARGV[3], 'w', w, 'x', x)
        redis.call('ZADD', P .. 'd', x, id)
      else
        redis.call('HSET', h, 'v', v, 'j', ARGV[3], 'w', w)
        redis.call('ZREM', P .. 'd', id)
      end
      redis.call('ZADD', idx, 0, key)
      if not replaces then redis.call('INCR', P .. 'n') end
      redis.call('INCRBY', P .. 'b', delta)
      return {0, v, x, expired}
      """;

  /** ARGV: P, id. Returns {} when absent or past its deadline, else {version, json, deadline|nil}. */
  static final String GET = """
      local P, id = ARGV[1], ARGV[2]
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local e = redis.call('HMGET', P .. 'e:' .. id, 'v', 'j', 'x')
      if not e[1] or (e[3] and tonumber(e[3]) <= now) then return {} end
      return {tonumber(e[1]), e[2], e[3] and tonumber(e[3])}
      """;

  /**
   * ARGV: P, id. Returns {} when absent; {1, version} when it was past its deadline (removed here as an expiry,
   * to announce); {0, version, json, deadline|nil} when a live entry was removed.
   */
  static final String REMOVE = HEAD + """
      local e = redis.call('HMGET', h, 'v', 'j', 'x', 'w')
      if not e[1] then return {} end
      drop(e[4])
      if e[3] and tonumber(e[3]) <= now then return {1, tonumber(e[1])} end
      return {0, tonumber(e[1]), e[2], e[3] and tonumber(e[3])}
      """;

  /**
   * ARGV: P, limit. Claims and removes up to limit entries past their deadline; returns {id, version, ...}. Only
   * the node whose call removed an entry gets it back, so each expiry is announced once in the whole cluster.
   */
  static final String SWEEP = """
      local P = ARGV[1]
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local due = redis.call('ZRANGEBYSCORE', P .. 'd', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
      local out = {}
      for _, id in ipairs(due) do
        local h = P .. 'e:' .. id
        local e = redis.call('HMGET', h, 'v', 'x', 'w')
        redis.call('ZREM', P .. 'd', id)
        if e[1] and e[2] then
          if tonumber(e[2]) <= now then
            local s1 = string.find(id, '/', 1, true)
            local s2 = string.find(id, '/', s1 + 1, true)
            redis.call('DEL', h)
            redis.call('ZREM', P .. 'i:' .. string.sub(id, 1, s2 - 1), string.sub(id, s2 + 1))
            redis.call('DECR', P .. 'n')
            redis.call('DECRBY', P .. 'b', e[3])
            out[#out + 1] = id
            out[#out + 1] = tonumber(e[1])
          else
            redis.call('ZADD', P .. 'd', tonumber(e[2]), id)
          end
        end
      end
      return out
      """;

  /**
   * ARGV: P, scope, prefix, start (a ZRANGEBYLEX bound), limit, max members to look at. Returns
   * {{key, deadline|nil, ...}, next} where next is the key to continue after, or nil on the last page. Entries past
   * their deadline are skipped (the sweep removes them).
   */
  static final String LIST = """
      local P, scope, prefix, start = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
      local limit, maxScan = tonumber(ARGV[5]), tonumber(ARGV[6])
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local idx = P .. 'i:' .. scope
      local out = {}
      local count, scanned = 0, 0
      local last = false
      while true do
        local batch = redis.call('ZRANGEBYLEX', idx, start, '+', 'LIMIT', 0, limit + 1)
        for _, k in ipairs(batch) do
          if string.sub(k, 1, #prefix) ~= prefix then return {out, false} end
          local x = redis.call('HMGET', P .. 'e:' .. scope .. '/' .. k, 'v', 'x')
          if x[1] and not (x[2] and tonumber(x[2]) <= now) then
            if count == limit then return {out, last} end
            out[#out + 1] = k
            out[#out + 1] = x[2] and tonumber(x[2])
            count = count + 1
          end
          last = k
          scanned = scanned + 1
          if scanned >= maxScan then return {out, last} end
        end
        if #batch < limit + 1 then return {out, false} end
        start = '(' .. batch[#batch]
      end
      """;
}
