import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { ZoomWsConsumer } from '../../src/cluster/consumer.js';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import type { DeliveryStatus } from '../../src/forward/index.js';
import { IDEMPOTENCY_HEADER } from '../../src/forward/index.js';
import { idempotencyKey } from '../../src/protocol/idempotency-key.js';
import { runCli } from '../support/cli.js';
import { sampleEvent } from '../support/harness.js';
import { startRedisServer } from '../support/redis-server.js';
import { eventually } from '../support/wait.js';

// Runs the built CLI (dist/): `npm run build` first.
const SECRET = 'cluster-concurrency-secret';
const SUBSCRIPTION = 'fwd-concurrency';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/**
 * A webhook handler that counts the requests it holds at once. `answer` decides when each held response is sent:
 * it gets the responses held so far (the new one last).
 */
async function countingHandler(answer: (held: ServerResponse[]) => void) {
  const seen = { active: 0, max: 0, keys: [] as string[] };
  const held: ServerResponse[] = [];
  const http = createServer((req, res) => {
    seen.active++;
    seen.max = Math.max(seen.max, seen.active);
    res.on('finish', () => seen.active--);
    req.resume();
    req.on('end', () => {
      seen.keys.push(String(req.headers[IDEMPOTENCY_HEADER]));
      held.push(res);
      answer(held);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => {
    http.closeAllConnections();
    http.close(() => resolve());
  }));
  return { seen, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/webhook` };
}

async function streamOf(count: number): Promise<{ url: string; keys: string[] }> {
  const server = await startRedisServer();
  closers.push(() => server.stop());
  const redis = createClient({ url: server.url });
  await redis.connect();
  closers.push(async () => void (await redis.close()));
  const raws = Array.from({ length: count }, (_, i) => JSON.stringify(sampleEvent(i + 1, 'meeting.participant_joined')));
  for (const raw of raws) await redis.xAdd(subscriptionKeys('zoomws', SUBSCRIPTION).events, '*', { event: raw, key: idempotencyKey(raw), replica: 'test', token: '1' });
  return { url: server.url, keys: raws.map((raw) => idempotencyKey(raw)) };
}

async function forward(redisUrl: string, to: string, concurrency: number, events: number) {
  const run = runCli(['forward', '--to', to, '--redis', redisUrl, '--group', 'webhooks', '--concurrency', String(concurrency)], {
    ZOOM_SUBSCRIPTION_ID: SUBSCRIPTION,
    ZOOM_WEBHOOK_SECRET_TOKEN: SECRET,
  });
  closers.push(async () => void run.child.kill('SIGKILL'));
  await run.waitFor(() => run.stdoutLines().length >= events, `${events} status lines`, 10_000);
  run.child.kill('SIGINT');
  expect((await run.exit).code).toBe(0);
  return run.stdoutLines().map((line) => JSON.parse(line) as DeliveryStatus);
}

describe('zoom-ws forward --redis --group --concurrency', () => {
  it('with --concurrency 4, four deliveries are in flight at once', async () => {
    const stream = await streamOf(8);
    // Answers only once four are waiting: with fewer in flight the run never gets past the first ones.
    const handler = await countingHandler((held) => {
      if (held.length === 4) for (const res of held.splice(0)) res.writeHead(200).end();
    });
    const statuses = await forward(stream.url, handler.url, 4, 8);
    expect(handler.seen.max).toBe(4);
    expect(statuses.map((status) => status.outcome)).toEqual(Array(8).fill('delivered'));
    expect([...handler.seen.keys].sort()).toEqual([...stream.keys].sort());
  });

  it('with --concurrency 1, one at a time and in order', async () => {
    const stream = await streamOf(4);
    // Each answer takes 100 ms: a second delivery in flight would arrive meanwhile.
    const handler = await countingHandler((held) => {
      const res = held.shift()!;
      setTimeout(() => res.writeHead(200).end(), 100);
    });
    const statuses = await forward(stream.url, handler.url, 1, 4);
    expect(handler.seen.max).toBe(1);
    expect(statuses.map((status) => status.outcome)).toEqual(Array(4).fill('delivered'));
    expect(handler.seen.keys).toEqual(stream.keys);
  });

  it('library: a consumer whose concurrency is above the default batch size runs that many handlers at once', async () => {
    const stream = await streamOf(20);
    const consumer = new ZoomWsConsumer({ redis: stream.url, subscriptionId: SUBSCRIPTION, group: 'lib', block: 100, concurrency: 20 });
    expect(consumer.options.batchSize).toBe(20);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    consumer.on('*', async () => {
      running++;
      await gate;
    });
    await consumer.start();
    try {
      await eventually(() => (running === 20 ? undefined : `${running} running`), 'twenty handlers at once', 5_000);
    } finally {
      release();
      await consumer.stop();
    }
    expect(consumer.stats.acknowledged).toBe(20);
  });
});
