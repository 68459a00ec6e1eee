/**
 * Hostile token endpoints (issue 9 §3): a body that never ends or never finishes, a redirect, and lifetimes
 * that would overflow the timer or refresh at once. Each runs against a real HTTP server on loopback.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_BODY_BYTES, requestAccessToken } from '../../src/actors/token-request.js';
import { MIN_REFRESH_SPACING_MS } from '../../machines/connection.machine.js';
import { TokenFetchError, ZoomWsClient } from '../../src/index.js';
import { Secret } from '../../src/protocol/secret.js';
import { startRawZoomServer } from '../support/raw-zoom-server.js';
import { clientLeaks, eventually, handleBaseline } from '../support/wait.js';
import { startHostileTokenServer, tokenBody, useHostileTokenServer } from './hostile-token-server.js';

const SECRET = 'hostile-endpoint-S3CRET';
const config = (oauthUrl: string, timeout = 2_000) => ({
  oauthUrl,
  grantType: 'account_credentials' as const,
  accountId: 'acct',
  clientId: 'cid',
  clientSecret: new Secret(SECRET),
  timeout,
});

/** Writes `total` bytes of `{"access_token":"aaaa…` in 64 KiB chunks, honouring backpressure; counts what went out. */
function stream(res: ServerResponse, total: number, sent: { bytes: number }): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  chunk.write('{"access_token":"');
  const pump = () => {
    while (sent.bytes < total && !res.destroyed) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('"}');
  };
  pump();
}

/** The client's side of the exchange (its socket, the timeout timer) is released; the server's side is the server's. */
async function expectReleased(baseline: ReturnType<typeof handleBaseline>, serverUrl: string): Promise<void> {
  const ports = [Number(new URL(serverUrl).port)];
  await eventually(() => (clientLeaks(baseline, ports).length === 0 ? undefined : clientLeaks(baseline, ports).join(', ')), 'the client side released');
}

describe('token response body', () => {
  const hostile = useHostileTokenServer();

  it.each([
    ['chunked, no length', false],
    ['with a Content-Length of 400 MB', true],
  ])('a 400 MB body (%s) is a transient error after at most 64 KiB, with RSS kept small', async (_name, declared) => {
    const total = 400 * 1024 * 1024;
    const sent = { bytes: 0 };
    const server = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(total + 2) } : {}) });
      stream(res, total, sent);
    });
    const handles = handleBaseline();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const error = await requestAccessToken(config(server.url)).catch((e: unknown) => e);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const elapsed = performance.now() - started;
    console.log(`400 MB body (${_name}): refused after ${elapsed.toFixed(0)} ms; server wrote ${(sent.bytes / 1024 / 1024).toFixed(1)} MiB; RSS +${((peak - before) / 1024 / 1024).toFixed(1)} MiB`);
    expect(MAX_TOKEN_BODY_BYTES).toBe(64 * 1024);
    expect(error).toBeInstanceOf(TokenFetchError);
    expect(error).toMatchObject({ fatal: false, failure: 'malformed-response', status: 200 });
    expect((error as Error).message).toMatch(/larger than 65536 bytes/);
    // The client stopped reading: what the server could push is bounded by socket buffers, not by the body.
    expect(sent.bytes).toBeLessThan(32 * 1024 * 1024);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    // The aborted connection and the timeout timer are released.
    await expectReleased(handles, server.url);
  });

  it('a body of exactly the limit is still read', async () => {
    const padding = ' '.repeat(MAX_TOKEN_BODY_BYTES - tokenBody('tok-at-the-limit').length);
    const server = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(tokenBody('tok-at-the-limit') + padding);
    });
    const token = await requestAccessToken(config(server.url));
    expect(token.value.reveal()).toBe('tok-at-the-limit');
  });

  it('a body trickled one byte at a time is cut off by tokenTimeout, which covers the whole exchange', async () => {
    const server = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = tokenBody('tok-trickled');
      let at = 0;
      const timer = setInterval(() => (at < body.length ? res.write(body[at++]!) : res.end()), 40);
      res.on('close', () => clearInterval(timer));
    });
    const timeout = 300;
    const handles = handleBaseline();
    const started = performance.now();
    const error = await requestAccessToken(config(server.url, timeout)).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TokenFetchError);
    expect(error).toMatchObject({ failure: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(timeout - 5);
    // The body needs ~4 s at this pace: ending near the timeout shows the timer covered the body.
    expect(elapsed).toBeLessThan(timeout + 1_000);
    await expectReleased(handles, server.url);
  });

  it('the client leaves authenticating after tokenTimeout while the body trickles, and backs off', async () => {
    const server = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), 30);
      res.on('close', () => clearInterval(timer));
    });
    const raw = await startRawZoomServer(() => {});
    const logs: string[] = [];
    const log = (message: string) => logs.push(message);
    const client = new ZoomWsClient({ accountId: 'acct', clientId: 'cid', clientSecret: SECRET, subscriptionId: 'sub', oauthUrl: server.url, wsUrl: raw.wsUrl, tokenTimeout: 250, backoffInitial: 50, backoffMax: 50, logger: { debug: log, info: log, warn: log, error: log } });
    const states: string[] = [];
    client.onStateChange(({ to }) => states.push(to));
    void client.start();
    try {
      await eventually(() => (server.requests.length >= 2 ? undefined : `requests ${server.requests.length}, states ${states.join(',')}`), 'a second token request', 3_000);
      expect(states.slice(0, 3)).toEqual(['authenticating', 'backoff', 'authenticating']);
      expect(logs.some((line) => /after token-fetch-failed: Token request timed out after 250 ms/.test(line))).toBe(true);
    } finally {
      await client.stop();
      await raw.close();
    }
  });
});

