package dev.ren.realtime.redis;

/**
 * The Lua scripts of {@link RedisRealtimeBackend}; each runs atomically in Redis, on Redis's clock ({@code TIME})
 * for retention and heartbeats, so nodes with skewed clocks agree. A channel key {@code ck} is
 * {@code <tenant>/<channel>} ({@code /<channel>} in the default tenant; neither may contain {@code /} or a line
 * break). Keys, all under the backend's prefix {@code P}:
 * <ul>
 *   <li>{@code P c:<ck>}: hash of a channel with recent messages: {@code s} its last sequence number, {@code t} the
 *       time of its last message;</li>
 *   <li>{@code P hz:<ck>}: sorted set of the sequence numbers held in its history; {@code P hm:<ck>}: hash of the
 *       messages: {@code d<seq>} the message, {@code i<seq>} its event id once published, {@code c<seq>} its cost;</li>
 *   <li>{@code P hg}: sorted set of every held message ({@code <ck>\n<seq>}) in the order stored, with
 *       {@code P hgc} its counter and {@code P hbytes} the cost of all: the total bound drops the oldest first;</li>
 *   <li>{@code P cd}: sorted set of channels by the deadline of their retention, swept by every node;
 *       {@code P ca:<tenant>}: sorted set of a tenant's channels by the time of their last message;</li>
 *   <li>{@code P sl}: hash of the live channels, {@code ck} → 1 (messages) + 2 (members): the channel bound;</li>
 *   <li>{@code P pj:<ck>}: sorted set of a channel's members in join order ({@code P pjc} the counter);
 *       {@code P pu:<ck>\n<user>}: hash of a member: {@code m} metadata, {@code o} owner ({@code ""}: anonymous),
 *       {@code s} last seen, {@code k} how many nodes hold it, {@code n<node>} one field per holding node;
 *       {@code P pa:<tenant>}: set of a tenant's channels with members; {@code P pc}, {@code P pb}: members and
 *       metadata bytes of all channels;</li>
 *   <li>{@code P nodes}: set of the nodes that hold members; {@code P node:<id>}: a node's heartbeat, a key with a
 *       TTL; {@code P pn:<id>}: set of the members ({@code <ck>\n<user>}) a node holds.</li>
 * </ul>
 *
 * <p>Thread-safety: constants only.
 */
final class RealtimeScripts {

  private RealtimeScripts() {
  }

  private static final String HEAD = """
      local P = ARGV[1]
      local function now_ms()
        local t = redis.call('TIME')
        return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      end
      local function split(ck)
        local s = string.find(ck, '/', 1, true)
        return string.sub(ck, 1, s - 1), string.sub(ck, s + 1)
      end
      local function acquire(ck, bit, max)
        local v = tonumber(redis.call('HGET', P .. 'sl', ck) or '0')
        if v == 0 then
          if redis.call('HLEN', P .. 'sl') >= max then return false end
          redis.call('HSET', P .. 'sl', ck, bit)
        elseif v % (bit * 2) < bit then
          redis.call('HSET', P .. 'sl', ck, v + bit)
        end
        return true
      end
      local function release(ck, bit)
        local v = tonumber(redis.call('HGET', P .. 'sl', ck) or '0')
        if v % (bit * 2) >= bit then v = v - bit end
        if v == 0 then redis.call('HDEL', P .. 'sl', ck) else redis.call('HSET', P .. 'sl', ck, v) end
      end
      local function dropmsg(ck, seq)
        local hm = P .. 'hm:' .. ck
        local cost = tonumber(redis.call('HGET', hm, 'c' .. seq) or '0')
        redis.call('HDEL', hm, 'd' .. seq, 'i' .. seq, 'c' .. seq)
        redis.call('ZREM', P .. 'hz:' .. ck, seq)
        redis.call('DECRBY', P .. 'hbytes', cost)
      end
      local function dropmember(ck, user, meta)
        local tenant, channel = split(ck)
        local pj = P .. 'pj:' .. ck
        redis.call('DEL', P .. 'pu:' .. ck .. '\\n' .. user)
        redis.call('ZREM', pj, user)
        redis.call('DECR', P .. 'pc')
        redis.call('DECRBY', P .. 'pb', #meta)
        if redis.call('ZCARD', pj) == 0 then
          redis.call('SREM', P .. 'pa:' .. tenant, channel)
          release(ck, 2)
        end
      end
      """;

