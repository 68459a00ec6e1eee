import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deliver, RETRY_DEFAULTS } from '../../src/forward/delivery.js';

const SECRET = 'delivery-secret';
const RAW = '{"event":"meeting.started","event_ts":1,"payload":{"object":{"id":"1"}}}';
const policy = { ...RETRY_DEFAULTS, initialDelay: 5, maxDelay: 2_000, timeout: 2_000 };
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function handler(respond: (call: number, req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const calls: { at: number; verified: boolean }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const expected = 'v0=' + createHmac('sha256', SECRET).update(`v0:${req.headers['x-zm-request-timestamp']}:${body}`).digest('hex');
      calls.push({ at: performance.now(), verified: expected === req.headers['x-zm-signature'] && body === RAW });
      respond(calls.length, req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/zoom`, calls };
}

describe('deliver', () => {
  it('retries a handler that fails twice, then succeeds once with 2xx', async () => {
    const { url, calls } = await handler((call, _req, _body, res) => res.writeHead(call <= 2 ? 503 : 200).end());
    const outcome = await deliver(url, SECRET, RAW, {}, policy);
    expect(outcome).toMatchObject({ ok: true, status: 200, attempts: 3 });
    expect(calls).toHaveLength(3);
    expect(calls.every((call) => call.verified)).toBe(true);
  });

  it('does not retry a 400', async () => {
    const { url, calls } = await handler((_call, _req, _body, res) => res.writeHead(400).end());
    expect(await deliver(url, SECRET, RAW, {}, policy)).toMatchObject({ ok: false, status: 400, attempts: 1, final: true });
    expect(calls).toHaveLength(1);
  });

  it('waits at least Retry-After after a 429', async () => {
    const { url, calls } = await handler((call, _req, _body, res) => res.writeHead(call === 1 ? 429 : 204, call === 1 ? { 'retry-after': '1' } : {}).end());
    const outcome = await deliver(url, SECRET, RAW, {}, policy);
    expect(outcome).toMatchObject({ ok: true, status: 204, attempts: 2 });
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('gives each attempt its own timeout: a handler that never answers costs maxAttempts × timeout, then fails', async () => {
    const hanging: ServerResponse[] = [];
    const { url, calls } = await handler((_call, _req, _body, res) => void hanging.push(res));
    const started = performance.now();
    const result = await deliver(url, SECRET, RAW, {}, { ...policy, timeout: 100, maxAttempts: 2, maxDelay: 10 }, undefined);
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ ok: false, status: 0, attempts: 2, final: false });
    expect(calls).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1_500);
    for (const res of hanging) res.destroy();
  });

  it('ends an attempt in flight as soon as the caller aborts, without another attempt', async () => {
    const hanging: ServerResponse[] = [];
    const { url, calls } = await handler((_call, _req, _body, res) => void hanging.push(res));
    const stop = new AbortController();
    const pending = deliver(url, SECRET, RAW, {}, { ...policy, timeout: 10_000, maxAttempts: 5 }, stop.signal);
    while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const abortedAt = performance.now();
    stop.abort();
    const result = await pending;
    expect(performance.now() - abortedAt).toBeLessThan(500);
    expect(result).toMatchObject({ ok: false, status: 0, attempts: 1, final: false });
    expect(calls).toHaveLength(1);
    for (const res of hanging) res.destroy();
  });

  it('leaves no timer behind after a quick 2xx (the attempt timeout is cleared with the answer)', async () => {
    const { url } = await handler((_call, _req, _body, res) => res.writeHead(204).end());
    const timersBefore = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const result = await deliver(url, SECRET, RAW, {}, { ...policy, timeout: 60_000 }, new AbortController().signal);
    expect(result.ok).toBe(true);
    expect(process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length).toBe(timersBefore);
  });
});
