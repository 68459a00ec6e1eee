import { createHash } from 'node:crypto';
import { RedisReplyError } from '../errors.js';

/**
 * The one thing the lease needs from a Redis client: send a raw command. node-redis' `sendCommand` fits as it is,
 * so users can hand in their own connected client (ioredis: `(args) => redis.call(...args)`).
 */
export interface RedisCommandSender {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A Lua script sent by hash (EVALSHA) and, once per Redis process that has not seen it yet, in full. */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(readonly name: string, source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisCommandSender, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await redis.sendCommand(['EVALSHA', this.#sha, ...tail]);
    } catch (error) {
      // A restarted (or flushed) Redis has an empty script cache: send the script itself once.
      if (!isNoScript(error)) throw error;
      return redis.sendCommand(['EVAL', this.#source, ...tail]);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && /NOSCRIPT/i.test(error.message);
}

/** Reads an integer reply (node-redis gives a number; other clients may give a string). */
export function integerReply(operation: string, reply: unknown): number {
  const value = typeof reply === 'string' && /^-?\d+$/.test(reply) ? Number(reply) : reply;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new RedisReplyError(operation, `expected an integer, got ${describeReply(reply)}`);
  return value;
}

/** Reads a bulk-string reply. */
export function stringReply(operation: string, reply: unknown): string {
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  throw new RedisReplyError(operation, `expected a string, got ${describeReply(reply)}`);
}

/** A short, printable description: a reply could be anything, and it ends up in a log line. */
export function describeReply(reply: unknown): string {
  if (reply === null || reply === undefined) return String(reply);
  if (Array.isArray(reply)) return `an array of ${reply.length}`;
  if (typeof reply === 'string') return `"${reply.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}"`;
  return typeof reply;
}
