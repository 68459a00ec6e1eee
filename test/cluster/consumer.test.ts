import { describe, expect, it } from 'vitest';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { ZoomWsConsumer, type DeliveryMeta } from '../../src/cluster/consumer.js';
import type { ZoomWsConsumerOptions } from '../../src/cluster/consumer-options.js';
import { idempotencyKey } from '../../src/cluster/lease-store.js';
import { ZoomWsConfigError } from '../../src/errors.js';
import type { ZoomEvent } from '../../src/protocol/events.js';
import type { RedisServer } from '../support/redis-server.js';
import { type TestRedisClient, appendEvent, sampleInner, useRedisServer } from '../support/stream-entries.js';
import { eventually, leakedHandles, liveHandles } from '../support/wait.js';

const SUB = 'sub-consumer';
const keys = subscriptionKeys('t', SUB);
let server: RedisServer;
let redis: TestRedisClient;
useRedisServer((started, client) => {
  server = started;
  redis = client;
});

const inner = sampleInner;

/** An entry with the public contract's fields, as the leader's publish script writes it. */
async function publish(n: number, event = inner(n)): Promise<string> {
  return appendEvent(redis, keys, event, String(100 + n));
}

/** The published events here all carry a numeric `event_ts` (the `n` of {@link inner}). */
function numericTs(event: ZoomEvent): number {
  if (typeof event.event_ts !== 'number') throw new Error(`event_ts is not a number: ${String(event.event_ts)}`);
  return event.event_ts;
}

function consumer(options: Partial<ZoomWsConsumerOptions> = {}): ZoomWsConsumer {
  return new ZoomWsConsumer({ redis: server.url, subscriptionId: SUB, keyPrefix: 't', group: 'g1', block: 100, claimIdle: 200, ...options });
}

