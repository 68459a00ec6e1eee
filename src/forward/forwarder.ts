import { createRedactingLogger, silentLogger, type Logger } from '../client/logger.js';
import { ZoomWsConfigError } from '../errors.js';
import { idempotencyKey } from '../protocol/idempotency-key.js';
import { deliver, RETRY_DEFAULTS, type RetryPolicy } from './delivery.js';
import { eventFilter } from './filters.js';

/** The header carrying {@link idempotencyKey} of the body's event, so a handler can drop repeats. */
export const IDEMPOTENCY_HEADER = 'x-zoom-ws-idempotency-key';

export interface ForwarderOptions {
  /** The webhook handler's URL. `http://` is allowed: local handlers are the common case. Required. */
  to: string;
  /** The webhook secret token the handler verifies `x-zm-signature` with (Zoom's "Secret Token"). Required. */
  secretToken: string;
  /** Deliveries in flight at once. 1 keeps Zoom's order; more trades order for throughput. Default 1. */
  concurrency?: number;
  /** Events waiting for a delivery slot; one more is reported as `overflow`, never silently dropped. Default 1000. */
  maxQueue?: number;
  /** Event names or prefix patterns (`meeting.*`) to forward; empty forwards all. Default `[]`. */
  events?: readonly string[];
  /** Event names or prefix patterns never forwarded. Default `[]`. */
  exclude?: readonly string[];
  /** Extra request headers (tracing). Signature and idempotency headers win over these. Default `{}`. */
  headers?: Record<string, string>;
  /** Retry settings; each unset field takes its default from {@link RETRY_DEFAULTS}. */
  retry?: Partial<RetryPolicy>;
  /** Where failures, rejections and overflow are logged, with the secret token redacted. Default: silent. */
  logger?: Logger;
  /** Called once per event that was queued or refused, after its delivery ended. Default: none. */
  onStatus?: (status: DeliveryStatus) => void;
}

/**
 * How one event's forwarding ended. `delivered`: a 2xx. `rejected`: a 4xx other than 408/429 (final).
 * `failed`: retries exhausted. `overflow`: the queue was full. `undelivered`: still queued or in flight at stop.
 */
export type DeliveryOutcomeName = 'delivered' | 'rejected' | 'failed' | 'overflow' | 'undelivered';

/** One status line: `status` is the last HTTP status (0: none, after a network error, timeout, overflow or stop). */
export interface DeliveryStatus {
  event: string;
  key: string;
  outcome: DeliveryOutcomeName;
  status: number;
  attempts: number;
  ms: number;
}

export interface ForwarderStats {
  queued: number;
  inFlight: number;
  delivered: number;
  rejected: number;
  failed: number;
  overflow: number;
  undelivered: number;
  /** Events the `events`/`exclude` filters left out (not reported per event). */
  filtered: number;
}

export interface Forwarder {
  /**
   * Queues the inner event JSON exactly as Zoom sent it. `key` defaults to its {@link idempotencyKey}. Returns
   * false when the event was filtered out or refused (overflow, or after stop); refusals get a status line.
   */
  push(rawInnerJson: string, event: string, key?: string): boolean;
  /**
   * As {@link push}, through the same queue, resolving with the event's status once its delivery ended (at once
   * for a refusal); undefined when the filters leave it out. For callers that acknowledge after delivery.
   */
  send(rawInnerJson: string, event: string, key?: string): Promise<DeliveryStatus | undefined>;
  /** Stops accepting, ends retry waits, reports every event not delivered. Resolves once nothing is in flight. */
  stop(): Promise<{ undelivered: number }>;
  /** Counters; a live view. */
  readonly stats: Readonly<ForwarderStats>;
}

