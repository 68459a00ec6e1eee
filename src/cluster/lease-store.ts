import { RedisReplyError } from '../errors.js';
import type { SubscriptionKeys } from './keys.js';
import * as scripts from './lease-scripts.js';
import { describeReply, integerReply, LuaScript, stringReply, type RedisCommandSender } from './script-runner.js';

/** A fencing token: a decimal integer that only grows, also across a Redis restart that lost the data. */
export type FencingToken = string;

/** What the previous holder left in `P:{S}:state`; the successor dates a failover outage from it. */
export interface HolderState {
  holder?: string;
  token?: FencingToken;
  /** Epoch ms (Redis time) the lease was acquired. */
  acquiredAt?: number;
  /** Epoch ms the holder's Zoom connection went live. */
  liveSince?: number;
  /** Epoch ms of the last frame or event that really reached the holder's Zoom socket. */
  lastAliveAt?: number;
  /** Epoch ms (Redis time) the holder released the lease on a planned stop. */
  releasedAt?: number;
}

export type AcquireResult =
  | { acquired: true; token: FencingToken; previous: HolderState; era: string }
  | {
      acquired: false;
      holder: string | undefined;
      /** The holder's fencing token: with `holder`, names its term. */
      holderToken: FencingToken | undefined;
      ttlMs: number;
      /** The era of the lease state now: another value than at our own acquisition means Redis lost its data since. */
      era: string | undefined;
      /** Epoch ms the current holder's Zoom connection went live, once it has. */
      holderLiveSince: number | undefined;
    };

/** `fenced`: the publisher no longer holds the lease, nothing was written. `duplicate`: stored before. */
export type PublishResult = 'published' | 'duplicate' | 'fenced';

export interface PublishEntry {
  /** The inner event JSON exactly as Zoom sent it. */
  event: string;
  /** {@link idempotencyKey} of `event`. */
  key: string;
  /** Epoch ms the leader received it. */
  receivedAt: number;
}

export interface OutageEntry {
  from: number;
  to: number;
  reason: string;
  detail: string;
  /** The replica that held the subscription before the gap, when another one ends it. */
  previousHolder?: string;
}

export interface LeaseStoreOptions {
  replicaId: string;
  /** Lease time to live, ms. */
  leaseTtl: number;
  /** Stream entries older than this (by stream id time) are trimmed, ms. */
  retentionMs: number;
  /** How long a stored event's key keeps a repeat out of the stream, ms. Default: {@link DEFAULT_DEDUPE_TTL}. */
  dedupeTtlMs?: number;
}

/** Long enough for any rotation or handover overlap, short enough that markers cost little memory. */
export const DEFAULT_DEDUPE_TTL = 60 * 60_000;

const ACQUIRE = new LuaScript('acquire', scripts.ACQUIRE);
const RENEW = new LuaScript('renew', scripts.RENEW);
const CHECK = new LuaScript('check', scripts.CHECK);
const MARK = new LuaScript('mark', scripts.MARK);
const PUBLISH = new LuaScript('publish', scripts.PUBLISH);
const PUBLISH_BATCH = new LuaScript('publish-batch', scripts.PUBLISH_BATCH);
const RECORD_OUTAGE = new LuaScript('record-outage', scripts.RECORD_OUTAGE);
const RELEASE = new LuaScript('release', scripts.RELEASE);

/**
 * The lease of one subscription and the fenced writes that go with it. Every method is one atomic script; a
 * method that answers `false` or `fenced` means the caller does not (or no longer) hold the lease.
 */
export class LeaseStore {
  readonly #redis: RedisCommandSender;
  readonly #keys: SubscriptionKeys;
  readonly #replicaId: string;
  readonly #ttl: string;
  readonly #retentionMs: number;
  readonly #dedupeTtl: string;

  constructor(redis: RedisCommandSender, keys: SubscriptionKeys, options: LeaseStoreOptions) {
    if (options.replicaId.includes('|')) throw new RedisReplyError('lease', 'a replica id must not contain "|"');
    this.#redis = redis;
    this.#keys = keys;
    this.#replicaId = options.replicaId;
    this.#ttl = String(Math.max(1, Math.round(options.leaseTtl)));
    this.#retentionMs = options.retentionMs;
    this.#dedupeTtl = String(Math.max(1, Math.round(options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL)));
  }

