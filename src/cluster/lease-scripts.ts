/**
 * The Lua scripts behind the lease. Each runs atomically on the Redis server that also holds the stream, which is
 * what makes "append only while I hold the lease" a real fencing check rather than a hope about timing.
 * Every key a script touches carries the subscription's hash tag, so each script stays in one Cluster slot.
 */

/** Redis server time in ms: the floor of a new fencing token, so tokens still grow after Redis lost its data. */
const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: lease, fence, state. ARGV: replicaId, ttlMs. → {1, token, prev-state..., era} | {0, holder|false, pttl, era|false, liveSince|false}
 * The era is the Redis time the lease state was first written: it changes only when Redis lost its data, which
 * tells an ex-holder that its successor could not read its last sign of life.
 */
export const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
  return {0, current, redis.call('PTTL', KEYS[1]), redis.call('HGET', KEYS[3], 'era'), redis.call('HGET', KEYS[3], 'liveSince')}
end
${NOW_MS}
local fence = tonumber(redis.call('GET', KEYS[2]) or '0')
if fence < now then redis.call('SET', KEYS[2], string.format('%d', now)) end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
local previous = redis.call('HGETALL', KEYS[3])
redis.call('HSETNX', KEYS[3], 'era', now)
redis.call('HSET', KEYS[3], 'holder', ARGV[1], 'token', token, 'acquiredAt', now)
redis.call('HDEL', KEYS[3], 'liveSince')
return {1, token, previous, redis.call('HGET', KEYS[3], 'era')}
`;

/** KEYS: lease, state. ARGV: lease value, ttlMs, lastAliveAt ('' = unchanged). → 1 | 0 */
export const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'lastAliveAt', ARGV[3]) end
return 1
`;

/** KEYS: lease. ARGV: lease value, minimum remaining ms. → 1 | 0 */
export const CHECK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then return 0 end
return 1
`;

/** KEYS: lease, state. ARGV: lease value, field, value. Sets `field` (and lastAliveAt) only while ours. → 1 | 0 */
export const MARK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3], 'lastAliveAt', ARGV[3])
return 1
`;

/**
 * KEYS: lease, events, seen marker, state. ARGV: lease value, event, key, replica, token, receivedAt, minId, dedupeTtlMs.
 * → stream id | 'fenced' | 'duplicate'
 */
export const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'fenced' end
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[8]) then return 'duplicate' end
local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[7], '*',
  'event', ARGV[2], 'key', ARGV[3], 'replica', ARGV[4], 'token', ARGV[5], 'receivedAt', ARGV[6])
redis.call('HSET', KEYS[4], 'lastAliveAt', ARGV[6])
return id
`;

/**
 * {@link PUBLISH} for a batch in one script run: the lease is read once and the batch is all fenced or all
 * written, in order. KEYS: lease, events, state, then one seen marker per entry. ARGV: lease value, replica,
 * token, minId, dedupeTtlMs, then event, key, receivedAt per entry. → one stream id or 'duplicate' per entry | 'fenced'
 */
export const PUBLISH_BATCH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'fenced' end
local results = {}
local last = nil
for i = 4, #KEYS do
  local at = 6 + (i - 4) * 3
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[5]) then
    results[#results + 1] = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[4], '*',
      'event', ARGV[at], 'key', ARGV[at + 1], 'replica', ARGV[2], 'token', ARGV[3], 'receivedAt', ARGV[at + 2])
  else
    results[#results + 1] = 'duplicate'
  end
  last = ARGV[at + 2]
end
if last then redis.call('HSET', KEYS[3], 'lastAliveAt', last) end
return results
`;

/**
 * KEYS: lease, outages, marker. ARGV: lease value ('' = not fenced), minId, markerTtlMs, then field/value pairs.
 * → stream id | 'fenced' | 'duplicate'. Unfenced recording is for gaps nobody held the lease through (Redis itself
 * was unavailable); the marker keeps a retry of an attempt that timed out but did run from storing it twice.
 */
export const RECORD_OUTAGE = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'fenced' end
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[3]) then return 'duplicate' end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
return redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[2], '*', unpack(fields))
`;

/** KEYS: lease, state. ARGV: lease value, wake channel, replicaId. → 1 | 0 */
export const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
${NOW_MS}
redis.call('HSET', KEYS[2], 'releasedAt', now)
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`;