  /**
   * ARGV: P, ck, tenant, channel, history limit (0: none), history retention ms, channel retention ms, max
   * channels, max history bytes, message, cost. Returns {seq} (0 without history), or {-1} when the channel is new
   * and the channel bound is reached (nothing changed).
   */
  static final String APPEND = HEAD + """
      local ck, tenant, channel = ARGV[2], ARGV[3], ARGV[4]
      local limit = tonumber(ARGV[5])
      local now = now_ms()
      local c = P .. 'c:' .. ck
      if redis.call('EXISTS', c) == 0 then
        if not acquire(ck, 1, tonumber(ARGV[8])) then return {-1} end
      end
      redis.call('HSET', c, 't', now)
      local seq = 0
      local deadline
      if limit > 0 then
        seq = redis.call('HINCRBY', c, 's', 1)
        local hm, hz = P .. 'hm:' .. ck, P .. 'hz:' .. ck
        redis.call('HSET', hm, 'd' .. seq, ARGV[10], 'c' .. seq, ARGV[11])
        redis.call('ZADD', hz, seq, seq)
        redis.call('ZADD', P .. 'hg', redis.call('INCR', P .. 'hgc'), ck .. '\\n' .. seq)
        redis.call('INCRBY', P .. 'hbytes', tonumber(ARGV[11]))
        while redis.call('ZCARD', hz) > limit do
          local first = redis.call('ZRANGE', hz, 0, 0)[1]
          redis.call('ZREM', P .. 'hg', ck .. '\\n' .. first)
          dropmsg(ck, first)
        end
        local max = tonumber(ARGV[9])
        while tonumber(redis.call('GET', P .. 'hbytes') or '0') > max do
          local o = redis.call('ZPOPMIN', P .. 'hg')
          if #o == 0 then break end
          local nl = string.find(o[1], '\\n', 1, true)
          dropmsg(string.sub(o[1], 1, nl - 1), string.sub(o[1], nl + 1))
        end
        deadline = now + tonumber(ARGV[6])
      else
        deadline = now + tonumber(ARGV[7])
      end
      redis.call('ZADD', P .. 'cd', deadline, ck)
      redis.call('ZADD', P .. 'ca:' .. tenant, now, channel)
      return {seq}
      """;

  /** ARGV: P, ck, seq, id. Records the event id of a held message. */
  static final String PUBLISHED = """
      local hm = ARGV[1] .. 'hm:' .. ARGV[2]
      if redis.call('HEXISTS', hm, 'd' .. ARGV[3]) == 1 then redis.call('HSET', hm, 'i' .. ARGV[3], ARGV[4]) end
      return {}
      """;

  /**
   * ARGV: P, ck, after, limit, max page bytes. Returns {lastSeq, truncated (0|1), seq, message, id|nil, ...}.
   */
  static final String HISTORY = """
      local P, ck = ARGV[1], ARGV[2]
      local after, limit, maxPage = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
      local hz, hm = P .. 'hz:' .. ck, P .. 'hm:' .. ck
      local seq = tonumber(redis.call('HGET', P .. 'c:' .. ck, 's') or '0')
      local first = redis.call('ZRANGE', hz, 0, 0)
      local firstHeld = seq + 1
      if first[1] then firstHeld = tonumber(first[1]) end
      local truncated = 0
      if after + 1 < firstHeld or after > seq then truncated = 1 end
      local out = {seq, truncated}
      local bytes = 0
      for _, s in ipairs(redis.call('ZRANGEBYSCORE', hz, '(' .. ARGV[3], '+inf', 'LIMIT', 0, limit)) do
        local v = redis.call('HMGET', hm, 'd' .. s, 'i' .. s, 'c' .. s)
        if v[1] then
          out[#out + 1] = tonumber(s)
          out[#out + 1] = v[1]
          out[#out + 1] = v[2]
          bytes = bytes + tonumber(v[3] or '0')
          if bytes >= maxPage then break end
        end
      end
      return out
      """;

