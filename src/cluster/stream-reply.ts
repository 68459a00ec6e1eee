import { RedisReplyError } from '../errors.js';
import { describeReply } from './script-runner.js';

/** One stream entry: its id and its fields (a field given twice keeps the first, as a consumer would read it). */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined);

/** `[id, [field, value, …]]` entries, as XRANGE, XCLAIM and XAUTOCLAIM give them; nil entries (deleted) are dropped. */
export function parseEntries(operation: string, reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) throw new RedisReplyError(operation, `expected stream entries, got ${describeReply(reply)}`);
  const entries: StreamEntry[] = [];
  for (const item of reply) {
    if (item === null) continue;
    if (!Array.isArray(item) || item.length < 2) throw new RedisReplyError(operation, `expected an entry, got ${describeReply(item)}`);
    const id = text(item[0]);
    const list: unknown = item[1];
    if (id === undefined) throw new RedisReplyError(operation, 'an entry without an id');
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    if (Array.isArray(list)) {
      for (let i = 0; i + 1 < list.length; i += 2) {
        const name = text(list[i]);
        const value = text(list[i + 1]);
        if (name !== undefined && value !== undefined && !(name in fields)) fields[name] = value;
      }
    }
    entries.push({ id, fields });
  }
  return entries;
}

/** XREADGROUP / XREAD: `[[stream, entries]]` (RESP2) or `{stream: entries}` (RESP3), nil when the block ran out. */
export function parseReadReply(operation: string, reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) return reply.flatMap((stream: unknown) => (Array.isArray(stream) ? parseEntries(operation, stream[1]) : []));
  if (typeof reply === 'object') return Object.values(reply as Record<string, unknown>).flatMap((entries) => parseEntries(operation, entries));
  throw new RedisReplyError(operation, `expected streams, got ${describeReply(reply)}`);
}

/** XAUTOCLAIM: `[next cursor, entries, deleted ids]`. */
export function parseAutoClaim(reply: unknown): { cursor: string; entries: StreamEntry[]; deleted: string[] } {
  if (!Array.isArray(reply) || reply.length < 2) throw new RedisReplyError('xautoclaim', `expected [cursor, entries, deleted], got ${describeReply(reply)}`);
  const cursor = text(reply[0]);
  if (cursor === undefined) throw new RedisReplyError('xautoclaim', 'no cursor');
  const deleted = Array.isArray(reply[2]) ? reply[2].map(text).filter((id): id is string => id !== undefined) : [];
  return { cursor, entries: parseEntries('xautoclaim', reply[1]), deleted };
}

/** XPENDING with a range: `[[id, consumer, idle ms, deliveries], …]` → id → deliveries. */
export function parsePendingCounts(reply: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  if (!Array.isArray(reply)) throw new RedisReplyError('xpending', `expected pending entries, got ${describeReply(reply)}`);
  for (const item of reply) {
    if (!Array.isArray(item)) continue;
    const id = text(item[0]);
    const deliveries = Number(item[3]);
    if (id !== undefined && Number.isSafeInteger(deliveries)) counts.set(id, deliveries);
  }
  return counts;
}
