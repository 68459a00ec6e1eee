/**
 * Secrets against hostile servers (issue 9 §4): errors hold no request or header (util.inspect at any depth),
 * and what a server echoes — the client secret, the Basic credential, the access token it was given — is
 * scrubbed where it enters: failure details, outages, RetriesExhaustedError, ZoomAuthError, log lines and the
 * CLI's final error line.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requestAccessToken } from '../../src/actors/token-request.js';
import { RetriesExhaustedError, TokenFetchError, ZoomAuthError, ZoomWsClient } from '../../src/index.js';
import { Secret } from '../../src/protocol/secret.js';
import { startHostileTokenServer, tokenBody, useHostileTokenServer } from '../hostile/hostile-token-server.js';
import { runCli } from '../support/cli.js';
import { useRawZoomServer, zoomFrame } from '../support/raw-zoom-server.js';
import { eventually } from '../support/wait.js';
import { findLeak } from './leak-scan.js';

const CLIENT_ID = 'echo-client';
const SECRET = 'Ech0-S3CR3T/value+with=odd%chars';
const BASIC = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
const credentials = { accountId: 'acct', clientId: CLIENT_ID, clientSecret: SECRET, subscriptionId: 'sub' };
const deep = (value: unknown) => inspect(value, { depth: Infinity, showHidden: true, getters: true });
const freshToken = () => `tok.${randomBytes(18).toString('base64url')}`;

describe('errors hold no request', () => {
  it('a token timeout error, inspected at any depth, shows no authorization header, credential or secret', async () => {
    // Accepts the connection and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/oauth/token`;
    try {
      const error = await requestAccessToken({ oauthUrl: url, grantType: 'account_credentials', accountId: 'acct', clientId: CLIENT_ID, clientSecret: new Secret(SECRET), timeout: 150 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenFetchError);
      expect(error).toMatchObject({ failure: 'timeout' });
      expect((error as Error).cause).toBeUndefined();
      const printed = `${deep(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
      expect(printed).not.toMatch(/authorization/i);
      expect(findLeak(printed, { secret: SECRET, basic: BASIC })).toBeUndefined();
    } finally {
      silent.close();
    }
  });

  it('a refused connection error holds no request either', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await requestAccessToken({ oauthUrl: `http://127.0.0.1:${port}/t`, grantType: 'client_credentials', accountId: undefined, clientId: CLIENT_ID, clientSecret: new Secret(SECRET), timeout: 1_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'network' });
    expect(deep(error)).not.toMatch(/authorization|Request \{/i);
    expect(findLeak(deep(error), { secret: SECRET, basic: BASIC })).toBeUndefined();
  });
});

describe('echoed secrets are scrubbed where they enter', () => {
  const hostile = useHostileTokenServer();
  const rawServer = useRawZoomServer();

  it('close reasons and refusals echoing the token, the secret and the Basic credential: outages, lastFailure, RetriesExhaustedError, logs', async () => {
    const issued: string[] = [];
    const tokens = await hostile((res) => {
      issued.push(freshToken());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(tokenBody(issued.at(-1)!));
    });
    const echo = () => `${SECRET} ${BASIC} ${issued.at(-1)} ${encodeURIComponent(SECRET)} ${JSON.stringify({ s: SECRET })}`;
    const raw = await rawServer((socket, index) => {
      if (index === 1) setTimeout(() => socket.close(4000, `echo ${issued.at(-1)}`), 20);
      else socket.send(zoomFrame('build_connection', `denied ${echo()}`, false));
    }, { holdBuildConnection: (index) => index > 1 });
    const logs: string[] = [];
    const log = (message: string, ...rest: unknown[]) => logs.push([message, ...rest.map((item) => deep(item))].join(' '));
    const client = new ZoomWsClient({ ...credentials, oauthUrl: tokens.url, wsUrl: raw.wsUrl, backoffInitial: 10, backoffMax: 20, maxAttempts: 3, logger: { debug: log, info: log, warn: log, error: log } });
    await client.start();
    await client.finished;
    const snapshot = client.actor.getSnapshot();
    expect(client.state).toBe('failed');
    const fatal = snapshot.context.fatal as { kind: string; lastFailure?: { detail: string } };
    expect(fatal.kind).toBe('retries-exhausted');
    expect(fatal.lastFailure!.detail).toMatch(/denied \[redacted\]/);
    expect(client.outages[0]!.detail).toMatch(/echo \[redacted\]/);

    // start() of a second client that never got in rejects with RetriesExhaustedError.
    const second = new ZoomWsClient({ ...credentials, oauthUrl: tokens.url, wsUrl: raw.wsUrl, backoffInitial: 10, backoffMax: 20, maxAttempts: 2, logger: { debug: log, info: log, warn: log, error: log } });
    const error = await second.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).lastFailure).toMatch(/denied \[redacted\]/);

    const texts = [...logs, JSON.stringify(client.outages), JSON.stringify(snapshot.context), deep(snapshot.context), deep(error), (error as Error).message];
    const secrets = { secret: SECRET, basic: BASIC, ...Object.fromEntries(issued.map((token, i) => [`token ${i + 1}`, token])) };
    for (const text of texts) expect(findLeak(text, secrets)).toBeUndefined();
    expect(issued.length).toBeGreaterThanOrEqual(2);
  });

  it('a 400 whose reason echoes the secret, the Basic credential and the token: ZoomAuthError and the CLI final line', async () => {
    const issued: string[] = [];
    const tokens = await startHostileTokenServer((res, req) => {
      if (issued.length === 0) {
        issued.push(freshToken());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(tokenBody(issued[0]!));
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `invalid_client ${req.headers.authorization}`, reason: `bad ${SECRET} ${BASIC} ${issued[0]} ${SECRET.toLowerCase()} ${Buffer.from(SECRET).toString('hex')}` }));
    });
    // The socket is refused as "invalid access token": the client fetches a new token and meets the 400.
    const raw = await rawServer((socket) => socket.send(zoomFrame('build_connection', 'Invalid access token', false)), { holdBuildConnection: () => true });
    try {
      const client = new ZoomWsClient({ ...credentials, oauthUrl: tokens.url, wsUrl: raw.wsUrl, backoffInitial: 10, backoffMax: 20 });
      const error = await client.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZoomAuthError);
      expect((error as Error).message).toMatch(/bad \[redacted\]/);
      const secrets = { secret: SECRET, basic: BASIC, token: issued[0]! };
      expect(findLeak(`${deep(error)} ${(error as Error).message}`, secrets)).toBeUndefined();

      issued.length = 0;
      const env = { ZOOM_ACCOUNT_ID: 'acct', ZOOM_CLIENT_ID: CLIENT_ID, ZOOM_CLIENT_SECRET: SECRET, ZOOM_SUBSCRIPTION_ID: 'sub', ZOOM_OAUTH_URL: tokens.url, ZOOM_WS_URL: raw.wsUrl };
      const run = runCli(['listen', '--verbose', '--backoff-initial', '10', '--backoff-max', '20'], env);
      expect((await run.exit).code).toBe(1);
      const finalLine = run.stderr().split('\n').filter(Boolean).at(-1)!;
      expect(finalLine).toMatch(/^zoom-ws: Zoom rejected the token request \(HTTP 400 invalid_client/);
      expect(finalLine).toContain('[redacted]');
      const cliSecrets = { secret: SECRET, basic: BASIC, token: issued[0]! };
      expect(findLeak(run.stderr(), cliSecrets)).toBeUndefined();
      expect(findLeak(run.stdout(), cliSecrets)).toBeUndefined();
    } finally {
      await tokens.close();
    }
  });
});
