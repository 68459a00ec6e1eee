import { describe, expect, it } from 'vitest';
import { ZoomWsConsumer } from '../../src/cluster/consumer.js';
import { HeldEntries } from '../../src/cluster/held-entries.js';
import type { ZoomWsConsumerOptions } from '../../src/cluster/consumer-options.js';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import type { ZoomEvent } from '../../src/protocol/events.js';
import { runCli } from '../support/cli.js';
import type { RedisServer } from '../support/redis-server.js';
import { type TestRedisClient, appendEvent, sampleInner, useRedisServer } from '../support/stream-entries.js';
import { eventually, leakedHandles, liveHandles } from '../support/wait.js';

// A consumer's own in-progress entries (being handled, or waiting in its read batch) are never claimed again by
// itself, and a live consumer keeps them from other consumers of the group by refreshing their idle time.
const SUB = 'sub-held';
const keys = subscriptionKeys('h', SUB);
let server: RedisServer;
let redis: TestRedisClient;
useRedisServer((started, client) => {
  server = started;
  redis = client;
});

const inner = sampleInner;

function publish(n: number): Promise<string> {
  return appendEvent(redis, keys, inner(n));
}

const numberOf = (event: ZoomEvent) => Number(event.event_ts) - 1_700_000_000_000;

function consumer(options: Partial<ZoomWsConsumerOptions> = {}): ZoomWsConsumer {
  return new ZoomWsConsumer({ redis: server.url, subscriptionId: SUB, keyPrefix: 'h', group: 'g', block: 100, ...options });
}

/** Lets real time pass (Redis measures idle time on its own clock), polling rather than sleeping. */
async function elapse(ms: number): Promise<void> {
  const from = performance.now();
  await eventually(() => (performance.now() - from >= ms ? undefined : 'waiting'), `${ms} ms`, ms + 5_000);
}

type Pending = [id: string, consumer: string, idleMs: number, deliveries: number];
const pendingEntries = async () => (await redis.sendCommand(['XPENDING', keys.events, 'g', '-', '+', '100'])) as Pending[];

