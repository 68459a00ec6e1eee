import { silentLogger, type Logger } from '../client/logger.js';
import type { ZoomEvent, ZoomEventOf } from '../protocol/events.js';
import { resolveConsumerOptions, type ResolvedConsumerOptions, type ZoomWsConsumerOptions } from './consumer-options.js';
import { HeldEntries } from './held-entries.js';
import { claimIdlePage } from './idle-claim.js';
import { subscriptionKeys, type SubscriptionKeys } from './keys.js';
import { isPermanentDeliveryError } from './permanent-delivery-error.js';
import { reconnectDelay, RedisConnection } from './redis-connection.js';
import { LuaScript } from './script-runner.js';
import { parsePendingCounts, parseReadReply, type StreamEntry } from './stream-reply.js';

/** What a handler learns about the entry besides the event. */
export interface DeliveryMeta {
  /** The idempotency key (event name + `event_ts` + raw payload): apply each key once for exactly-once effects. */
  key: string;
  /** The stream entry id. */
  id: string;
  /** How often this entry was delivered in this group, this delivery included. */
  deliveries: number;
  /** The replica that published it. */
  replica: string;
  /** The publisher's fencing token (a decimal integer). */
  token: string;
  /** The `event` field exactly as stored (the inner event JSON byte for byte as Zoom sent it). */
  raw: string;
}

/**
 * Handles one entry; the entry is acknowledged once every handler resolved. Throwing (or rejecting) leaves it
 * pending for redelivery; throwing a {@link PermanentDeliveryError} dead-letters and acknowledges it at once.
 */
export type DeliveryHandler<TEvent = ZoomEvent> = (event: TEvent, meta: DeliveryMeta) => void | Promise<void>;

/** An outage as recorded in `P:{S}:outages` by whichever replica saw it. */
export interface RecordedOutage {
  id: string;
  from: number;
  to: number;
  reason: string;
  detail: string;
  replica: string | undefined;
  /** Every field of the entry, as stored. */
  fields: Record<string, string>;
}

export interface ConsumerStats {
  delivered: number;
  acknowledged: number;
  /** Handler throws of any kind, {@link PermanentDeliveryError} included. */
  handlerFailures: number;
  /** Entries a handler threw a {@link PermanentDeliveryError} for: dead-lettered after that one delivery. */
  permanentFailures: number;
  claimed: number;
  deadLettered: number;
  /** Entries that were not valid events (no `event` field, bad JSON): dead-lettered without a handler. */
  malformed: number;
  /** Pending entries trimmed from the stream before this group acknowledged them (XAUTOCLAIM's deleted ids). */
  lost: number;
  redisErrors: number;
  /** Stream entries this group has not read yet (XINFO GROUPS `lag`), as of the last claim round; unknown before. */
  lag?: number;
  /** Entries delivered to this group and not acknowledged yet (XINFO GROUPS `pending`), as of the last claim round. */
  pending?: number;
}

/**
 * KEYS: events, dead. ARGV: group, id, reason, retention ms, then the original field/value pairs. Dead-letters and
 * acks in one step, trimming dead letters older than the retention by Redis' own clock (the one stream ids use).
 */
const DEAD_LETTER = new LuaScript(
  'dead-letter',
  `
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
fields[#fields + 1] = 'group' fields[#fields + 1] = ARGV[1]
fields[#fields + 1] = 'originalId' fields[#fields + 1] = ARGV[2]
fields[#fields + 1] = 'error' fields[#fields + 1] = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local minId = string.format('%d', math.max(0, now - tonumber(ARGV[4])))
redis.call('XADD', KEYS[2], 'MINID', '~', minId, '*', unpack(fields))
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
`,
);

const OWN_PENDING = '0';
/** The shortest pause between claim rounds, whatever claimIdle: never a hot loop. */
const MIN_TICK_MS = 10;
const NEW_ENTRIES = '>';

/**
 * Reads a subscription's event stream through a Redis consumer group: each group gets each event once, an entry is
 * acknowledged only after its handler resolved, entries left pending by a crashed consumer are claimed after
 * `claimIdle`, and an entry that keeps failing goes to the dead-letter stream after `maxDeliveries`. A handler
 * that throws a {@link PermanentDeliveryError} sends its entry there at once (no redelivery).
 */