  /** ARGV: P, tenant, channel retention ms. Returns the tenant's recent channels and channels with members. */
  static final String CHANNELS = HEAD + """
      local tenant = ARGV[2]
      local since = now_ms() - tonumber(ARGV[3])
      local out = redis.call('ZRANGEBYSCORE', P .. 'ca:' .. tenant, '(' .. since, '+inf')
      for _, ch in ipairs(redis.call('SMEMBERS', P .. 'pa:' .. tenant)) do out[#out + 1] = ch end
      return out
      """;

  /** ARGV: P, limit. Drops up to limit channels past their retention; returns how many. */
  static final String SWEEP_CHANNELS = HEAD + """
      local due = redis.call('ZRANGEBYSCORE', P .. 'cd', '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
      for _, ck in ipairs(due) do
        redis.call('ZREM', P .. 'cd', ck)
        local tenant, channel = split(ck)
        for _, s in ipairs(redis.call('ZRANGE', P .. 'hz:' .. ck, 0, -1)) do
          redis.call('ZREM', P .. 'hg', ck .. '\\n' .. s)
          dropmsg(ck, s)
        end
        redis.call('DEL', P .. 'c:' .. ck, P .. 'hm:' .. ck, P .. 'hz:' .. ck)
        redis.call('ZREM', P .. 'ca:' .. tenant, channel)
        release(ck, 1)
      end
      return {#due}
      """;

  /**
   * ARGV: P, ck, tenant, channel, user, metadata, owner ("" anonymous), create (0|1), node, max members, max
   * members per channel, max presence bytes, max channels, ts. Returns {0} absent, {1} created, {2, old metadata}
   * updated, {-1} maxMembers, {-2} maxMembersPerChannel, {-3} maxPresenceBytes, {-4} maxChannels, {-5} owned by
   * another user (nothing changed on a negative answer).
   */
  static final String JOIN = HEAD + """
      local ck, tenant, channel, user, meta, owner, node = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[9]
      local ref = ck .. '\\n' .. user
      local u = P .. 'pu:' .. ref
      local pj = P .. 'pj:' .. ck
      local old = redis.call('HMGET', u, 'm', 'o')
      local function holdby()
        if redis.call('HSETNX', u, 'n' .. node, 1) == 1 then redis.call('HINCRBY', u, 'k', 1) end
        redis.call('SADD', P .. 'pn:' .. node, ref)
      end
      if not old[1] then
        if ARGV[8] == '0' then return {0} end
        if tonumber(redis.call('GET', P .. 'pc') or '0') >= tonumber(ARGV[10]) then return {-1} end
        local n = redis.call('ZCARD', pj)
        if n >= tonumber(ARGV[11]) then return {-2} end
        if tonumber(redis.call('GET', P .. 'pb') or '0') + #meta > tonumber(ARGV[12]) then return {-3} end
        if n == 0 and not acquire(ck, 2, tonumber(ARGV[13])) then return {-4} end
        redis.call('HSET', u, 'm', meta, 'o', owner, 's', ARGV[14])
        holdby()
        redis.call('ZADD', pj, redis.call('INCR', P .. 'pjc'), user)
        redis.call('SADD', P .. 'pa:' .. tenant, channel)
        redis.call('INCR', P .. 'pc')
        redis.call('INCRBY', P .. 'pb', #meta)
        return {1}
      end
      if old[2] ~= '' and old[2] ~= owner then return {-5} end
      local grown = #meta - #old[1]
      if grown > 0 and tonumber(redis.call('GET', P .. 'pb') or '0') + grown > tonumber(ARGV[12]) then return {-3} end
      local o = old[2]
      if o == '' then o = owner end
      redis.call('HSET', u, 'm', meta, 'o', o, 's', ARGV[14])
      holdby()
      redis.call('INCRBY', P .. 'pb', grown)
      return {2, old[1]}
      """;