interface Job {
  raw: string;
  event: string;
  key: string;
  settle?: (status: DeliveryStatus) => void;
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const to = validTarget(options.to);
  if (typeof options.secretToken !== 'string' || options.secretToken === '') throw new ZoomWsConfigError('secretToken', 'must be a non-empty string');
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ZoomWsConfigError('concurrency', 'must be an integer >= 1');
  const maxQueue = options.maxQueue ?? 1000;
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new ZoomWsConfigError('maxQueue', 'must be an integer >= 0');
  const policy: RetryPolicy = { ...RETRY_DEFAULTS, ...options.retry };
  const secretToken = options.secretToken;
  const log = createRedactingLogger(options.logger ?? silentLogger, () => [secretToken]);
  const accepts = eventFilter(options.events, options.exclude);
  const extraHeaders = { ...options.headers };
  const abort = new AbortController();
  const queue: Job[] = [];
  const running = new Set<Promise<void>>();
  const stats: ForwarderStats = { queued: 0, inFlight: 0, delivered: 0, rejected: 0, failed: 0, overflow: 0, undelivered: 0, filtered: 0 };
  let stopped = false;

  const report = (job: Job, status: Omit<DeliveryStatus, 'event' | 'key'>) => {
    stats[status.outcome]++;
    const line: DeliveryStatus = { event: job.event, key: job.key, ...status };
    job.settle?.(line);
    if (status.outcome !== 'delivered') log.warn(`forward ${job.event} (${job.key}): ${status.outcome}, status ${status.status} after ${status.attempts} attempt(s)`);
    try {
      options.onStatus?.(line);
    } catch (error) {
      // A throwing status listener must not stop the queue.
      log.error('onStatus threw', error);
    }
  };

  const run = async (job: Job) => {
    const headers = { ...extraHeaders, [IDEMPOTENCY_HEADER]: job.key };
    const result = await deliver(to, secretToken, job.raw, headers, policy, abort.signal);
    const outcome: DeliveryOutcomeName = result.ok ? 'delivered' : result.final ? 'rejected' : abort.signal.aborted ? 'undelivered' : 'failed';
    report(job, { outcome, status: result.status, attempts: result.attempts, ms: Math.round(result.ms) });
  };

  const pump = () => {
    while (!stopped && stats.inFlight < concurrency && queue.length > 0) {
      const job = queue.shift()!;
      stats.queued = queue.length;
      stats.inFlight++;
      const task = run(job).finally(() => {
        stats.inFlight--;
        running.delete(task);
        pump();
      });
      running.add(task);
    }
  };

  const enqueue = (job: Job): boolean => {
    if (!accepts(job.event)) {
      stats.filtered++;
      return false;
    }
    if (stopped) {
      report(job, { outcome: 'undelivered', status: 0, attempts: 0, ms: 0 });
      return false;
    }
    if (queue.length >= maxQueue && stats.inFlight >= concurrency) {
      report(job, { outcome: 'overflow', status: 0, attempts: 0, ms: 0 });
      return false;
    }
    queue.push(job);
    stats.queued = queue.length;
    pump();
    return true;
  };

  return {
    stats,
    push: (raw, event, key = idempotencyKey(raw)) => enqueue({ raw, event, key }),
    send(raw, event, key = idempotencyKey(raw)) {
      return new Promise((resolve) => {
        // A refusal has already settled through report(); only a filtered event has no status.
        if (!enqueue({ raw, event, key, settle: resolve }) && !accepts(event)) resolve(undefined);
      });
    },
    async stop() {
      if (!stopped) {
        stopped = true;
        abort.abort();
        for (const job of queue.splice(0)) report(job, { outcome: 'undelivered', status: 0, attempts: 0, ms: 0 });
        stats.queued = 0;
      }
      while (running.size > 0) await Promise.all(running);
      return { undelivered: stats.undelivered };
    },
  };
}

function validTarget(to: unknown): string {
  if (typeof to !== 'string') throw new ZoomWsConfigError('to', 'must be an http:// or https:// URL');
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new ZoomWsConfigError('to', `"${to}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ZoomWsConfigError('to', 'must be an http:// or https:// URL');
  return url.href;
}