export class ZoomWsConsumer implements AsyncDisposable {
  readonly options: ResolvedConsumerOptions;
  readonly keys: SubscriptionKeys;
  readonly #logger: Logger;
  readonly #named = new Map<string, Set<DeliveryHandler<never>>>();
  readonly #any = new Set<DeliveryHandler>();
  readonly #outageHandlers = new Set<(outage: RecordedOutage) => void>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #held = new HeldEntries();
  readonly #stats: ConsumerStats = { delivered: 0, acknowledged: 0, handlerFailures: 0, permanentFailures: 0, claimed: 0, deadLettered: 0, malformed: 0, lost: 0, redisErrors: 0 };
  #main: RedisConnection | undefined;
  #reader: RedisConnection | undefined;
  #outageReader: RedisConnection | undefined;
  #tickTimer: NodeJS.Timeout | undefined;
  #ticksEnded = false;
  #loops: Promise<void>[] = [];
  #state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle';
  #wakeBackoff: (() => void) | undefined;
  #claiming = false;

  constructor(options: ZoomWsConsumerOptions) {
    this.options = resolveConsumerOptions(options);
    this.keys = subscriptionKeys(this.options.keyPrefix, this.options.subscriptionId);
    this.#logger = options.logger ?? silentLogger;
    // Validates the URL at construction, as the other options.
    this.#main = RedisConnection.create({ redis: this.options.redis, name: 'consumer', logger: this.#logger });
  }

  get stats(): Readonly<ConsumerStats> {
    return { ...this.#stats };
  }

  get state(): 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' {
    return this.#state;
  }

  /** Handles one event name, or every event with `'*'`. Returns a function that unsubscribes. */
  on<TName extends string>(name: TName, handler: DeliveryHandler<TName extends '*' ? ZoomEvent : ZoomEventOf<TName>>): () => void {
    if (name === '*') {
      this.#any.add(handler as DeliveryHandler);
      return () => this.#any.delete(handler as DeliveryHandler);
    }
    let set = this.#named.get(name);
    if (!set) this.#named.set(name, (set = new Set()));
    set.add(handler as DeliveryHandler<never>);
    return () => set.delete(handler as DeliveryHandler<never>);
  }