  get replicaId(): string {
    return this.#replicaId;
  }

  /** Takes the lease if nobody holds it; the new token exceeds every earlier one. */
  async acquire(): Promise<AcquireResult> {
    const k = this.#keys;
    const reply = await ACQUIRE.run(this.#redis, [k.lease, k.fence, k.state], [this.#replicaId, this.#ttl]);
    if (!Array.isArray(reply)) throw new RedisReplyError('acquire', `unexpected reply ${describeReply(reply)}`);
    const acquired = integerReply('acquire', reply[0]) === 1;
    if (reply.length !== (acquired ? 4 : 5)) throw new RedisReplyError('acquire', `unexpected reply ${describeReply(reply)}`);
    if (acquired) {
      return { acquired, token: String(integerReply('acquire', reply[1])), previous: holderStateOf(reply[2]), era: stringReply('acquire', reply[3]) };
    }
    const [holder, holderToken] = absent(reply[1]) ? [] : stringReply('acquire', reply[1]).split('|');
    const era = absent(reply[3]) ? undefined : stringReply('acquire', reply[3]);
    const liveSince = absent(reply[4]) ? undefined : Number(stringReply('acquire', reply[4]));
    return { acquired, holder, holderToken, ttlMs: integerReply('acquire', reply[2]), era, holderLiveSince: Number.isFinite(liveSince) ? liveSince : undefined };
  }

  /** Extends the lease if it is still ours; `lastAliveAt` records the last frame that reached our socket. */
  async renew(token: FencingToken, lastAliveAt?: number): Promise<boolean> {
    const args = [this.#value(token), this.#ttl, lastAliveAt === undefined ? '' : String(lastAliveAt)];
    return this.#yes('renew', await RENEW.run(this.#redis, [this.#keys.lease, this.#keys.state], args));
  }

  /** Ours, with at least `minRemainingMs` left: safe to dial Zoom now. */
  async check(token: FencingToken, minRemainingMs: number): Promise<boolean> {
    const args = [this.#value(token), String(Math.max(0, Math.round(minRemainingMs)))];
    return this.#yes('check', await CHECK.run(this.#redis, [this.#keys.lease], args));
  }

  /** Records that our Zoom connection went live at `at`. */
  async markLive(token: FencingToken, at: number): Promise<boolean> {
    return this.#mark(token, 'liveSince', at);
  }

  /** Records a frame or event that reached our socket at `at`. */
  async touch(token: FencingToken, at: number): Promise<boolean> {
    return this.#mark(token, 'lastAliveAt', at);
  }

  /** Appends one event if we hold the lease and it is not stored yet; trims entries past the retention. */
  async publish(token: FencingToken, entry: PublishEntry): Promise<PublishResult> {
    return publishResult(await PUBLISH.run(this.#redis, this.#publishKeys(entry.key), this.#publishArgs(token, entry)));
  }

  /**
   * {@link publish} for a batch in one script run: one round trip and one lease check for all, in order. The batch
   * is either fenced as a whole or written entry by entry (each `published` or `duplicate`).
   */
  async publishMany(token: FencingToken, entries: readonly PublishEntry[]): Promise<PublishResult[]> {
    if (entries.length === 0) return [];
    const k = this.#keys;
    const keys = [k.lease, k.events, k.state, ...entries.map((entry) => k.seenPrefix + entry.key)];
    const args = [this.#value(token), this.#replicaId, token, this.#minId(), this.#dedupeTtl];
    for (const entry of entries) args.push(entry.event, entry.key, String(entry.receivedAt));
    const reply = await PUBLISH_BATCH.run(this.#redis, keys, args);
    if (reply === 'fenced') return entries.map(() => 'fenced');
    if (!Array.isArray(reply) || reply.length !== entries.length) throw new RedisReplyError('publish', `expected ${entries.length} results, got ${describeReply(reply)}`);
    return reply.map(publishResult);
  }

  /**
   * Appends an outage once: a repeat of the same outage by this replica (a retry after a timeout) is not stored
   * again. With a token it is fenced like a publish (`false` = not ours any more); `null` records it unconditionally.
   */
  async recordOutage(token: FencingToken | null, outage: OutageEntry): Promise<boolean> {
    const fields = ['from', String(outage.from), 'to', String(outage.to), 'reason', outage.reason, 'detail', outage.detail, 'replica', this.#replicaId];
    if (outage.previousHolder !== undefined) fields.push('previousHolder', outage.previousHolder);
    const marker = `${this.#keys.seenPrefix}outage:${this.#replicaId}:${outage.from}:${outage.to}:${outage.reason}`;
    const args = [token === null ? '' : this.#value(token), this.#minId(), String(Math.max(1, Math.round(this.#retentionMs))), ...fields];
    const reply = await RECORD_OUTAGE.run(this.#redis, [this.#keys.lease, this.#keys.outages, marker], args);
    return stringReply('record-outage', reply) !== 'fenced';
  }

  /** Gives the lease up if it is ours and wakes the standbys (a hint; they also poll). */
  async release(token: FencingToken): Promise<boolean> {
    const args = [this.#value(token), this.#keys.wake, this.#replicaId];
    return this.#yes('release', await RELEASE.run(this.#redis, [this.#keys.lease, this.#keys.state], args));
  }

  #value(token: FencingToken): string {
    return `${this.#replicaId}|${token}`;
  }

  #minId(): string {
    return `${Math.max(0, Date.now() - this.#retentionMs)}-0`;
  }

  #publishKeys(key: string): string[] {
    return [this.#keys.lease, this.#keys.events, this.#keys.seenPrefix + key, this.#keys.state];
  }

  #publishArgs(token: FencingToken, entry: PublishEntry): string[] {
    return [this.#value(token), entry.event, entry.key, this.#replicaId, token, String(entry.receivedAt), this.#minId(), this.#dedupeTtl];
  }

  async #mark(token: FencingToken, field: 'liveSince' | 'lastAliveAt', at: number): Promise<boolean> {
    const reply = await MARK.run(this.#redis, [this.#keys.lease, this.#keys.state], [this.#value(token), field, String(at)]);
    return this.#yes('mark', reply);
  }

  #yes(operation: string, reply: unknown): boolean {
    const value = integerReply(operation, reply);
    if (value !== 0 && value !== 1) throw new RedisReplyError(operation, `expected 0 or 1, got ${value}`);
    return value === 1;
  }
}

/** A Lua `false` (a nil from GET/HGET) arrives as null. */
function absent(value: unknown): boolean {
  return value === null || value === undefined;
}

function publishResult(reply: unknown): PublishResult {
  const value = stringReply('publish', reply);
  if (value === 'fenced' || value === 'duplicate') return value;
  if (!/^\d+-\d+$/.test(value)) throw new RedisReplyError('publish', `expected a stream id, got ${describeReply(reply)}`);
  return 'published';
}

const NUMERIC_FIELDS = new Set(['acquiredAt', 'liveSince', 'lastAliveAt', 'releasedAt']);

/** HGETALL as a flat [field, value, …] array (RESP2) or a map (RESP3). Unknown or bad fields are ignored. */
function holderStateOf(reply: unknown): HolderState {
  const pairs: [unknown, unknown][] = Array.isArray(reply)
    ? Array.from({ length: Math.floor(reply.length / 2) }, (_, i) => [reply[2 * i], reply[2 * i + 1]])
    : reply !== null && typeof reply === 'object' ? Object.entries(reply) : [];
  const state: Record<string, string | number> = {};
  for (const [field, raw] of pairs) {
    if (typeof field !== 'string' || (typeof raw !== 'string' && typeof raw !== 'number')) continue;
    if (NUMERIC_FIELDS.has(field)) {
      const value = Number(raw);
      if (Number.isFinite(value)) state[field] = value;
    } else if (field === 'holder' || field === 'token') {
      state[field] = String(raw);
    }
  }
  return state as HolderState;
}

/** Lives in protocol/ so the forwarder shares it without loading cluster code; re-exported for `zoom-ws/cluster`. */
export { idempotencyKey } from '../protocol/idempotency-key.js';
