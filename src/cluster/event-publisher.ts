import type { ZoomEvent } from '../protocol/events.js';
import type { FencingToken, LeaseStore, PublishEntry, PublishResult } from './lease-store.js';

/** Events published in one round trip at most. */
const MAX_BATCH = 256;
/** Events held while Redis does not answer; beyond this the oldest are dropped (they fall inside an outage). */
const MAX_QUEUED = 10_000;

interface Queued {
  token: FencingToken;
  entry: PublishEntry;
  event: ZoomEvent;
  /** An earlier attempt failed (e.g. timed out) after Redis may already have stored it. */
  retried?: boolean;
}

export interface PublisherHooks {
  /** Stored now (not a duplicate): the relay writes it to stdout. */
  published(event: ZoomEvent): void;
  duplicate(): void;
  /** The lease behind `token` is gone: the replica must step down. Later events of that token are dropped. */
  fenced(token: FencingToken, dropped: number, oldestAt: number): void;
  /** Redis failed; the batch is retried after `retryInMs`. */
  failed(error: unknown, retryInMs: number): void;
  /** The queue overflowed: `count` events received from `oldestAt` to `newestAt` (epoch ms) will never be stored. */
  dropped(count: number, oldestAt: number, newestAt: number): void;
  /** How long a batch took from send to answer, ms. */
  roundTrip?(ms: number): void;
}

/**
 * The leader's way into the events stream: events are queued in arrival order and published in pipelined
 * batches (one in flight at a time, so order is kept), each entry one fenced, de-duplicating script run.
 */
export class EventPublisher {
  readonly #store: LeaseStore;
  readonly #hooks: PublisherHooks;
  readonly #retryMs: number;
  #queue: Queued[] = [];
  #flushing: Promise<void> | undefined;
  #running = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #wakeRetry: (() => void) | undefined;
  #closed = false;
  /** Entries at the front of the queue that the batch in flight is publishing. */
  #inFlight = 0;

  constructor(store: LeaseStore, hooks: PublisherHooks, retryMs: number) {
    this.#store = store;
    this.#hooks = hooks;
    this.#retryMs = retryMs;
  }

  push(token: FencingToken, entry: PublishEntry, event: ZoomEvent): void {
    if (this.#closed) return;
    this.#queue.push({ token, entry, event });
    if (this.#queue.length > MAX_QUEUED) {
      // The oldest that still wait: the batch in flight stays at the front, where its answer will take it from.
      const dropped = this.#queue.splice(this.#inFlight, this.#queue.length - MAX_QUEUED);
      this.#hooks.dropped(dropped.length, dropped[0]!.entry.receivedAt, dropped.at(-1)!.entry.receivedAt);
    }
    // `#running` turns false synchronously as the loop ends: an event pushed in between starts a new loop
    // instead of waiting for the next push.
    if (!this.#running) this.#flushing = this.#flush();
  }

  /** Resolves once everything queued so far was published, fenced or given up on (after `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.#running || !this.#flushing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#flushing, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Stops retrying and drops what is left. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    clearTimeout(this.#retryTimer);
    this.#wakeRetry?.();
  }

  /** Epoch ms the oldest event not stored yet (queued or in flight) reached us; undefined when none waits. */
  get oldestQueuedAt(): number | undefined {
    return this.#queue[0]?.entry.receivedAt;
  }

  get queued(): number {
    return this.#queue.length;
  }

  async #flush(): Promise<void> {
    this.#running = true;
    try {
      await this.#publishQueued();
    } finally {
      this.#running = false;
    }
  }

  async #publishQueued(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const token = this.#queue[0]!.token;
      let size = 0;
      while (size < this.#queue.length && size < MAX_BATCH && this.#queue[size]!.token === token) size++;
      const batch = this.#queue.slice(0, size);
      let results: PublishResult[];
      this.#inFlight = size;
      try {
        const sentAt = performance.now();
        results = await this.#store.publishMany(token, batch.map((item) => item.entry));
        this.#hooks.roundTrip?.(performance.now() - sentAt);
      } catch (error) {
        this.#inFlight = 0;
        for (const item of batch) item.retried = true;
        this.#hooks.failed(error, this.#retryMs);
        await this.#pause();
        continue;
      }
      this.#inFlight = 0;
      this.#queue.splice(0, size);
      results.forEach((result, index) => {
        const item = batch[index]!;
        // A timed-out attempt may have been stored after all: then the "duplicate" is our own entry.
        if (result === 'published' || (result === 'duplicate' && item.retried)) this.#hooks.published(item.event);
        else if (result === 'duplicate') this.#hooks.duplicate();
      });
      const fenced = results.filter((result) => result === 'fenced').length;
      if (fenced > 0) {
        const before = this.#queue.length;
        const oldestAt = batch[results.indexOf('fenced')]!.entry.receivedAt;
        this.#queue = this.#queue.filter((item) => item.token !== token);
        this.#hooks.fenced(token, fenced + before - this.#queue.length, oldestAt);
      }
    }
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeRetry = resolve;
      this.#retryTimer = setTimeout(resolve, this.#retryMs);
    });
  }
}