  /** Outages as they are recorded from now on (failovers, handovers, reconnects, Redis gaps). Returns an unsubscribe. */
  onOutage(handler: (outage: RecordedOutage) => void): () => void {
    this.#outageHandlers.add(handler);
    if (this.#state === 'running' && !this.#outageReader) this.#loops.push(this.#startOutageLoop());
    return () => this.#outageHandlers.delete(handler);
  }

  /**
   * Every delivered event with its meta, in order. An entry is acknowledged when the loop body finished, i.e. when
   * the next one is asked for; `break` leaves the current one pending (redelivered after `claimIdle`).
   */
  async *events(): AsyncGenerator<{ event: ZoomEvent; meta: DeliveryMeta }> {
    type Queued = { item: { event: ZoomEvent; meta: DeliveryMeta }; done: () => void; fail: (error: Error) => void };
    const queue: Queued[] = [];
    let wake: (() => void) | undefined;
    let current: Queued | undefined;
    const off = this.on('*', (event, meta) => new Promise<void>((done, fail) => {
      queue.push({ item: { event, meta }, done, fail });
      wake?.();
    }));
    try {
      for (;;) {
        current?.done();
        current = undefined;
        while (queue.length === 0) {
          if (this.#state === 'stopping' || this.#state === 'stopped') return;
          await new Promise<void>((resolve) => {
            wake = resolve;
            const poll = setTimeout(resolve, 200);
            poll.unref();
          });
          wake = undefined;
        }
        const next = queue.shift()!;
        current = next;
        yield next.item;
      }
    } finally {
      off();
      // Not processed: left unacknowledged (redelivered after claimIdle), and the delivery settles so stop() can finish.
      const left = new Error('the events() loop ended before this event was processed');
      for (const queued of [...(current ? [current] : []), ...queue.splice(0)]) queued.fail(left);
    }
  }

  /** Creates the group if needed and starts reading. Resolves once reading began (retrying while Redis is down). */
  async start(): Promise<void> {
    if (this.#state !== 'idle') return;
    this.#state = 'starting';
    const main = this.#main!;
    await main.connect();
    await this.#ensureGroup();
    const reader = await main.duplicate({ name: 'consumer-reader' });
    // stop() during the start has released what existed then; this one came later.
    if ((this.#state as string) !== 'starting') {
      await reader.release();
      return;
    }
    this.#reader = reader;
    this.#state = 'running';
    this.#loops.push(this.#readLoop());
    if (this.#outageHandlers.size > 0) this.#loops.push(this.#startOutageLoop());
    this.#scheduleTick();
  }

  /** Finishes the handlers that are running (and their acks), then releases every connection and timer. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') {
      await Promise.allSettled(this.#loops);
      return;
    }
    this.#state = 'stopping';
    this.#wakeBackoff?.();
    // The blocked XREADGROUP holds its connection for up to `block` ms: cut it rather than wait.
    await this.#reader?.release();
    await this.#outageReader?.release();
    // Ticks go on refreshing the running handlers' entries (no more claims), so nobody takes them meanwhile.
    await Promise.allSettled([...this.#inFlight]);
    this.#ticksEnded = true;
    clearTimeout(this.#tickTimer);
    await Promise.allSettled(this.#loops);
    await this.#main?.release();
    this.#state = 'stopped';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  get #running(): boolean {
    return this.#state === 'running';
  }

  async #ensureGroup(): Promise<void> {
    try {
      await this.#main!.send(['XGROUP', 'CREATE', this.keys.events, this.options.group, this.options.fromNow ? '$' : '0', 'MKSTREAM']);
    } catch (error) {
      if (!(error instanceof Error && /BUSYGROUP/.test(error.message))) throw error;
    }
  }

  async #readLoop(): Promise<void> {
    // First our own pending entries (a restart under the same name), then new ones.
    let cursor = OWN_PENDING;
    let failures = 0;
    while (this.#running) {
      try {
        const reply = await this.#reader!.send([
          'XREADGROUP', 'GROUP', this.options.group, this.options.consumer, 'COUNT', String(this.options.batchSize),
          ...(cursor === NEW_ENTRIES ? ['BLOCK', String(this.options.block)] : []),
          'STREAMS', this.keys.events, cursor,
        ]);
        failures = 0;
        const read = parseReadReply('xreadgroup', reply);
        // Our own pending entries include what a claim round is delivering right now: those are skipped.
        const entries = this.#held.take(read, (entry) => entry.id);
        if (cursor === OWN_PENDING) {
          if (read.length === 0) {
            cursor = NEW_ENTRIES;
            continue;
          }
          // Entries already delivered to us before; the pending count tells how often.
          let counts = new Map<string, number>();
          try {
            if (entries.length > 0) counts = await this.#deliveryCounts(entries);
          } catch (error) {
            // Not delivered: left held, they would be refreshed for ever and nobody would ever claim them.
            for (const entry of entries) this.#held.release(entry.id);
            throw error;
          }
          await this.#deliverAll(entries, (entry) => counts.get(entry.id) ?? 1);
          cursor = read.at(-1)!.id;
          continue;
        }
        await this.#deliverAll(entries, () => 1);
      } catch (error) {
        if (!this.#running) return;
        this.#stats.redisErrors++;
        if (error instanceof Error && /NOGROUP/.test(error.message)) {
          // The stream or group is gone (Redis restarted without its data): create it again.
          this.#logger.warn(`consumer: group ${this.options.group} is missing (Redis lost its data?); creating it again`);
          await this.#ensureGroup().catch(() => {});
          cursor = OWN_PENDING;
        } else {
          this.#logger.warn(`consumer: reading failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        await this.#backoff(failures++);
      }
    }
  }

  async #deliveryCounts(entries: readonly StreamEntry[]): Promise<Map<string, number>> {
    const first = entries[0]!.id;
    const last = entries.at(-1)!.id;
    // Held entries of ours may lie inside the range too: room for them, so that none of these is cut off.
    const count = entries.length + this.#held.size;
    const reply = await this.#main!.send(['XPENDING', this.keys.events, this.options.group, first, last, String(count), this.options.consumer]);
    return parsePendingCounts(reply);
  }

  /**
   * Runs up to `concurrency` handlers at once; returns when every entry of the batch is settled (or we stop). The
   * entries are held (see {@link HeldEntries}); each is released once its delivery ended, however it ended.
   */
  async #deliverAll(entries: readonly StreamEntry[], deliveries: (entry: StreamEntry) => number): Promise<void> {
    let started = 0;
    for (const entry of entries) {
      if (!this.#running) break;
      while (this.#inFlight.size >= this.options.concurrency) await Promise.race(this.#inFlight);
      if (!this.#running) break;
      const task = this.#deliver(entry, deliveries(entry)).finally(() => {
        this.#inFlight.delete(task);
        this.#held.release(entry.id);
      });
      this.#inFlight.add(task);
      started++;
    }
    // Not started because we stop: no longer ours to keep from the other consumers.
    for (const entry of entries.slice(started)) this.#held.release(entry.id);
    await Promise.allSettled([...this.#inFlight]);
  }

  async #deliver(entry: StreamEntry, deliveries: number): Promise<void> {
    const { fields } = entry;
    let event: ZoomEvent;
    try {
      if (fields.event === undefined) throw new Error('the entry has no "event" field');
      const parsed: unknown = JSON.parse(fields.event);
      if (parsed === null || typeof parsed !== 'object' || typeof (parsed as ZoomEvent).event !== 'string') throw new Error('"event" is not a Zoom event object');
      event = parsed as ZoomEvent;
    } catch (error) {
      this.#stats.malformed++;
      const reason = error instanceof SyntaxError ? `"event" is not JSON: ${error.message}` : (error as Error).message;
      this.#logger.warn(`consumer: skipping entry ${entry.id}: ${reason}; moved to the dead-letter stream`);
      await this.#deadLetter(entry, `malformed: ${reason}`);
      return;
    }
    if (deliveries > this.options.maxDeliveries) {
      await this.#deadLetter(entry, `delivered ${deliveries - 1} times without an ack`);
      return;
    }
    const meta: DeliveryMeta = { key: fields.key ?? '', id: entry.id, deliveries, replica: fields.replica ?? '', token: fields.token ?? '', raw: fields.event! };
    this.#stats.delivered++;
    try {
      const handlers = [...(this.#named.get(event.event) ?? []), ...this.#any] as DeliveryHandler[];
      for (const handler of handlers) await handler(event, meta);
    } catch (error) {
      this.#stats.handlerFailures++;
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (isPermanentDeliveryError(error)) {
        // Redelivering would get the same answer: dead-letter now, and let the entries behind it through.
        this.#stats.permanentFailures++;
        this.#logger.warn(`consumer: handler failed permanently for entry ${entry.id} (${event.event}), delivery ${deliveries}: ${error.message.slice(0, 200)}; moved to the dead-letter stream without redelivery`);
        await this.#deadLetter(entry, detail.slice(0, 1_000));
      } else if (deliveries >= this.options.maxDeliveries) {
        this.#logger.warn(`consumer: handler failed ${deliveries} times for entry ${entry.id} (${event.event}); moved to the dead-letter stream`);
        await this.#deadLetter(entry, detail.slice(0, 1_000));
      } else {
        this.#logger.warn(`consumer: handler failed for entry ${entry.id} (${event.event}), delivery ${deliveries}; redelivered after claimIdle`);
      }
      return;
    }
    try {
      await this.#main!.send(['XACK', this.keys.events, this.options.group, entry.id]);
      this.#stats.acknowledged++;
    } catch (error) {
      // Not acknowledged: the entry stays pending and is redelivered after claimIdle (at least once).
      this.#stats.redisErrors++;
      this.#logger.warn(`consumer: ack of ${entry.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async #deadLetter(entry: StreamEntry, reason: string): Promise<void> {
    const pairs = Object.entries(entry.fields).flat();
    try {
      await DEAD_LETTER.run(this.#main!.client, [this.keys.events, this.keys.dead], [this.options.group, entry.id, reason, String(this.options.deadLetterRetention), ...pairs]);
      this.#stats.deadLettered++;
    } catch (error) {
      this.#stats.redisErrors++;
      this.#logger.warn(`consumer: dead-lettering ${entry.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Every claimIdle / 3: refresh what we hold, then (unless a claim round is still delivering) claim. A third
   * leaves room for a late timer and a round trip before another consumer could see our entries as idle.
   */
  #scheduleTick(): void {
    if (this.#ticksEnded || !(this.#running || this.#state === 'stopping')) return;
    const every = Math.max(MIN_TICK_MS, Math.floor(this.options.claimIdle / 3));
    this.#tickTimer = setTimeout(() => {
      const tick = this.#tick().finally(() => this.#scheduleTick());
      this.#track(tick);
    }, every);
  }

  async #tick(): Promise<void> {
    if (this.#held.size > 0) {
      try {
        await this.#held.refresh(this.#main!.client, this.keys.events, this.options.group, this.options.consumer);
      } catch (error) {
        if (!this.#running && this.#state !== 'stopping') return;
        this.#stats.redisErrors++;
        this.#logger.warn(`consumer: refreshing the entries in progress failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (this.#running && !this.#claiming) this.#track(this.#claimOnce());
  }

  #track(loop: Promise<void>): void {
    this.#loops.push(loop);
    void loop.then(() => (this.#loops = this.#loops.filter((other) => other !== loop)));
  }

  /** Claims what went idle on any consumer of the group (a crashed one, or a failed handler) and delivers it. */
  async #claimOnce(): Promise<void> {
    if (this.#claiming || !this.#running) return;
    this.#claiming = true;
    try {
      const target = { events: this.keys.events, group: this.options.group, consumer: this.options.consumer, claimIdle: this.options.claimIdle, count: this.options.batchSize };
      let cursor = '0-0';
      do {
        const page = await claimIdlePage(this.#main!.client, target, this.#held, cursor);
        cursor = page.cursor;
        if (page.deleted.length > 0) {
          this.#stats.lost += page.deleted.length;
          this.#logger.error(`consumer: data loss: ${page.deleted.length} pending entries of group ${this.options.group} were trimmed from the stream before they were acknowledged (first ${page.deleted[0]})`);
        }
        if (page.claimed.length === 0) continue;
        this.#stats.claimed += page.claimed.length;
        const counts = new Map(page.claimed.map(({ entry, deliveries }) => [entry.id, deliveries]));
        await this.#deliverAll(page.claimed.map(({ entry }) => entry), (entry) => counts.get(entry.id) ?? 1);
      } while (cursor !== '0-0' && this.#running);
      if (this.#running) Object.assign(this.#stats, groupBacklog(await this.#main!.send(['XINFO', 'GROUPS', this.keys.events]), this.options.group));
    } catch (error) {
      if (this.#running) {
        this.#stats.redisErrors++;
        this.#logger.warn(`consumer: claiming failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      this.#claiming = false;
    }
  }

  async #startOutageLoop(): Promise<void> {
    const reader = await this.#main!.duplicate({ name: 'consumer-outages' });
    this.#outageReader = reader;
    let cursor = '$';
    let failures = 0;
    while (this.#running) {
      try {
        const reply = await reader.send(['XREAD', 'COUNT', '100', 'BLOCK', String(this.options.block), 'STREAMS', this.keys.outages, cursor]);
        failures = 0;
        for (const entry of parseReadReply('xread', reply)) {
          cursor = entry.id;
          const outage = toOutage(entry);
          for (const handler of this.#outageHandlers) {
            try {
              handler(outage);
            } catch (error) {
              this.#logger.warn(`consumer: an outage handler threw: ${error instanceof Error ? error.message : String(error)}`);
            }
          }
        }
      } catch (error) {
        if (!this.#running) break;
        this.#stats.redisErrors++;
        this.#logger.warn(`consumer: reading outages failed: ${error instanceof Error ? error.message : String(error)}`);
        await this.#backoff(failures++);
      }
    }
    await reader.release();
  }

  /** A wait that `stop()` cuts short. */
  #backoff(failures: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, reconnectDelay(failures, 50, 2_000));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeBackoff = done;
    });
  }
}

function toOutage(entry: StreamEntry): RecordedOutage {
  const { fields } = entry;
  return {
    id: entry.id,
    from: Number(fields.from),
    to: Number(fields.to),
    reason: fields.reason ?? 'unknown',
    detail: fields.detail ?? '',
    replica: fields.replica,
    fields: { ...fields },
  };
}

/** The group's `lag` and `pending` from an XINFO GROUPS reply (RESP2 flat pairs or RESP3 maps); absent fields stay unknown. */
export function groupBacklog(reply: unknown, group: string): { lag?: number; pending?: number } {
  if (!Array.isArray(reply)) return {};
  for (const info of reply) {
    const fields = new Map<string, unknown>();
    if (Array.isArray(info)) for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
    else if (info !== null && typeof info === 'object') for (const [key, value] of Object.entries(info)) fields.set(key, value);
    if (String(fields.get('name')) !== group) continue;
    const number = (value: unknown) => (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)) ? Number(value) : undefined);
    const backlog: { lag?: number; pending?: number } = {};
    const lag = number(fields.get('lag'));
    const pending = number(fields.get('pending'));
    if (lag !== undefined) backlog.lag = lag;
    if (pending !== undefined) backlog.pending = pending;
    return backlog;
  }
  return {};
}
