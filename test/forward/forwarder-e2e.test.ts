import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeetingsS2SAuthClient } from '@zoom/rivet/meetings';
import { afterEach, describe, expect, it } from 'vitest';
import { createForwarder, IDEMPOTENCY_HEADER, type DeliveryStatus } from '../../src/forward/index.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import { runCli } from '../support/cli.js';
import { sampleEvent, useHarness } from '../support/harness.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'zoom-events');
const SECRET = 'e2e-webhook-secret-token-Q7';
const ESCAPED = '{"event":"meeting.started","event_ts":2,"payload":{"object":{"topic":"Caf\\u00e9 \\/ 会議 \\"q\\""}}}';

/** A `message` frame carrying `raw` byte for byte, as Zoom double-encodes it. */
const messageFrame = (raw: string) => JSON.stringify({ module: 'message', success: true, content: raw });

const harness = useHarness();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => (predicate() ? resolve() : Date.now() > deadline ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(check, 5));
    check();
  });
}

/** A webhook handler written from Zoom's documented formula, not from our code. Delays answers to expose reordering. */
async function verifier(delayMs: (call: number) => number = () => 0) {
  const received: { body: string; verified: boolean; key: string | undefined }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const message = `v0:${req.headers['x-zm-request-timestamp']}:${body}`;
      const verified = req.headers['x-zm-signature'] === `v0=${createHmac('sha256', SECRET).update(message).digest('hex')}` && req.headers['content-type'] === 'application/json';
      received.push({ body, verified, key: req.headers[IDEMPOTENCY_HEADER] as string | undefined });
      setTimeout(() => res.writeHead(verified ? 200 : 401).end(), delayMs(received.length));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, received };
}

