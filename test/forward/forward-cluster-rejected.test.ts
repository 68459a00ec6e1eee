import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { ZoomWsConsumer } from '../../src/cluster/consumer.js';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { createForwarder, forwardingHandler, IDEMPOTENCY_HEADER, type DeliveryStatus } from '../../src/forward/index.js';
import { idempotencyKey } from '../../src/protocol/idempotency-key.js';
import { runCli } from '../support/cli.js';
import { sampleEvent } from '../support/harness.js';
import { startRedisServer } from '../support/redis-server.js';
import { eventually } from '../support/wait.js';

const SECRET = 'rejected-forward-secret-token';
const SUBSCRIPTION = 'fwd-rejected-sub';
const keys = subscriptionKeys('zoomws', SUBSCRIPTION);
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A handler answering per idempotency key: `answers(key, n)` is the status of the n-th request (1-based) for that key. */
async function startHandler(answers: (key: string, n: number) => number): Promise<{ url: string; requests: Map<string, number> }> {
  const requests = new Map<string, number>();
  const http: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers[IDEMPOTENCY_HEADER]);
      const n = (requests.get(key) ?? 0) + 1;
      requests.set(key, n);
      res.writeHead(answers(key, n)).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => {
    http.closeAllConnections();
    http.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/webhook`, requests };
}

async function startRedis() {
  const server = await startRedisServer();
  closers.push(() => server.stop());
  const redis = createClient({ url: server.url });
  redis.on('error', () => {});
  await redis.connect();
  closers.push(async () => void redis.destroy());
  const publish = async (n: number) => {
    const raw = JSON.stringify(sampleEvent(n, 'meeting.participant_joined'));
    const key = idempotencyKey(raw);
    const id = await redis.xAdd(keys.events, '*', { event: raw, key, replica: 'test', token: '1' });
    return { raw, key, id };
  };
  const dead = async () => ((await redis.sendCommand(['XRANGE', keys.dead, '-', '+'])) as [string, string[]][]).map(([, pairs]) => Object.fromEntries(pairs.flatMap((_, i) => (i % 2 === 0 ? [[pairs[i]!, pairs[i + 1]!]] : []))) as Record<string, string>);
  const pending = async (group: string) => ((await redis.sendCommand(['XPENDING', keys.events, group])) as [number])[0];
  return { url: server.url, publish, dead, pending };
}

describe('forwarding in cluster mode: a final 4xx goes to the dead-letter stream at once', () => {
  it('library: forwardingHandler dead-letters a 400 after one delivery (acked, counted); a 500 is redelivered until a 2xx', async () => {
    const redis = await startRedis();
    const rejected = await redis.publish(1);
    const flaky = await redis.publish(2);
    const fine = await redis.publish(3);
    const handler = await startHandler((key, n) => (key === rejected.key ? 400 : key === flaky.key && n === 1 ? 500 : 204));
    const statuses: DeliveryStatus[] = [];
    // One attempt per delivery: the redelivery seen here is the consumer's, not the forwarder's own retry.
    const forwarder = createForwarder({ to: handler.url, secretToken: SECRET, retry: { maxAttempts: 1 }, onStatus: (status) => statuses.push(status) });
    // claimIdle well above one delivery's time even on a loaded machine: a handler still running after claimIdle
    // is claimed (and delivered a second time) by the consumer's own claim round.
    const consumer = new ZoomWsConsumer({ redis: redis.url, subscriptionId: SUBSCRIPTION, group: 'webhooks', block: 100, claimIdle: 1_000, maxDeliveries: 5 });
    closers.push(() => consumer.stop());
    consumer.on('*', forwardingHandler(forwarder));
    await consumer.start();
    await eventually(() => (consumer.stats.acknowledged === 2 ? undefined : `acknowledged ${consumer.stats.acknowledged}`), 'the 500 redelivered and both good entries acknowledged', 5_000);
    await forwarder.stop();
    await consumer.stop();

    expect(Object.fromEntries(handler.requests)).toEqual({ [rejected.key]: 1, [flaky.key]: 2, [fine.key]: 1 });
    expect(consumer.stats).toMatchObject({ permanentFailures: 1, handlerFailures: 2, deadLettered: 1, acknowledged: 2 });
    expect(forwarder.stats).toMatchObject({ rejected: 1, failed: 1, delivered: 2 });
    expect(statuses.find((status) => status.key === rejected.key)).toMatchObject({ outcome: 'rejected', status: 400, attempts: 1 });
    const dead = await redis.dead();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ originalId: rejected.id, group: 'webhooks', key: rejected.key, event: rejected.raw });
    expect(dead[0]!.error).toMatch(/^PermanentDeliveryError: .*status 400/);
    expect(await redis.pending('webhooks')).toBe(0);
  });

  it('CLI: zoom-ws forward --redis --group dead-letters a 400 on its first delivery and acknowledges it', async () => {
    const redis = await startRedis();
    const rejected = await redis.publish(1);
    const fine = await redis.publish(2);
    const handler = await startHandler((key) => (key === rejected.key ? 400 : 204));
    const env = { ZOOM_SUBSCRIPTION_ID: SUBSCRIPTION, ZOOM_WEBHOOK_SECRET_TOKEN: SECRET };
    // --max-deliveries 5: without the permanent path the 400 would stay pending and be redelivered after --claim-idle.
    const cli = runCli(['forward', '--to', handler.url, '--redis', redis.url, '--group', 'webhooks', '--consumer', 'one', '--claim-idle', '1000', '--max-deliveries', '5'], env);
    closers.push(async () => void cli.child.kill('SIGKILL'));
    await cli.waitFor(() => cli.stdoutLines().length >= 2, 'two status lines', 10_000);
    // The second entry's ack may still be on its way when its status line is out.
    let pendingBeforeStop = -1;
    for (const started = performance.now(); performance.now() - started < 5_000 && pendingBeforeStop !== 0; ) pendingBeforeStop = await redis.pending('webhooks');
    const deadBeforeStop = await redis.dead();
    cli.child.kill('SIGINT');
    expect((await cli.exit).code).toBe(0);

    const statuses = cli.stdoutLines().map((line) => JSON.parse(line) as DeliveryStatus);
    expect(statuses.filter((status) => status.key === rejected.key)).toEqual([expect.objectContaining({ outcome: 'rejected', status: 400, attempts: 1 })]);
    expect(statuses.filter((status) => status.key === fine.key)).toEqual([expect.objectContaining({ outcome: 'delivered', status: 204 })]);
    expect(handler.requests.get(rejected.key)).toBe(1);
    expect(deadBeforeStop.map((entry) => entry.originalId)).toEqual([rejected.id]);
    expect(deadBeforeStop[0]!.error).toMatch(/^PermanentDeliveryError: .*status 400/);
    expect(pendingBeforeStop).toBe(0);
    expect(cli.stderr()).toMatch(/failed permanently/);
    expect(cli.stdout() + cli.stderr()).not.toContain(SECRET);
  });
});
