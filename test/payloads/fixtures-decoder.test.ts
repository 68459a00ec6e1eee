import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestAccessToken } from '../../src/actors/token-request.js';
import { DuplicateFilter } from '../../src/client/duplicate-filter.js';
import { ZoomAuthError } from '../../src/errors.js';
import type { ZoomEvent } from '../../src/index.js';
import { zoomEventSchema } from '../../src/protocol/events.js';
import { classifyRefusal, decodeFrame, type DecodedFrame } from '../../src/protocol/frames.js';
import { idempotencyKey } from '../../src/protocol/idempotency-key.js';
import { Secret } from '../../src/protocol/secret.js';
import { tokenErrorSchema, tokenResponseSchema } from '../../src/protocol/token-response.js';
import { sampleEvent, useHarness } from '../support/harness.js';
import { messageFrame, readFixtures } from '../support/zoom-fixtures.js';

// Every file of ../shared/fixtures/zoom-events through the real decoder (and a real client): nothing a real Zoom
// account or Zoom's documentation sends may be dropped, altered or merged with another event.
const events = readFixtures();
const frames = readFixtures('frames');
const oauth = readFixtures('oauth');

/** Zoom's compact serialisation (what the socket carries) and the file's own text (pretty, as committed). */
const compact = (body: unknown) => JSON.stringify(body);

describe('every fixture event through the real decoder', () => {
  it('the folder holds the 42 bodies the issue names, each an object with an event name', () => {
    expect(events.length).toBeGreaterThanOrEqual(42);
    for (const { file, body } of events) {
      expect(typeof body.event, file).toBe('string');
      // `<provenance>__<event>[__<note>].json`
      expect(file.replace(/\.json$/, '').split('__')[1], `${file}: the file name carries the event name`).toBe(body.event);
    }
  });

  it.each(events.map((fixture) => [fixture.file, fixture] as const))('%s: delivered as an event, body deep-equal, raw text kept', (_file, { text, body }) => {
    for (const content of [compact(body), text]) {
      const decoded = decodeFrame(messageFrame(content));
      expect(decoded.kind).toBe('event');
      if (decoded.kind !== 'event') return;
      expect(decoded.event).toStrictEqual(body);
      expect(decoded.content).toBe(content);
      expect('event_ts' in decoded.event).toBe('event_ts' in body);
    }
  });

  it.each(events.map((fixture) => [fixture.file, fixture] as const))('%s: the schema path (a frame without `success`, no header) gives the same event', (_file, { body }) => {
    // A frame missing `success` skips the fast path and goes through the zod schemas.
    const decoded = decodeFrame(JSON.stringify({ module: 'message', content: compact(body) }));
    expect(decoded).toStrictEqual({ kind: 'event', event: body, content: compact(body) });
    expect(zoomEventSchema.parse(body)).toStrictEqual(body);
  });

  it('identity keys: one per fixture, distinct, stable across decodes, and the same for an identical resend', () => {
    const keysOf = () =>
      events.map(({ body }) => {
        const decoded = decodeFrame(messageFrame(compact(body)));
        if (decoded.kind !== 'event') throw new Error(`${String(body.event)} was not decoded as an event`);
        return idempotencyKey(decoded.content);
      });
    const first = keysOf();
    expect(new Set(first).size).toBe(events.length);
    for (const key of first) expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(keysOf()).toEqual(first);
    expect(events.map(({ body }) => idempotencyKey(JSON.stringify(JSON.parse(compact(body)))))).toEqual(first);
  });

  it('the duplicate filter admits every fixture once and drops each resend from a second socket', () => {
    const filter = new DuplicateFilter(1_000);
    const contents = events.map(({ body }) => compact(body));
    expect(contents.map((content) => filter.admit(content, 'socket-1'))).toEqual(contents.map(() => true));
    expect(contents.map((content) => filter.admit(content, 'socket-2'))).toEqual(contents.map(() => false));
  });
});

/** What each quoted frame must decode to; every file in frames/ must be listed (a new one fails until it is). */
const EXPECTED_FRAMES: Record<string, DecodedFrame> = {
  'build_connection_token-is-empty__devforum-69974.json': { kind: 'refused', module: 'build_connection', cause: 'token-rejected', content: 'token is empty' },
  'heartbeat_Token-is-invalid__zoomnet-429_reconstructed.json': { kind: 'refused', module: 'heartbeat', cause: 'token-rejected', content: 'Token is invalid' },
  'heartbeat_reply__devforum-94953.json': { kind: 'heartbeat' },
  'refusal_Invalid-Token__zoomnet-322_reconstructed.json': { kind: 'refused', module: 'build_connection', cause: 'token-rejected', content: 'Invalid Token' },
  'refusal_Token-is-invalid__zoomnet-429_reconstructed.json': { kind: 'refused', module: 'build_connection', cause: 'token-rejected', content: 'Token is invalid' },
};

describe('every quoted frame through the frame decoder', () => {
  it('each file has an expectation', () => {
    expect(frames.map(({ file }) => file)).toEqual(Object.keys(EXPECTED_FRAMES).sort());
  });

  it.each(frames.map((fixture) => [fixture.file, fixture] as const))('%s', (file, { text, body }) => {
    expect(decodeFrame(text)).toStrictEqual(EXPECTED_FRAMES[file]);
    expect(decodeFrame(compact(body))).toStrictEqual(EXPECTED_FRAMES[file]);
    if (body.success === false) expect(classifyRefusal(String(body.content))).toBe('token-rejected');
  });
});

