import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import type { DeliveryStatus } from '../../src/forward/index.js';
import { IDEMPOTENCY_HEADER } from '../../src/forward/index.js';
import { idempotencyKey } from '../../src/protocol/idempotency-key.js';
import { runCli } from '../support/cli.js';
import { sampleEvent } from '../support/harness.js';
import { startRedisServer } from '../support/redis-server.js';

const SECRET = 'cluster-forward-secret-token';
const SUBSCRIPTION = 'fwd-sub';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('zoom-ws forward --redis --group (cluster mode)', () => {
  it('a forwarder SIGKILLed mid-stream: a second one in the group delivers the rest; every event arrives at least once, repeats share a key', async () => {
    const server = await startRedisServer();
    closers.push(() => server.stop());
    const redis = createClient({ url: server.url });
    await redis.connect();
    closers.push(async () => void (await redis.close()));
    const raws = Array.from({ length: 20 }, (_, i) => JSON.stringify(sampleEvent(i + 1, 'meeting.participant_joined')));
    for (const raw of raws) await redis.xAdd(subscriptionKeys('zoomws', SUBSCRIPTION).events, '*', { event: raw, key: idempotencyKey(raw), replica: 'test', token: '1' });

    // Slow enough answers (40 ms) that the kill lands mid-stream; every request verified from Zoom's formula.
    const received: { key: string; body: string; verified: boolean }[] = [];
    const http = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const expected = 'v0=' + createHmac('sha256', SECRET).update(`v0:${req.headers['x-zm-request-timestamp']}:${body}`).digest('hex');
        received.push({ key: String(req.headers[IDEMPOTENCY_HEADER]), body, verified: expected === req.headers['x-zm-signature'] });
        setTimeout(() => res.writeHead(200).end(), 40);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/webhook`;
    const env = { ZOOM_SUBSCRIPTION_ID: SUBSCRIPTION, ZOOM_WEBHOOK_SECRET_TOKEN: SECRET };
    const flags = ['forward', '--to', url, '--redis', server.url, '--group', 'webhooks', '--claim-idle', '300'];

    const first = runCli([...flags, '--consumer', 'one'], env);
    closers.push(async () => void first.child.kill('SIGKILL'));
    await first.waitFor(() => received.length >= 5, 'five deliveries by the first forwarder', 10_000);
    first.child.kill('SIGKILL');
    await first.exit;
    const second = runCli([...flags, '--consumer', 'two'], env);
    closers.push(async () => void second.child.kill('SIGKILL'));
    const keys = raws.map((raw) => idempotencyKey(raw));
    await second.waitFor(() => keys.every((key) => received.some((call) => call.key === key)), 'every event delivered', 10_000);
    await second.waitFor(() => second.stdoutLines().length > 0, 'a status line');
    second.child.kill('SIGINT');
    expect((await second.exit).code).toBe(0);

    expect(received.every((call) => call.verified)).toBe(true);
    // The handler's dedupe by the idempotency header leaves each event exactly once, with its own body.
    const unique = new Map(received.map((call) => [call.key, call.body]));
    expect([...unique.keys()].sort()).toEqual([...keys].sort());
    for (const [key, body] of unique) expect(idempotencyKey(body)).toBe(key);
    const statuses = second.stdoutLines().map((line) => JSON.parse(line) as DeliveryStatus);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status.outcome === 'delivered').every((status) => keys.includes(status.key))).toBe(true);
    expect(first.stdout() + first.stderr() + second.stdout() + second.stderr()).not.toContain(SECRET);
  });
});