describe('redirects', () => {
  const hostile = useHostileTokenServer();

  it.each([301, 302, 303, 307, 308])('HTTP %i is a failure naming the (scrubbed) location; the form is not re-posted', async (status) => {
    const elsewhere = await hostile((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(tokenBody('tok-from-another-host'));
    });
    const target = `${elsewhere.url}?access_token=leaked-in-location&x=1`.replace('http://', 'http://user:pw@');
    const server = await hostile((res) => {
      res.writeHead(status, { location: target });
      res.end();
    });
    const error = await requestAccessToken(config(server.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenFetchError);
    expect(error).toMatchObject({ fatal: false, failure: 'redirected', status });
    const message = (error as Error).message;
    expect(message).toContain(`HTTP ${status}`);
    expect(message).toContain(new URL(elsewhere.url).host + '/oauth/token');
    expect(message).not.toMatch(/leaked-in-location|user:pw|pw@/);
    expect(server.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('expires_in', () => {
  /** Window of the bounded-count test and the timings it runs with. */
  const WINDOW_MS = 2_000;
  const BACKOFF = { backoffInitial: 100, backoffMax: 400 };

  /** One client against a token endpoint that always answers `expiresIn`; counts token requests and sockets. */
  async function countOver(expiresIn: unknown) {
    let issued = 0;
    const server = await startHostileTokenServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof expiresIn === 'string' ? `{"access_token":"tok-${++issued}","expires_in":${expiresIn}}` : tokenBody(`tok-${++issued}`, expiresIn));
    });
    let sockets = 0;
    const raw = await startRawZoomServer(() => void sockets++);
    const warnings: string[] = [];
    const client = new ZoomWsClient({
      accountId: 'acct', clientId: 'cid', clientSecret: SECRET, subscriptionId: 'sub', oauthUrl: server.url, wsUrl: raw.wsUrl, ...BACKOFF,
      logger: { debug: () => {}, info: () => {}, warn: (message: string) => warnings.push(message), error: () => {} },
    });
    void client.start().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const counts = { expiresIn: String(expiresIn), requests: server.requests.length, sockets, state: client.state, warnings };
    await client.stop();
    await raw.close();
    await server.close();
    return counts;
  }

  it(`1 s, 1 ms, 0, -5, 30 days and 1e400 (Infinity) yield a bounded number of token requests and sockets in ${WINDOW_MS} ms`, async () => {
    const cases = [1, 0.001, 0, -5, 30 * 24 * 3600, '1e400'] as const;
    const results = await Promise.all(cases.map((expiresIn) => countOver(expiresIn)));
    console.table(results.map(({ warnings, ...rest }) => ({ ...rest, warnings: warnings.length })));
    const [oneSecond, oneMs, zero, negative, thirtyDays, infinite] = results;
    // Refreshed at half its life (500 ms), each refresh a new socket.
    expect(oneSecond!.requests).toBeLessThanOrEqual(WINDOW_MS / 500 + 1);
    expect(oneSecond!.sockets).toBeLessThanOrEqual(WINDOW_MS / 500 + 1);
    // A lifetime shorter than the refresh spacing cannot make refreshes come faster than that spacing.
    expect(oneMs!.requests).toBeLessThanOrEqual(WINDOW_MS / MIN_REFRESH_SPACING_MS + 1);
    expect(oneMs!.sockets).toBeLessThanOrEqual(WINDOW_MS / MIN_REFRESH_SPACING_MS + 1);
    // Not a lifetime: malformed, retried with backoff (100, 200, 400, 400 … ms at least half of each).
    for (const malformed of [zero!, negative!, infinite!]) {
      expect(malformed.sockets).toBe(0);
      expect(malformed.requests).toBeLessThanOrEqual(1 + Math.ceil(WINDOW_MS / (BACKOFF.backoffInitial / 2)));
      expect(malformed.state).toMatch(/backoff|authenticating/);
    }
    // Longer than the timer can wait: clamped with a warning, never refreshed within the window.
    expect(thirtyDays!.requests).toBe(1);
    expect(thirtyDays!.sockets).toBe(1);
    expect(thirtyDays!.state).toBe('open');
    expect(thirtyDays!.warnings.some((line) => /expires_in of 2592000 s is longer than 86400 s; treating it as 86400 s/.test(line))).toBe(true);
  });
});
