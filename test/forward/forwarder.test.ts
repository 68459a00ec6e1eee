import { createHash, createHmac } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/client/logger.js';
import { clientLeaks, handleBaseline } from '../support/wait.js';
import { ZoomWsConfigError } from '../../src/errors.js';
import { createForwarder, IDEMPOTENCY_HEADER, type DeliveryStatus } from '../../src/forward/index.js';

const SECRET = 'forwarder-secret-token';
const raw = (n: number) => `{"event":"meeting.started","event_ts":${n},"payload":{"object":{"id":"${n}"}}}`;
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

interface Call { body: string; key: string | undefined; verified: boolean }

/** Answers each request through `respond`; holds it while `respond` does not end it. */
async function handler(respond: (call: number, res: ServerResponse) => void = (_call, res) => res.writeHead(200).end()) {
  const calls: Call[] = [];
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const expected = 'v0=' + createHmac('sha256', SECRET).update(`v0:${req.headers['x-zm-request-timestamp']}:${body}`).digest('hex');
      calls.push({ body, key: req.headers[IDEMPOTENCY_HEADER] as string | undefined, verified: expected === req.headers['x-zm-signature'] });
      held.add(res);
      res.on('finish', () => held.delete(res));
      respond(calls.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/zoom`, calls };
}

function recordingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const write = (message: string, ...rest: unknown[]) => void lines.push([message, ...rest.map((value) => JSON.stringify(value))].join(' '));
  return { logger: { debug: write, info: write, warn: write, error: write }, text: () => lines.join('\n') };
}

function until(predicate: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5_000;
    const check = () => (predicate() ? resolve() : Date.now() > deadline ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(check, 5));
    check();
  });
}

describe('createForwarder', () => {
  it('delivers in push order at concurrency 1, signed, with the idempotency key, one status per event', async () => {
    const { url, calls } = await handler();
    const statuses: DeliveryStatus[] = [];
    const forwarder = createForwarder({ to: url, secretToken: SECRET, onStatus: (status) => statuses.push(status) });
    for (let n = 1; n <= 20; n++) expect(forwarder.push(raw(n), 'meeting.started')).toBe(true);
    await until(() => statuses.length === 20, '20 statuses');
    expect(calls.map((call) => call.body)).toEqual(Array.from({ length: 20 }, (_, i) => raw(i + 1)));
    expect(calls.every((call) => call.verified)).toBe(true);
    expect(calls[0]!.key).toBe(createHash('sha256').update(raw(1)).digest('hex'));
    expect(statuses[0]).toMatchObject({ event: 'meeting.started', key: calls[0]!.key, outcome: 'delivered', status: 200, attempts: 1 });
    expect(statuses.every((status) => typeof status.ms === 'number')).toBe(true);
    expect(await forwarder.stop()).toEqual({ undelivered: 0 });
    expect(forwarder.stats).toMatchObject({ delivered: 20, undelivered: 0, overflow: 0, inFlight: 0, queued: 0 });
  });

  it('reports overflow beyond maxQueue and what is still queued at stop, never silently dropping', async () => {
    const { url, calls } = await handler(() => {}); // holds every request: the first stays in flight
    const statuses: DeliveryStatus[] = [];
    const { logger, text } = recordingLogger();
    const forwarder = createForwarder({ to: url, secretToken: SECRET, maxQueue: 3, logger, onStatus: (status) => statuses.push(status) });
    const accepted = Array.from({ length: 6 }, (_, i) => forwarder.push(raw(i + 1), 'meeting.started'));
    expect(accepted).toEqual([true, true, true, true, false, false]); // 1 in flight + 3 queued
    expect(statuses.map((status) => status.outcome)).toEqual(['overflow', 'overflow']);
    await until(() => calls.length === 1, 'the first request');
    const { undelivered } = await forwarder.stop();
    expect(undelivered).toBe(4); // three queued + the one in flight when stop aborted it
    expect(forwarder.stats).toMatchObject({ overflow: 2, undelivered: 4, delivered: 0 });
    expect(statuses).toHaveLength(6);
    expect(statuses.filter((status) => status.outcome === 'undelivered').map((status) => status.key).sort()).toEqual(
      [1, 2, 3, 4].map((n) => createHash('sha256').update(raw(n)).digest('hex')).sort(),
    );
    expect(forwarder.push(raw(9), 'meeting.started')).toBe(false);
    expect(statuses.at(-1)).toMatchObject({ outcome: 'undelivered', attempts: 0 });
    expect(text()).toContain('overflow');
    expect(text()).not.toContain(SECRET);
  });

  it('applies the event filters, and counts what they left out', async () => {
    const { url, calls } = await handler();
    const forwarder = createForwarder({ to: url, secretToken: SECRET, events: ['meeting.*'], exclude: ['meeting.ended'] });
    expect(forwarder.push(raw(1), 'meeting.started')).toBe(true);
    expect(forwarder.push(raw(2), 'meeting.ended')).toBe(false);
    expect(forwarder.push(raw(3), 'recording.completed')).toBe(false);
    await until(() => forwarder.stats.delivered === 1, 'one delivery');
    await forwarder.stop();
    expect(calls).toHaveLength(1);
    expect(forwarder.stats.filtered).toBe(2);
  });

  it('stop ends a Retry-After wait instead of sitting it out, leaving no timer or socket; the secret never reaches the log', async () => {
    const { url } = await handler((_call, res) => res.writeHead(503, { 'retry-after': '60' }).end(`bad token ${SECRET}`));
    const baseline = handleBaseline();
    const { logger, text } = recordingLogger();
    const statuses: DeliveryStatus[] = [];
    const forwarder = createForwarder({ to: url, secretToken: SECRET, logger, retry: { maxDelay: 60_000 }, onStatus: (status) => statuses.push(status) });
    forwarder.push(raw(1), 'meeting.started');
    await until(() => forwarder.stats.inFlight === 1, 'in flight');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    expect(await forwarder.stop()).toEqual({ undelivered: 1 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(statuses).toEqual([expect.objectContaining({ outcome: 'undelivered', status: 0 })]);
    expect(text()).not.toContain(SECRET);
    await close!();
    close = undefined;
    // Keep-alive sockets close once the server has gone; the aborted backoff timer must already be cleared.
    await until(() => clientLeaks(baseline, []).length === 0, `no leaks (${clientLeaks(baseline, []).join(', ')})`);
  });

  it('send resolves with the status of that event (delivered, rejected, refused after stop; undefined when filtered)', async () => {
    const { url } = await handler((call, res) => res.writeHead(call === 2 ? 404 : 200).end());
    const forwarder = createForwarder({ to: url, secretToken: SECRET, exclude: ['user.*'] });
    await expect(forwarder.send(raw(1), 'meeting.started')).resolves.toMatchObject({ outcome: 'delivered', status: 200, attempts: 1 });
    await expect(forwarder.send(raw(2), 'meeting.started')).resolves.toMatchObject({ outcome: 'rejected', status: 404, attempts: 1 });
    await expect(forwarder.send(raw(3), 'user.updated')).resolves.toBeUndefined();
    await forwarder.stop();
    await expect(forwarder.send(raw(4), 'meeting.started')).resolves.toMatchObject({ outcome: 'undelivered', attempts: 0 });
  });

  it('rejects bad options with a typed error', () => {
    expect(() => createForwarder({ to: 'ftp://x', secretToken: SECRET })).toThrow(ZoomWsConfigError);
    expect(() => createForwarder({ to: 'not a url', secretToken: SECRET })).toThrow(/"to"/);
    expect(() => createForwarder({ to: 'http://127.0.0.1:1', secretToken: '' })).toThrow(/secretToken/);
    expect(() => createForwarder({ to: 'http://127.0.0.1:1', secretToken: SECRET, concurrency: 0 })).toThrow(/concurrency/);
  });
});
