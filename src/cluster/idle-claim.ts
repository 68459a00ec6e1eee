import { RedisReplyError } from '../errors.js';
import type { HeldEntries } from './held-entries.js';
import { describeReply, LuaScript, type RedisCommandSender } from './script-runner.js';
import { parseEntries, type StreamEntry } from './stream-reply.js';

/**
 * KEYS: events. ARGV: group, consumer, ids… Claims each id for the consumer (which counts as a delivery) and reads
 * its delivery counter in the same step. → {id, fields, deliveries} per id still in the stream
 */
const CLAIM = new LuaScript(
  'claim-entries',
  `
local out = {}
for i = 3, #ARGV do
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], '0', ARGV[i])[1]
  if claimed then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
    out[#out + 1] = {claimed[1], claimed[2], pending and pending[4] or 1}
  end
end
return out
`,
);

export interface ClaimedEntry {
  entry: StreamEntry;
  /** How often it was delivered in the group, this delivery included. */
  deliveries: number;
}

export interface ClaimPage {
  /** XAUTOCLAIM's next cursor; `0-0` when the scan is complete. */
  cursor: string;
  /** Entries claimed for delivery: idle past claimIdle and not held by this consumer. */
  claimed: ClaimedEntry[];
  /** Pending ids that were trimmed from the stream before the group acknowledged them. */
  deleted: string[];
}

export interface ClaimTarget {
  events: string;
  group: string;
  consumer: string;
  claimIdle: number;
  count: number;
}

/**
 * One XAUTOCLAIM page. It claims with JUSTID first, which moves the idle entries to us without counting a
 * delivery: an entry this consumer still holds (its refresh was late) must neither be delivered again nor have its
 * counter raised. Only the others are then claimed as a delivery, and marked held.
 */
export async function claimIdlePage(redis: RedisCommandSender, target: ClaimTarget, held: HeldEntries, cursor: string): Promise<ClaimPage> {
  const reply = await redis.sendCommand([
    'XAUTOCLAIM', target.events, target.group, target.consumer, String(target.claimIdle), cursor, 'COUNT', String(target.count), 'JUSTID',
  ]);
  const page = parseAutoClaimIds(reply);
  const fresh = held.take(page.ids, (id) => id);
  if (fresh.length === 0) return { cursor: page.cursor, claimed: [], deleted: page.deleted };
  let claimed: ClaimedEntry[];
  try {
    claimed = parseClaimed(await CLAIM.run(redis, [target.events], [target.group, target.consumer, ...fresh]));
  } catch (error) {
    for (const id of fresh) held.release(id);
    throw error;
  }
  // Trimmed between the two steps: nothing left to deliver.
  const found = new Set(claimed.map(({ entry }) => entry.id));
  for (const id of fresh) if (!found.has(id)) held.release(id);
  return { cursor: page.cursor, claimed, deleted: page.deleted };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined);

/** XAUTOCLAIM … JUSTID: `[next cursor, ids, deleted ids]`. */
export function parseAutoClaimIds(reply: unknown): { cursor: string; ids: string[]; deleted: string[] } {
  if (!Array.isArray(reply) || reply.length < 2 || !Array.isArray(reply[1])) throw new RedisReplyError('xautoclaim', `expected [cursor, ids, deleted], got ${describeReply(reply)}`);
  const cursor = text(reply[0]);
  if (cursor === undefined) throw new RedisReplyError('xautoclaim', 'no cursor');
  const ids = (reply[1] as unknown[]).map(text).filter((id): id is string => id !== undefined);
  const deleted = Array.isArray(reply[2]) ? (reply[2] as unknown[]).map(text).filter((id): id is string => id !== undefined) : [];
  return { cursor, ids, deleted };
}

function parseClaimed(reply: unknown): ClaimedEntry[] {
  if (!Array.isArray(reply)) throw new RedisReplyError('claim-entries', `expected entries, got ${describeReply(reply)}`);
  return reply.flatMap((item: unknown) => {
    const [entry] = parseEntries('claim-entries', [item]);
    if (!entry) return [];
    const deliveries = Number((item as unknown[])[2]);
    return [{ entry, deliveries: Number.isSafeInteger(deliveries) && deliveries > 0 ? deliveries : 1 }];
  });
}