describe('forwarding simulator events through ZoomWsClient', () => {
  it("@zoom/rivet's HttpReceiver accepts every real fixture (and an escaped non-ASCII event) in order; a wrong secret is rejected", async () => {
    const app = new MeetingsS2SAuthClient({ clientId: 'x', clientSecret: 'y', accountId: 'z', webhooksSecretToken: SECRET, port: 0 });
    const server = (await app.start()) as unknown as Server;
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zoom/events`;
    const raws = readdirSync(fixtures).filter((name) => name.endsWith('.json')).sort().map((file) => readFileSync(path.join(fixtures, file), 'utf8'));
    raws.push(ESCAPED);
    const names = raws.map((raw) => (JSON.parse(raw) as { event: string }).event);
    const received: string[] = [];
    for (const name of new Set(names)) app.webEventConsumer!.event(name as never, ((event: { event: string }) => void received.push(event.event)) as never);

    const logs: string[] = [];
    const logger = { debug: (m: string) => logs.push(m), info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    const statuses: DeliveryStatus[] = [];
    const forwarder = createForwarder({ to: url, secretToken: SECRET, logger, onStatus: (status) => statuses.push(status) });
    const wrongStatuses: DeliveryStatus[] = [];
    const wrong = createForwarder({ to: url, secretToken: 'not-the-secret', logger, retry: { maxAttempts: 3 }, onStatus: (status) => wrongStatuses.push(status) });
    const { sim, client } = await harness();
    client.onRaw((raw, event) => {
      forwarder.push(raw, event.event);
      if (event.event === names[0]) wrong.push(raw, event.event);
    });
    await client.start();
    for (const raw of raws) sim.sendRaw(messageFrame(raw));
    await until(() => statuses.length === raws.length && wrongStatuses.length === 1, 'every delivery');
    await Promise.all([forwarder.stop(), wrong.stop()]);

    expect(statuses.map((status) => status.outcome)).toEqual(raws.map(() => 'delivered'));
    expect(statuses.map((status) => status.event)).toEqual(names);
    expect(received).toEqual(names);
    expect(wrongStatuses).toEqual([expect.objectContaining({ outcome: 'rejected', status: 400, attempts: 1 })]);
    expect(logs.join('\n')).toContain('rejected');
    expect(logs.join('\n')).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain('not-the-secret');
  });

  it('keeps the order at concurrency 1 against a handler whose answers take varying time, every body verified', async () => {
    const { url, received } = await verifier((call) => (call * 7) % 13);
    const statuses: DeliveryStatus[] = [];
    const forwarder = createForwarder({ to: url, secretToken: SECRET, onStatus: (status) => statuses.push(status) });
    const { sim, client } = await harness();
    client.onRaw((raw, event) => forwarder.push(raw, event.event));
    await client.start();
    const events = Array.from({ length: 40 }, (_, i) => sampleEvent(i + 1));
    for (const event of events) sim.emit(event);
    await until(() => statuses.length === events.length, '40 deliveries');
    await forwarder.stop();
    expect(received.map((call) => (JSON.parse(call.body) as { event_ts: number }).event_ts)).toEqual(events.map((event) => event.event_ts));
    expect(received.every((call) => call.verified)).toBe(true);
    expect(new Set(received.map((call) => call.key)).size).toBe(40);
    expect(statuses.every((status) => status.outcome === 'delivered' && status.status === 200)).toBe(true);
  });
});

describe('zoom-ws forward (built CLI)', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('delivers simulator events to a node:http verifier, one NDJSON status line each; %s exits 0; the secret token is never printed', async (signal) => {
    const sim = await createZoomSimulator();
    closers.push(() => sim.stop());
    const { url, received } = await verifier();
    const run = runCli(['forward', '--to', url, '--events', 'meeting.*', '--heartbeat-interval', '200'], { ...sim.env, ZOOM_WEBHOOK_SECRET_TOKEN: SECRET });
    await run.waitFor(() => sim.liveConnectionCount() === 1 && run.stderr().includes('open'), 'the connection');
    const events = [sampleEvent(1, 'meeting.started'), sampleEvent(2, 'recording.completed'), sampleEvent(3, 'meeting.ended')];
    for (const event of events) sim.emit(event);
    await run.waitFor(() => run.stdoutLines().length === 2, 'two status lines');
    run.child.kill(signal);
    const { code } = await run.exit;
    expect(code).toBe(0);
    expect(run.stderr()).toContain(`${signal}: closing`);
    const lines = run.stdoutLines().map((line) => JSON.parse(line) as DeliveryStatus);
    expect(lines.map(({ event, outcome, status, attempts }) => ({ event, outcome, status, attempts }))).toEqual([
      { event: 'meeting.started', outcome: 'delivered', status: 200, attempts: 1 },
      { event: 'meeting.ended', outcome: 'delivered', status: 200, attempts: 1 },
    ]);
    expect(lines.every((line) => /^[0-9a-f]{64}$/.test(line.key) && typeof line.ms === 'number')).toBe(true);
    expect(received.map((call) => call.verified)).toEqual([true, true]);
    expect(received.map((call) => JSON.parse(call.body))).toEqual([events[0], events[2]]);
    expect(run.stdout() + run.stderr()).not.toContain(SECRET);
    expect(run.stdout() + run.stderr()).not.toContain(sim.credentials.clientSecret);
  });

  it('exits 2 naming a bad flag or a missing secret token', async () => {
    const sim = await createZoomSimulator();
    closers.push(() => sim.stop());
    const bad = runCli(['forward', '--to', 'http://127.0.0.1:1/', '--concurency', '2'], { ...sim.env, ZOOM_WEBHOOK_SECRET_TOKEN: SECRET });
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr()).toContain('--concurency');
    const missing = runCli(['forward', '--to', 'http://127.0.0.1:1/'], { ...sim.env });
    expect((await missing.exit).code).toBe(2);
    expect(missing.stderr()).toContain('ZOOM_WEBHOOK_SECRET_TOKEN');
    const badUrl = runCli(['forward', '--to', 'ftp://127.0.0.1/'], { ...sim.env, ZOOM_WEBHOOK_SECRET_TOKEN: SECRET });
    expect((await badUrl.exit).code).toBe(2);
    expect(badUrl.stderr()).toContain('--to');
    expect(bad.stderr() + missing.stderr() + badUrl.stderr()).not.toContain(SECRET);
  });
});
