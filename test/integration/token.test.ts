import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestAccessToken } from '../../src/actors/token-request.js';
import { TokenFetchError, ZoomAuthError } from '../../src/errors.js';
import { Secret } from '../../src/protocol/secret.js';
import { useHarness, sampleEvent } from '../support/harness.js';

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A token endpoint that records what it was sent and answers with `answer`. */
async function captureServer(answer: { status: number; body: string; headers?: Record<string, string>; delayMs?: number }) {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const timer = setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body);
      }, answer.delayMs ?? 0);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  return {
    url,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const config = (oauthUrl: string, overrides: Partial<Parameters<typeof requestAccessToken>[0]> = {}) => ({
  oauthUrl,
  grantType: 'account_credentials' as const,
  accountId: 'acct-1',
  clientId: 'client-1',
  clientSecret: new Secret('s3cr3t-value'),
  timeout: 500,
  ...overrides,
});

const OK_BODY = JSON.stringify({ access_token: 'tok-abc', token_type: 'bearer', expires_in: 3599, scope: 'x', api_url: 'https://api.zoom.us' });

describe('token request (behaviour 1)', () => {
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('POSTs a form body with Basic auth and grant_type=account_credentials&account_id by default', async () => {
    const server = await captureServer({ status: 200, body: OK_BODY });
    servers.push(server);
    const before = Date.now();
    const token = await requestAccessToken(config(server.url));
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from('client-1:s3cr3t-value').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({ grant_type: 'account_credentials', account_id: 'acct-1' });
    expect(token.value.reveal()).toBe('tok-abc');
    expect(token.expiresAt - token.issuedAt).toBe(3_599_000);
    expect(token.issuedAt).toBeGreaterThanOrEqual(before);
    expect(JSON.stringify(token)).not.toContain('tok-abc');
  });

  it('uses grant_type=client_credentials without account_id when configured', async () => {
    const server = await captureServer({ status: 200, body: OK_BODY });
    servers.push(server);
    await requestAccessToken(config(server.url, { grantType: 'client_credentials', accountId: undefined }));
    expect(Object.fromEntries(new URLSearchParams(server.requests[0]!.body))).toEqual({ grant_type: 'client_credentials' });
  });

  it.each([
    [400, '{"reason":"Invalid client_id or client_secret","error":"invalid_client"}', 'invalid_client'],
    [400, '{"reason":"unsupported grant type","error":"unsupported_grant_type"}', 'unsupported_grant_type'],
    [401, '{"reason":"Bad auth","error":"invalid_client"}', 'invalid_client'],
  ])('HTTP %i %s is a fatal ZoomAuthError naming the cause, never the secret', async (status, body, code) => {
    const server = await captureServer({ status, body });
    servers.push(server);
    const error = await requestAccessToken(config(server.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoomAuthError);
    expect(error).toMatchObject({ fatal: true, status, zoomError: code });
    expect((error as Error).message).toContain(code);
    expect((error as Error).message).not.toContain('s3cr3t-value');
  });

  it('429 is transient and carries Retry-After in ms', async () => {
    const server = await captureServer({ status: 429, body: '{}', headers: { 'retry-after': '3' } });
    servers.push(server);
    const error = await requestAccessToken(config(server.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenFetchError);
    expect(error).toMatchObject({ fatal: false, failure: 'rate-limited', status: 429, retryAfterMs: 3_000 });
  });

  it.each([
    ['5xx', { status: 502, body: 'bad gateway' }, 'server-error'],
    ['a non-JSON 200', { status: 200, body: '<html>oops</html>' }, 'malformed-response'],
    ['a 200 without access_token', { status: 200, body: '{"expires_in":3599}' }, 'malformed-response'],
    ['a slow answer', { status: 200, body: OK_BODY, delayMs: 2_000 }, 'timeout'],
  ])('%s is a transient TokenFetchError', async (_name, answer, failure) => {
    const server = await captureServer(answer);
    servers.push(server);
    const error = await requestAccessToken(config(server.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenFetchError);
    expect(error).toMatchObject({ fatal: false, failure });
  });

  it('a refused connection is a transient network error', async () => {
    const server = await captureServer({ status: 200, body: OK_BODY });
    await server.close();
    const error = await requestAccessToken(config(server.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenFetchError);
    expect(error).toMatchObject({ failure: 'network' });
  });

  it('an abort rejects with the abort reason and is not classified', async () => {
    const server = await captureServer({ status: 200, body: OK_BODY, delayMs: 2_000 });
    servers.push(server);
    const controller = new AbortController();
    const pending = requestAccessToken(config(server.url), controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('stopped')), 20);
    const error = await pending;
    expect(error).not.toBeInstanceOf(TokenFetchError);
    expect((error as Error).message).toBe('stopped');
  });
});

describe('client token lifecycle against the simulator (behaviour 1)', () => {
  const harness = useHarness();

  it('invalid credentials end in failed; start() rejects with ZoomAuthError', async () => {
    const h = await harness({ clientSecret: 'wrong-secret-123' });
    const error = await h.client.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoomAuthError);
    expect((error as ZoomAuthError).zoomError).toBe('invalid_client');
    expect(h.client.state).toBe('failed');
    expect(h.logs.map((line) => line.message).join('\n')).not.toContain('wrong-secret-123');
  });

  it('an unsupported grant ends in failed naming unsupported_grant_type', async () => {
    const h = await harness({ grantType: 'client_credentials', accountId: undefined });
    h.sim.faults.failTokenRequests(1, { status: 400, body: '{"reason":"unsupported grant type","error":"unsupported_grant_type"}' });
    const error = await h.client.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ZoomAuthError', zoomError: 'unsupported_grant_type' });
  });

  it('429 with Retry-After, 5xx and malformed bodies back off, then the client opens', async () => {
    const h = await harness();
    h.sim.faults.failTokenRequests(1, { status: 429, retryAfterSeconds: 0.3 as number });
    h.sim.faults.failTokenRequests(1, { status: 503 });
    h.sim.faults.failTokenRequests(1, { malformed: 'wrong-shape' });
    const started = Date.now();
    await h.client.start();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(h.sim.stats.tokenRequests).toBe(4);
    expect(h.states).toEqual(['idle', 'authenticating', 'backoff', 'authenticating', 'backoff', 'authenticating', 'backoff', 'authenticating', 'connecting', 'open']);
  });

  it('reuses the token across reconnects while it has more than the refresh margin left', async () => {
    const h = await harness();
    await h.client.start();
    for (let i = 0; i < 3; i++) {
      h.sim.faults.drop();
      await h.reach('backoff');
      await h.reach('open');
    }
    expect(h.sim.stats.tokenRequests).toBe(1);
    expect(h.sim.stats.connections).toBe(4);
    h.sim.emit(sampleEvent(1));
    await h.until(() => h.events.length === 1);
  });
});
