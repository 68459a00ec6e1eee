import { hostname } from 'node:os';
import { ZoomWsConfigError } from '../errors.js';
import type { Logger } from '../client/logger.js';
import { DEFAULT_KEY_PREFIX } from './keys.js';
import type { RedisTarget } from './redis-connection.js';

/** Defaults of {@link ZoomWsConsumerOptions}, declared once. */
export const CONSUMER_DEFAULTS = {
  concurrency: 1,
  claimIdle: 30_000,
  maxDeliveries: 5,
  keyPrefix: DEFAULT_KEY_PREFIX,
  fromNow: false,
  block: 5_000,
  batchSize: 16,
  /** A dead letter waits for a person: a week, well past the events' own 24 h. */
  deadLetterRetention: 7 * 24 * 3600_000,
} as const;

export interface ZoomWsConsumerOptions {
  /** A `redis://` URL or a connected node-redis client (left open by `stop()`). Required. */
  redis: RedisTarget;
  /** The Zoom event subscription whose stream is read (`P:{S}:events`). Required. */
  subscriptionId: string;
  /** Consumer group: each group receives every event once. Required. */
  group: string;
  /** This consumer's name inside the group; a restart under the same name resumes its own pending entries. Default `host:pid`. */
  consumer?: string;
  /** Handlers running at once. Default 1, which keeps the stream's order; more gives up order. */
  concurrency?: number;
  /**
   * An entry pending this long (ms) on any consumer of the group (a crashed or stalled one, or a failed handler) is
   * claimed and redelivered. A live consumer never claims what it holds itself (being handled, or waiting in its
   * read batch) and refreshes those entries' idle time every claimIdle / 3 (`XCLAIM … JUSTID`, not a delivery), so
   * others leave them alone however long a handler takes: keep it well above a Redis round trip plus event-loop
   * delays. Claim rounds run at that pace too (at least 10 ms apart). Default 30000; at least {@link MIN_CLAIM_IDLE}.
   */
  claimIdle?: number;
  /** An entry delivered this many times without an ack goes to the dead-letter stream (`P:{S}:dead`) and is acknowledged. Default 5. */
  maxDeliveries?: number;
  /**
   * How long dead letters are kept (ms, by stream id time): each write to `P:{S}:dead` trims the entries older than
   * this (`XADD … MINID ~`, so whole stream nodes at a time; a few older ones may stay a little longer). Default
   * 604800000 (7 days).
   */
  deadLetterRetention?: number;
  /** Redis key prefix, as `--key-prefix` of `relay`. Default `zoomws`. */
  keyPrefix?: string;
  /** A group created by this consumer starts at new entries instead of the oldest retained one. Default false. */
  fromNow?: boolean;
  /** How long one `XREADGROUP … BLOCK` waits for new entries, ms. Default 5000. */
  block?: number;
  /** Entries read per `XREADGROUP`; a batch is finished before the next is read, so at least `concurrency`. Default 16, or `concurrency` if larger. */
  batchSize?: number;
  /** Warnings (bad entries, data loss, Redis outages). Default: silent. */
  logger?: Logger;
}

export type ResolvedConsumerOptions = Required<Omit<ZoomWsConsumerOptions, 'logger'>> & Pick<ZoomWsConsumerOptions, 'logger'>;

export function defaultConsumerName(): string {
  return `${hostname()}:${process.pid}`;
}

/** Applies the defaults and validates; a bad value is a {@link ZoomWsConfigError} naming the option. */
/**
 * The smallest `claimIdle`, ms: a live consumer refreshes what it holds every claimIdle / 3, and below this a
 * refresh (one Redis round trip after an event-loop turn) could arrive after other consumers saw the entry idle.
 */
export const MIN_CLAIM_IDLE = 100;

export function resolveConsumerOptions(options: ZoomWsConsumerOptions): ResolvedConsumerOptions {
  const given = stripUndefined(options);
  const resolved: ResolvedConsumerOptions = { ...CONSUMER_DEFAULTS, consumer: defaultConsumerName(), ...given } as ResolvedConsumerOptions;
  // A batch smaller than the concurrency would cap the handlers in flight at the batch size.
  if (given.batchSize === undefined && Number.isSafeInteger(resolved.concurrency)) resolved.batchSize = Math.max(CONSUMER_DEFAULTS.batchSize, resolved.concurrency);
  for (const name of ['subscriptionId', 'group', 'consumer', 'keyPrefix'] as const) {
    const value = resolved[name];
    if (typeof value !== 'string' || value.length === 0) throw new ZoomWsConfigError(name, 'must be a non-empty string');
  }
  if (/[{}]/.test(resolved.subscriptionId)) throw new ZoomWsConfigError('subscriptionId', 'must not contain { or } (it is the hash tag of every key)');
  const positive = { concurrency: 1, claimIdle: MIN_CLAIM_IDLE, maxDeliveries: 1, block: 1, batchSize: 1, deadLetterRetention: 1 } as const;
  for (const [name, min] of Object.entries(positive) as [keyof typeof positive, number][]) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < min) throw new ZoomWsConfigError(name, `must be a whole number ≥ ${min}`);
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