describe('ZoomWsConsumer', () => {
  it('two groups each receive every event, in order, with the meta of the entry', async () => {
    for (let n = 0; n < 20; n++) await publish(n);
    const seen: Record<string, { event: ZoomEvent; meta: DeliveryMeta }[]> = { a: [], b: [] };
    const consumers = ['a', 'b'].map((group) => {
      const c = consumer({ group });
      c.on('meeting.started', (event, meta) => void seen[group]!.push({ event, meta }));
      return c;
    });
    await Promise.all(consumers.map((c) => c.start()));
    for (let n = 20; n < 30; n++) await publish(n);
    await eventually(() => (seen.a!.length === 30 && seen.b!.length === 30 ? undefined : `${seen.a!.length}/${seen.b!.length}`), 'both groups');
    for (const group of ['a', 'b']) {
      expect(seen[group]!.map(({ event }) => numericTs(event) - 1_700_000_000_000)).toEqual([...Array(30).keys()]);
      expect(seen[group]![3]!.meta).toMatchObject({ key: idempotencyKey(inner(3)), replica: 'r1', token: '103', deliveries: 1 });
    }
    await Promise.all(consumers.map((c) => c.stop()));
    const pending = (await redis.sendCommand(['XPENDING', keys.events, 'a'])) as [number];
    expect(pending[0]).toBe(0);
  });

  it('two consumers in one group share the events with none delivered twice', async () => {
    const got: Record<string, number[]> = { c1: [], c2: [] };
    const consumers = ['c1', 'c2'].map((name) => {
      const c = consumer({ consumer: name, batchSize: 2 });
      c.on('*', async (event) => {
        got[name]!.push(numericTs(event));
        await new Promise((resolve) => setTimeout(resolve, 2));
      });
      return c;
    });
    await Promise.all(consumers.map((c) => c.start()));
    for (let n = 0; n < 60; n++) await publish(n);
    await eventually(() => (got.c1!.length + got.c2!.length >= 60 ? undefined : `${got.c1!.length + got.c2!.length}`), 'all 60');
    await Promise.all(consumers.map((c) => c.stop()));
    const all = [...got.c1!, ...got.c2!];
    expect(all).toHaveLength(60);
    expect(new Set(all).size).toBe(60);
    expect(got.c1!.length).toBeGreaterThan(0);
    expect(got.c2!.length).toBeGreaterThan(0);
  });

  it('a poison event is redelivered, then lands in the dead-letter stream after maxDeliveries and is acknowledged', async () => {
    const poison = await publish(1);
    await publish(2);
    const attempts: number[] = [];
    const good: number[] = [];
    const c = consumer({ maxDeliveries: 3, claimIdle: 100, concurrency: 2 });
    c.on('*', (event, meta) => {
      if (meta.id === poison) {
        attempts.push(meta.deliveries);
        throw new Error('handler cannot cope');
      }
      good.push(numericTs(event));
    });
    await c.start();
    await eventually(() => (c.stats.deadLettered === 1 ? undefined : `dead ${c.stats.deadLettered}`), 'dead letter', 5_000);
    await c.stop();
    expect(attempts).toEqual([1, 2, 3]);
    expect(good).toHaveLength(1);
    const dead = (await redis.sendCommand(['XRANGE', keys.dead, '-', '+'])) as [string, string[]][];
    expect(dead).toHaveLength(1);
    const fields = Object.fromEntries(dead[0]![1].flatMap((_, i, list) => (i % 2 === 0 ? [[list[i], list[i + 1]]] : [])));
    expect(fields).toMatchObject({ event: inner(1), key: idempotencyKey(inner(1)), replica: 'r1', token: '101', group: 'g1', originalId: poison });
    expect(fields.error).toContain('handler cannot cope');
    expect(((await redis.sendCommand(['XPENDING', keys.events, 'g1'])) as [number])[0]).toBe(0);
  });

  it('skips bad entries (no event field, bad JSON) into the dead-letter stream without a crash', async () => {
    await redis.sendCommand(['XADD', keys.events, '*', 'key', 'k', 'replica', 'r1']);
    await redis.sendCommand(['XADD', keys.events, '*', 'event', '{not json', 'key', 'k2']);
    await publish(3);
    const got: number[] = [];
    const c = consumer();
    c.on('*', (event) => void got.push(numericTs(event)));
    await c.start();
    await eventually(() => (got.length === 1 && c.stats.malformed === 2 ? undefined : `${got.length} ${c.stats.malformed}`), 'skip');
    await c.stop();
    expect(c.stats.deadLettered).toBe(2);
    expect(await redis.xLen(keys.dead)).toBe(2);
  });

  it('a new group starts at the oldest entry, or with fromNow at new ones only', async () => {
    await publish(1);
    const got: number[] = [];
    const c = consumer({ group: 'late', fromNow: true });
    c.on('*', (event) => void got.push(numericTs(event) - 1_700_000_000_000));
    await c.start();
    await publish(2);
    await eventually(() => (got.length === 1 ? undefined : `${got.length}`), 'new only');
    await c.stop();
    expect(got).toEqual([2]);
  });

  it('events() yields entries and acknowledges each when the next is asked for; onOutage reports recorded outages', async () => {
    await publish(1);
    await publish(2);
    const c = consumer();
    const outages: string[] = [];
    c.onOutage((outage) => outages.push(`${outage.reason}:${outage.from}-${outage.to}`));
    await c.start();
    const seen: number[] = [];
    for await (const { event } of c.events()) {
      seen.push(numericTs(event) - 1_700_000_000_000);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    await eventually(() => (c.stats.acknowledged === 1 ? undefined : `${c.stats.acknowledged}`), 'first acked');
    await new Promise((resolve) => setTimeout(resolve, 150));
    await redis.sendCommand(['XADD', keys.outages, '*', 'from', '1000', 'to', '2000', 'reason', 'failover', 'detail', 'x', 'replica', 'r2']);
    await eventually(() => (outages.length === 1 ? undefined : 'none'), 'outage');
    await c.stop();
    expect(outages).toEqual(['failover:1000-2000']);
  });

  it('validates options with config errors naming them', () => {
    expect(() => consumer({ group: '' })).toThrow(ZoomWsConfigError);
    expect(() => consumer({ maxDeliveries: 0 })).toThrow(/maxDeliveries/);
    expect(() => consumer({ redis: 'http://x' })).toThrow(/"redis"/);
  });

  it('stop() finishes the running handler, acks it, and leaves no handle', async () => {
    await publish(1);
    const baseline = liveHandles();
    const c = consumer();
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    c.on('*', async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = true;
    });
    await c.start();
    await running;
    await c.stop();
    expect(finished).toBe(true);
    expect(c.stats.acknowledged).toBe(1);
    expect(await leakedHandles(baseline)).toEqual([]);
  });
});