describe('ZoomWsConsumer and the entries it holds', () => {
  it('delivers a handler slower than claimIdle exactly once', async () => {
    const claimIdle = 200;
    await publish(1);
    const deliveries: number[] = [];
    const baseline = liveHandles();
    const c = consumer({ claimIdle });
    c.on('*', async (_event, meta) => {
      deliveries.push(meta.deliveries);
      await new Promise((resolve) => setTimeout(resolve, claimIdle * 5));
    });
    await c.start();
    await eventually(() => (c.stats.acknowledged === 1 ? undefined : `acknowledged ${c.stats.acknowledged}`), 'the ack', 10_000);
    // A second delivery, if any, would start as soon as the first settled: give the claim rounds time to try.
    await elapse(claimIdle * 3);
    await c.stop();
    expect(deliveries).toEqual([1]);
    expect(c.stats).toMatchObject({ delivered: 1, acknowledged: 1, claimed: 0 });
    expect(await pendingEntries()).toEqual([]);
    expect(await leakedHandles(baseline)).toEqual([]);
  });

  it('keeps the order with concurrency 1 when entries wait in the read batch longer than claimIdle', async () => {
    const claimIdle = 150;
    for (let n = 0; n < 6; n++) await publish(n);
    const seen: number[] = [];
    const c = consumer({ claimIdle });
    c.on('*', async (event) => {
      seen.push(numberOf(event));
      await new Promise((resolve) => setTimeout(resolve, claimIdle));
    });
    await c.start();
    await eventually(() => (c.stats.acknowledged === 6 ? undefined : `acknowledged ${c.stats.acknowledged}`), 'six acks', 15_000);
    await elapse(claimIdle * 2);
    await c.stop();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(c.stats).toMatchObject({ delivered: 6, claimed: 0 });
  });

  it('a second consumer of the group does not steal an entry the first is still handling; its delivery count stays 1', async () => {
    const claimIdle = 300;
    const id = await publish(1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const slowSaw: number[] = [];
    const slow = consumer({ consumer: 'slow', claimIdle });
    slow.on('*', async (_event, meta) => {
      slowSaw.push(meta.deliveries);
      started();
      await held;
    });
    await slow.start();
    await running;
    const otherSaw: string[] = [];
    const other = consumer({ consumer: 'other', claimIdle });
    other.on('*', (_event, meta) => void otherSaw.push(meta.id));
    await other.start();
    // Several claimIdle periods: without the refresh the other one claims it after about one.
    await elapse(claimIdle * 5);
    const [entry] = await pendingEntries();
    expect(entry?.[0]).toBe(id);
    expect(entry?.[1]).toBe('slow');
    expect(entry![2]).toBeLessThan(claimIdle);
    expect(entry?.[3]).toBe(1);
    release();
    await eventually(() => (slow.stats.acknowledged === 1 ? undefined : `acknowledged ${slow.stats.acknowledged}`), 'the ack');
    await Promise.all([slow.stop(), other.stop()]);
    expect(slowSaw).toEqual([1]);
    expect(otherSaw).toEqual([]);
    expect(other.stats.claimed).toBe(0);
    expect(await pendingEntries()).toEqual([]);
  });

  it('an entry whose handler failed is still redelivered after claimIdle, with its count', async () => {
    const claimIdle = 150;
    await publish(1);
    const deliveries: number[] = [];
    const c = consumer({ claimIdle });
    c.on('*', (_event, meta) => {
      deliveries.push(meta.deliveries);
      if (meta.deliveries === 1) throw new Error('try again');
    });
    await c.start();
    await eventually(() => (c.stats.acknowledged === 1 ? undefined : `acknowledged ${c.stats.acknowledged}`), 'the redelivery', 5_000);
    await c.stop();
    expect(deliveries).toEqual([1, 2]);
    expect(c.stats.claimed).toBe(1);
  });

  // Runs the built CLI (dist/): `npm run build` first.
  it('a stalled consumer (SIGSTOP) refreshes nothing: another claims its entries after claimIdle; resumed, it finishes and nothing stays pending', async () => {
    const total = 100;
    for (let n = 0; n < total; n++) await publish(n);
    const run = runCli(['consume', '--group', 'g', '--key-prefix', 'h', '--consumer', 'stalled'], { ZOOM_SUBSCRIPTION_ID: SUB, ZOOM_WS_REDIS_URL: server.url });
    await run.waitFor(() => run.stdoutLines().length >= 3, 'the first lines');
    run.child.kill('SIGSTOP');
    try {
      const claimIdle = 300;
      const survivor = consumer({ consumer: 'survivor', claimIdle });
      const handled = new Set<string>();
      survivor.on('*', (_event, meta) => void handled.add(meta.raw));
      await survivor.start();
      await eventually(() => (survivor.stats.claimed > 0 ? undefined : 'nothing claimed'), 'a claim of the stalled one\'s entries', claimIdle * 3 + 5_000);
      run.child.kill('SIGCONT');
      const all = [...Array(total).keys()].map(inner);
      await eventually(() => {
        const printed = new Set(run.stdoutLines());
        const missing = all.filter((line) => !printed.has(line) && !handled.has(line));
        return missing.length === 0 ? undefined : `${missing.length} never handled`;
      }, 'every event handled at least once', 10_000);
      run.child.kill('SIGTERM');
      expect((await run.exit).code).toBe(0);
      await eventually(() => (survivor.stats.pending === 0 ? undefined : `pending ${survivor.stats.pending}`), 'nothing left pending', 5_000);
      await survivor.stop();
      expect(await pendingEntries()).toEqual([]);
    } finally {
      run.child.kill('SIGCONT');
      run.child.kill('SIGKILL');
    }
  });

  it('HeldEntries.refresh resets the idle time of held entries still pending on us, without a delivery, and leaves one another consumer took', async () => {
    const mine = await publish(1);
    const taken = await publish(2);
    await redis.sendCommand(['XGROUP', 'CREATE', keys.events, 'g', '0']);
    await redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'me', 'COUNT', '2', 'STREAMS', keys.events, '>']);
    const held = new HeldEntries();
    expect(held.take([mine, taken, mine], (id) => id)).toEqual([mine, taken]);
    expect(held.take([mine], (id) => id)).toEqual([]);
    await elapse(50);
    await redis.sendCommand(['XCLAIM', keys.events, 'g', 'thief', '0', taken]);
    await elapse(50);
    expect(await held.refresh(redis, keys.events, 'g', 'me')).toBe(1);
    const byId = new Map((await pendingEntries()).map((entry) => [entry[0], entry]));
    expect(byId.get(mine)?.[1]).toBe('me');
    expect(byId.get(mine)![2]).toBeLessThan(50);
    expect(byId.get(mine)?.[3]).toBe(1);
    expect(byId.get(taken)?.[1]).toBe('thief');
    expect(byId.get(taken)![2]).toBeGreaterThanOrEqual(50);
    held.release(mine);
    expect(held.has(mine)).toBe(false);
    expect(held.size).toBe(1);
  });
});