  /**
   * ARGV: P, ck, user, node. Returns {0} when the node did not hold it, {2} when other nodes still hold it, {3,
   * metadata} when it left.
   */
  static final String RELEASE = HEAD + """
      local ck, user, node = ARGV[2], ARGV[3], ARGV[4]
      local ref = ck .. '\\n' .. user
      local u = P .. 'pu:' .. ref
      redis.call('SREM', P .. 'pn:' .. node, ref)
      if redis.call('HDEL', u, 'n' .. node) == 0 then return {0} end
      if redis.call('HINCRBY', u, 'k', -1) > 0 then return {2} end
      local meta = redis.call('HGET', u, 'm')
      dropmember(ck, user, meta)
      return {3, meta}
      """;

  /**
   * ARGV: P, ck, user, caller ("" anonymous). Returns {0} absent, {-5} owned by another user, {3, metadata}
   * removed.
   */
  static final String REMOVE = HEAD + """
      local ck, user = ARGV[2], ARGV[3]
      local ref = ck .. '\\n' .. user
      local u = P .. 'pu:' .. ref
      local old = redis.call('HMGET', u, 'm', 'o')
      if not old[1] then return {0} end
      if old[2] ~= '' and old[2] ~= ARGV[4] then return {-5} end
      for _, f in ipairs(redis.call('HKEYS', u)) do
        if string.sub(f, 1, 1) == 'n' then redis.call('SREM', P .. 'pn:' .. string.sub(f, 2), ref) end
      end
      dropmember(ck, user, old[1])
      return {3, old[1]}
      """;

  /** ARGV: P, ck. Returns {user, metadata, last seen, ...} in join order. */
  static final String MEMBERS = """
      local P, ck = ARGV[1], ARGV[2]
      local out = {}
      for _, user in ipairs(redis.call('ZRANGE', P .. 'pj:' .. ck, 0, -1)) do
        local v = redis.call('HMGET', P .. 'pu:' .. ck .. '\\n' .. user, 'm', 's')
        if v[1] then
          out[#out + 1] = user
          out[#out + 1] = v[1]
          out[#out + 1] = tonumber(v[2] or '0')
        end
      end
      return out
      """;

  /** ARGV: P, node, ttl ms. Returns {1} if the heartbeat was still alive, {0} if it had lapsed (or is new). */
  static final String HEARTBEAT = """
      local P, node = ARGV[1], ARGV[2]
      local k = P .. 'node:' .. node
      local had = redis.call('EXISTS', k)
      redis.call('SET', k, '1', 'PX', tonumber(ARGV[3]))
      redis.call('SADD', P .. 'nodes', node)
      return {had}
      """;

  /** ARGV: P, node. Ends a node's heartbeat (a clean stop): the others sweep its members at once. */
  static final String GOODBYE = """
      redis.call('DEL', ARGV[1] .. 'node:' .. ARGV[2])
      return {}
      """;

  /**
   * ARGV: P, limit. Claims up to limit members held by nodes whose heartbeat lapsed (SPOP: each claimed by one
   * caller only) and removes those no live node holds; returns {tenant, channel, user, metadata, ...} of the members
   * that left, each to exactly one caller in the cluster.
   */
  static final String SWEEP_NODES = HEAD + """
      local limit = tonumber(ARGV[2])
      local out = {}
      for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
        if redis.call('EXISTS', P .. 'node:' .. n) == 0 then
          local refs = redis.call('SPOP', P .. 'pn:' .. n, limit)
          for _, ref in ipairs(refs) do
            local u = P .. 'pu:' .. ref
            if redis.call('HDEL', u, 'n' .. n) == 1 and redis.call('HINCRBY', u, 'k', -1) <= 0 then
              local meta = redis.call('HGET', u, 'm') or ''
              local nl = string.find(ref, '\\n', 1, true)
              local ck, user = string.sub(ref, 1, nl - 1), string.sub(ref, nl + 1)
              local tenant, channel = split(ck)
              dropmember(ck, user, meta)
              out[#out + 1] = tenant
              out[#out + 1] = channel
              out[#out + 1] = user
              out[#out + 1] = meta
            end
          end
          if redis.call('SCARD', P .. 'pn:' .. n) == 0 then redis.call('SREM', P .. 'nodes', n) end
          if #refs >= limit then return out end
        end
      end
      return out
      """;
}
