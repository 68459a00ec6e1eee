import { RedisReplyError } from '../errors.js';
import { describeReply, LuaScript, type RedisCommandSender } from './script-runner.js';

/**
 * KEYS: events. ARGV: group, consumer, ids… Resets the idle time of those ids that are still pending on this
 * consumer (JUSTID: the delivery counter stays as it is). An id another consumer claimed in the meantime (we were
 * stalled past claimIdle) is left with it rather than taken back: that one is working on it now. → the ids refreshed
 */
const REFRESH = new LuaScript(
  'refresh-held',
  `
local ids = {}
for i = 3, #ARGV do
  local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if entry and entry[2] == ARGV[2] then ids[#ids + 1] = ARGV[i] end
end
if #ids == 0 then return {} end
local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], '0'}
for _, id in ipairs(ids) do args[#args + 1] = id end
args[#args + 1] = 'JUSTID'
return redis.call(unpack(args))
`,
);

/** Lua's unpack has a stack limit: refresh in slices well below it. */
const SLICE = 500;

/**
 * The entry ids a consumer holds: read or claimed, and not acknowledged, dead-lettered or given up yet. Its claim
 * round never delivers one of them a second time, and {@link refresh} keeps other consumers of the group from
 * claiming them while this one is alive and working: only a crashed or stalled consumer's entries go idle.
 */
export class HeldEntries {
  readonly #ids = new Set<string>();

  get size(): number {
    return this.#ids.size;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Marks the items not held yet as held and returns those, in their order; ones held already are left out. */
  take<T>(items: readonly T[], idOf: (item: T) => string): T[] {
    const taken: T[] = [];
    for (const item of items) {
      const id = idOf(item);
      if (this.#ids.has(id)) continue;
      this.#ids.add(id);
      taken.push(item);
    }
    return taken;
  }

  release(id: string): void {
    this.#ids.delete(id);
  }

  /** Resets the idle time of every held id still pending on `consumer`; returns how many were refreshed. */
  async refresh(redis: RedisCommandSender, events: string, group: string, consumer: string): Promise<number> {
    const ids = [...this.#ids];
    let refreshed = 0;
    for (let at = 0; at < ids.length; at += SLICE) {
      const reply = await REFRESH.run(redis, [events], [group, consumer, ...ids.slice(at, at + SLICE)]);
      if (!Array.isArray(reply)) throw new RedisReplyError('refresh-held', `expected ids, got ${describeReply(reply)}`);
      refreshed += reply.length;
    }
    return refreshed;
  }
}