describe('every token response through token-response.ts and the real token request', () => {
  const servers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((close) => close()));
  });

  /** A loopback token endpoint answering `status` with the fixture's exact text. */
  async function serve(status: number, text: string): Promise<string> {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(text));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(() => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  }

  const request = (oauthUrl: string) =>
    requestAccessToken({ oauthUrl, grantType: 'account_credentials', accountId: 'acct', clientId: 'id', clientSecret: new Secret('secret-value'), timeout: 2_000 });

  it('the folder holds both kinds', () => {
    expect(oauth.filter(({ file }) => file.startsWith('token_200_')).length).toBeGreaterThanOrEqual(2);
    expect(oauth.filter(({ file }) => file.startsWith('token_400_')).length).toBeGreaterThanOrEqual(4);
    expect(oauth.every(({ file }) => /^token_(200|400)_/.test(file))).toBe(true);
  });

  it.each(oauth.filter(({ file }) => file.startsWith('token_200_')).map((fixture) => [fixture.file, fixture] as const))(
    '%s: a usable token, value and lifetime as sent',
    async (_file, { text, body }) => {
      const parsed = tokenResponseSchema.parse(body);
      const sentToken = body.access_token ?? body.Access_token;
      expect(parsed.access_token).toBe(sentToken);
      expect(parsed.expires_in).toBe(3600);
      expect(typeof parsed.scope).toBe('string');

      const before = Date.now();
      const token = await request(await serve(200, text));
      expect(token.value.reveal()).toBe(sentToken);
      expect(token.expiresAt - token.issuedAt).toBe(3_600_000);
      expect(token.issuedAt).toBeGreaterThanOrEqual(before);
    },
  );

  it.each(oauth.filter(({ file }) => file.startsWith('token_400_')).map((fixture) => [fixture.file, fixture] as const))(
    '%s: not a token; a ZoomAuthError carrying Zoom\'s error and reason',
    async (_file, { text, body }) => {
      expect(tokenResponseSchema.safeParse(body).success).toBe(false);
      expect(tokenErrorSchema.parse(body)).toStrictEqual(body);

      const error = await request(await serve(400, text)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ZoomAuthError);
      expect(error).toMatchObject({ status: 400, zoomError: body.error, reason: body.reason });
    },
  );
});

describe('every fixture event through a real client and the simulator', () => {
  const harness = useHarness();

  it('each arrives exactly once, in order, at its name, its prefix and the catch-all, with its raw text', async () => {
    const h = await harness();
    const byName = new Map<string, ZoomEvent[]>();
    const byPrefix = new Map<string, ZoomEvent[]>();
    const raws: string[] = [];
    for (const name of new Set(events.map(({ body }) => String(body.event)))) {
      byName.set(name, []);
      h.client.on(name, (event) => void byName.get(name)!.push(event));
      const dot = name.indexOf('.');
      if (dot > 0 && !byPrefix.has(name.slice(0, dot))) {
        const prefix = name.slice(0, dot);
        byPrefix.set(prefix, []);
        h.client.on(`${prefix}.*`, (event) => void byPrefix.get(prefix)!.push(event));
      }
    }
    h.client.onRaw((raw) => raws.push(raw));
    await h.client.start();

    for (const { body } of events) expect(h.sim.sendRaw(messageFrame(compact(body)))).toBe(1);
    // A marker after the fixtures: once it is in, anything the fixtures would have caused has happened.
    h.sim.emit(sampleEvent(1));
    await h.until(() => h.events.length >= events.length + 1, 5_000, 'every fixture and the marker');

    const bodies = events.map(({ body }) => body);
    expect(h.events).toStrictEqual([...bodies, sampleEvent(1)]);
    expect(raws).toEqual([...bodies.map(compact), compact(sampleEvent(1))]);
    for (const [name, seen] of byName) {
      expect(seen, name).toStrictEqual(bodies.filter((body) => body.event === name).concat(name === sampleEvent(1).event ? [sampleEvent(1)] : []));
    }
    for (const [prefix, seen] of byPrefix) {
      const expected = [...bodies, sampleEvent(1)].filter((body) => String(body.event).startsWith(`${prefix}.`));
      expect(seen, `${prefix}.*`).toStrictEqual(expected);
    }
    expect(h.client.stats).toMatchObject({ events: events.length + 1, duplicates: 0, skipped: 0, handlerErrors: 0 });
    expect(h.logs.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
  });

  it("Zoom's heartbeat reply (quoted frame) is a heartbeat, not a skipped frame; the connection stays open", async () => {
    const h = await harness();
    await h.client.start();
    const reply = frames.find(({ file }) => file.startsWith('heartbeat_reply__'))!;
    h.sim.sendRaw(reply.text);
    h.sim.emit(sampleEvent(2));
    await h.until(() => h.events.length === 1, 5_000, 'the marker');
    expect(h.client.stats.skipped).toBe(0);
    expect(h.client.state).toBe('open');
  });
});
