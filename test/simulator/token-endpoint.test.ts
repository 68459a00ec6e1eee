import { createServer, request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultQueue } from '../../src/simulator/fault-queue.js';
import { HookEmitter } from '../../src/simulator/hooks.js';
import { createZoomSimulator, type SimulatorHookMap, type ZoomSimulator } from '../../src/simulator/index.js';
import { resolveSettings } from '../../src/simulator/options.js';
import { TokenEndpoint } from '../../src/simulator/token-endpoint.js';
import { TokenStore } from '../../src/simulator/token-store.js';

let sim: ZoomSimulator;

beforeEach(async () => {
  sim = await createZoomSimulator({ tokenTtlSeconds: 120 });
});

afterEach(async () => {
  await sim.stop();
});

function basicAuth(clientId = sim.credentials.clientId, clientSecret = sim.credentials.clientSecret): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

function accountQuery(): string {
  return `?grant_type=account_credentials&account_id=${sim.credentials.accountId}`;
}

async function postToken(query: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(sim.oauthUrl + query, {
    method: 'POST',
    headers: { authorization: basicAuth() },
    ...init,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('token endpoint: grants', () => {
  it('issues a token for account_credentials in the query string', async () => {
    const issued: string[] = [];
    sim.on('token', (info) => issued.push(info.accessToken));

    const { status, text } = await postToken(accountQuery());

    expect(status).toBe(200);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 120, api_url: 'https://api.zoom.us' });
    expect(body.access_token).toMatch(/^sim\.[A-Za-z0-9_-]{32}$/);
    expect(typeof body.scope).toBe('string');
    expect(issued).toEqual([body.access_token]);
    expect(sim.stats).toMatchObject({ tokenRequests: 1, tokensIssued: 1, tokenFailures: 0 });
  });

  it('accepts the parameters as a form body', async () => {
    const { status } = await postToken('', {
      headers: { authorization: basicAuth(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'account_credentials', account_id: sim.credentials.accountId }).toString(),
    });
    expect(status).toBe(200);
  });

  it('accepts client_credentials without an account id', async () => {
    const { status, text } = await postToken('?grant_type=client_credentials');
    expect(status).toBe(200);
    expect(JSON.parse(text)).toHaveProperty('access_token');
  });

  it('hands out distinct tokens that are all valid at once', async () => {
    const first = JSON.parse((await postToken(accountQuery())).text).access_token;
    const second = JSON.parse((await postToken(accountQuery())).text).access_token;
    expect(first).not.toBe(second);
  });
});

describe('token endpoint: rejections', () => {
  it('rejects wrong credentials with invalid_client', async () => {
    const { status, text } = await postToken(accountQuery(), { headers: { authorization: basicAuth('sim-client', 'nope') } });
    expect(status).toBe(400);
    expect(JSON.parse(text)).toEqual({ reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
  });

  it('rejects a missing Authorization header with invalid_client', async () => {
    const { status, text } = await postToken(accountQuery(), { headers: {} });
    expect(status).toBe(400);
    expect(JSON.parse(text).error).toBe('invalid_client');
  });

  it('rejects an unknown or missing grant type', async () => {
    for (const query of ['?grant_type=password', '']) {
      const { status, text } = await postToken(query);
      expect(status).toBe(400);
      expect(JSON.parse(text)).toEqual({ reason: 'unsupported grant type', error: 'unsupported_grant_type' });
    }
  });

  it('rejects a wrong account id', async () => {
    const { status, text } = await postToken('?grant_type=account_credentials&account_id=other');
    expect(status).toBe(400);
    expect(JSON.parse(text).error).toBe('invalid_request');
  });

  it('answers 405 to anything but POST', async () => {
    const response = await fetch(sim.oauthUrl + accountQuery(), { headers: { authorization: basicAuth() } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    await response.text();
    expect(sim.stats).toMatchObject({ tokenRequests: 1, tokenFailures: 1, tokensIssued: 0 });
  });
});

describe('token endpoint: bad input', () => {
  it('survives garbled Basic auth, oversized bodies and unknown paths', async () => {
    expect((await postToken(accountQuery(), { headers: { authorization: 'Basic %%%' } })).status).toBe(400);
    expect((await postToken(accountQuery(), { headers: { authorization: 'Bearer x' } })).status).toBe(400);
    const oversized = await postToken(accountQuery(), {
      headers: { authorization: basicAuth(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a='.padEnd(100_000, 'x'),
    });
    expect(oversized.status).toBe(413);
    const unknown = await fetch(sim.oauthUrl.replace('/oauth/token', '/nope'));
    expect(unknown.status).toBe(404);
    await unknown.text();
    // Still serving.
    expect((await postToken(accountQuery())).status).toBe(200);
  });
});

describe('token endpoint: injected faults', () => {
  it('fails the next requests with 500 by default, then recovers', async () => {
    sim.faults.failTokenRequests(2);
    expect((await postToken(accountQuery())).status).toBe(500);
    expect((await postToken(accountQuery())).status).toBe(500);
    expect((await postToken(accountQuery())).status).toBe(200);
    expect(sim.stats).toMatchObject({ tokenRequests: 3, tokenFailures: 2, tokensIssued: 1 });
  });

  it('sends Retry-After on a 429 when asked', async () => {
    sim.faults.failTokenRequests(1, { status: 429, retryAfterSeconds: 7 });
    const { status, headers, text } = await postToken(accountQuery());
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('7');
    expect(JSON.parse(text)).toHaveProperty('error');
  });

  it('can use a custom status and body', async () => {
    sim.faults.failTokenRequests(1, { status: 401, body: '{"reason":"nope","error":"invalid_client"}' });
    const { status, text } = await postToken(accountQuery());
    expect(status).toBe(401);
    expect(text).toBe('{"reason":"nope","error":"invalid_client"}');
  });

  it('answers 200 with a malformed body', async () => {
    sim.faults.failTokenRequests(1, { malformed: true });
    sim.faults.failTokenRequests(1, { malformed: 'wrong-shape' });

    const notJson = await postToken(accountQuery());
    expect(notJson.status).toBe(200);
    expect(() => JSON.parse(notJson.text)).toThrow();

    const wrongShape = await postToken(accountQuery());
    expect(wrongShape.status).toBe(200);
    expect(JSON.parse(wrongShape.text)).not.toHaveProperty('access_token');
    expect(sim.stats.tokensIssued).toBe(0);
  });

  it('delays responses while slowTokenRequests is on', async () => {
    sim.faults.slowTokenRequests(150);
    const started = Date.now();
    expect((await postToken(accountQuery())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    sim.faults.slowTokenRequests(0);
    const again = Date.now();
    await postToken(accountQuery());
    expect(Date.now() - again).toBeLessThan(140);
  });

  it('delays an injected failure by its delayMs', async () => {
    sim.faults.failTokenRequests(1, { status: 503, delayMs: 120 });
    const started = Date.now();
    expect((await postToken(accountQuery())).status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('reset() clears queued failures and the delay', async () => {
    sim.faults.failTokenRequests(3);
    sim.faults.slowTokenRequests(5_000);
    sim.faults.reset();
    expect((await postToken(accountQuery())).status).toBe(200);
  });
});

describe('token endpoint: parked responses', () => {
  // Driven directly (not through createZoomSimulator) to observe the parked-response count.
  let server: Server;
  let endpoint: TokenEndpoint;
  let url: string;

  beforeEach(async () => {
    endpoint = new TokenEndpoint({
      settings: resolveSettings(),
      tokens: new TokenStore(),
      faults: Object.assign(new FaultQueue(), { tokenDelayMs: 60_000 }),
      stats: { tokenRequests: 0, tokensIssued: 0, tokenFailures: 0, upgrades: 0, connections: 0, connectionsRefused: 0, heartbeats: 0, eventsSent: 0, eventsLost: 0, displaced: 0 },
      hooks: new HookEmitter<SimulatorHookMap>(),
    });
    server = createServer((request, response) => endpoint.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token?grant_type=client_credentials`;
  });

  afterEach(async () => {
    endpoint.dispose();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function parkRequest(): ClientRequest {
    const request = httpRequest(url, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Basic ${Buffer.from('sim-client:sim-secret').toString('base64')}` },
    });
    request.on('error', () => {});
    request.end();
    return request;
  }

  it('releases a slow response (and its timer) as soon as the client aborts', async () => {
    const request = parkRequest();
    await waitFor(() => endpoint.pendingResponses === 1);
    expect(endpoint.pendingResponses).toBe(1);
    request.destroy();
    await waitFor(() => endpoint.pendingResponses === 0);
    expect(endpoint.pendingResponses).toBe(0);
  });

  it('dispose() destroys parked responses', async () => {
    const request = parkRequest();
    const failed = new Promise<Error>((resolve) => request.on('error', resolve));
    await waitFor(() => endpoint.pendingResponses === 1);
    endpoint.dispose();
    expect(endpoint.pendingResponses).toBe(0);
    expect((await failed).message).toMatch(/socket hang up/);
  });
});

/** Re-checks `condition` every event-loop turn until it holds or `timeoutMs` passes. */
async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}
