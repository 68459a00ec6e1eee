import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeetingsS2SAuthClient, type MeetingsEventProcessor, type Receiver } from '@zoom/rivet/meetings';
import { afterEach, describe, expect, it } from 'vitest';
import { ZoomWsClient } from '../../src/index.js';
import { ZoomWsReceiver } from '../../src/rivet/index.js';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { FAST_TIMINGS } from '../support/harness.js';
import { eventually, leakedHandles, liveHandles } from '../support/wait.js';
import { messageFrame, readFixtures } from '../support/zoom-fixtures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ESCAPED = '{"event":"meeting.started","event_ts":2,"payload":{"object":{"topic":"Caf\\u00e9 \\/ 会議 \\"q\\""}}}';

// Rivet's listener types are per product event union; these tests register by name from fixtures.
type AnyListener = (body: unknown) => unknown;
const listen = (app: { readonly webEventConsumer?: MeetingsEventProcessor | undefined }, name: string, listener: AnyListener) => app.webEventConsumer!.event(name as never, listener as never);

const servers = () => liveHandles().filter((name) => name === 'TCPServerWrap').length;

let sim: ZoomSimulator | undefined;
const receivers: ZoomWsReceiver[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.stop();
  await sim?.stop();
  sim = undefined;
});

async function simulator(): Promise<ZoomSimulator> {
  sim = await createZoomSimulator();
  return sim;
}

function receiverFor(s: ZoomSimulator, extra: { logger?: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void } } = {}): ZoomWsReceiver {
  const receiver = new ZoomWsReceiver({ ...s.credentials, oauthUrl: s.oauthUrl, wsUrl: s.wsUrl, ...FAST_TIMINGS, ...extra });
  receivers.push(receiver);
  return receiver;
}

describe('ZoomWsReceiver: a @zoom/rivet app receives over the WebSocket', () => {
  it("runs the app's Rivet listeners once per real event, with the body Zoom sent; opens no port; stop() leaves no handle", async () => {
    const s = await simulator();
    const baseline = liveHandles();
    const receiver = receiverFor(s);
    const rivetShaped: Receiver = receiver; // Rivet's own Receiver type accepts it.
    expect(rivetShaped.canInstall()).toBe(false);
    // No webhooksSecretToken and no port: the receiver replaces Rivet's HTTP receiver altogether.
    const app = new MeetingsS2SAuthClient({ clientId: 'x', clientSecret: 'y', accountId: 'z', receiver });

    const texts = readFixtures().map(({ text }) => text);
    texts.push(ESCAPED);
    const names = [...new Set(texts.map((text) => (JSON.parse(text) as { event: string }).event))];
    const received: unknown[] = [];
    for (const name of names) listen(app, name, (body) => void received.push(body));
    const filtered: string[] = [];
    app.webEventConsumer!.filteredEvent('meeting.started', (body) => body.payload.object.topic.startsWith('Caf'), (body) => void filtered.push(body.payload.object.topic));

    const serversBefore = servers();
    const started = await app.start();
    expect(started).toBe(receiver.client);
    expect(receiver.client.state).toBe('open');
    expect(servers(), "Rivet's HTTP server must not be started").toBe(serversBefore);

    for (const text of texts) expect(s.sendRaw(messageFrame(text))).toBe(1);
    await eventually(() => (received.length >= texts.length ? undefined : `${received.length}/${texts.length} received`), 'every event at a Rivet listener');
    expect(received).toEqual(texts.map((text) => JSON.parse(text)));
    expect(filtered).toEqual(['Café / 会議 "q"']);
    expect(receiver.client.stats).toMatchObject({ events: texts.length, handlerErrors: 0 });

    await receiver.stop();
    expect(receiver.client.state).toBe('closed');
    await s.stop();
    sim = undefined;
    expect(await leakedHandles(baseline)).toEqual([]);
    expect(received).toHaveLength(texts.length);
  });

  it('a throwing or rejecting Rivet listener is a handler error of the client; later events still arrive, and stop() waits for slow listeners', async () => {
    const s = await simulator();
    const logs: string[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    const receiver = receiverFor(s, { logger });
    const app = new MeetingsS2SAuthClient({ clientId: 'x', clientSecret: 'y', accountId: 'z', receiver });
    const seen: number[] = [];
    let finishedSlow = false;
    listen(app, 'meeting.started', (body) => {
      const n = (body as { event_ts: number }).event_ts;
      seen.push(n);
      if (n === 1) throw new Error('listener broke');
      if (n === 2) return Promise.reject(new Error('listener rejected'));
      if (n === 3) return new Promise<void>((done) => setTimeout(() => { finishedSlow = true; done(); }, 50));
      return undefined;
    });
    await app.start();
    for (const n of [1, 2, 3]) s.emit({ event: 'meeting.started', event_ts: n, payload: { object: { id: n } } });
    await eventually(() => (seen.length === 3 && receiver.client.stats.handlerErrors === 2 ? undefined : `seen ${seen.join(',')}, errors ${receiver.client.stats.handlerErrors}`), 'three listener calls, two failures');
    expect(logs.filter((line) => line.includes('A handler for "meeting.started" failed'))).toHaveLength(2);
    const { unfinishedHandlers } = await receiver.stop({ drainTimeout: 2_000 });
    expect(unfinishedHandlers).toEqual([]);
    expect(finishedSlow).toBe(true);
  });

  it('receives through an existing client, next to its own handlers, each getting its own copy of the body', async () => {
    const s = await simulator();
    const client = new ZoomWsClient({ ...s.credentials, oauthUrl: s.oauthUrl, wsUrl: s.wsUrl, ...FAST_TIMINGS });
    const receiver = new ZoomWsReceiver({ client });
    receivers.push(receiver);
    expect(receiver.client).toBe(client);
    const app = new MeetingsS2SAuthClient({ clientId: 'x', clientSecret: 'y', accountId: 'z', receiver });
    const own: unknown[] = [];
    client.on('meeting.ended', (event) => void own.push(event));
    const rivet: unknown[] = [];
    listen(app, 'meeting.ended', (body) => {
      (body as { payload: { object: { id: number } } }).payload.object.id = -1; // a listener that edits its body
      rivet.push(body);
    });
    await app.start();
    s.emit({ event: 'meeting.ended', event_ts: 7, payload: { object: { id: 7 } } });
    await eventually(() => (own.length === 1 && rivet.length === 1 ? undefined : `own ${own.length}, rivet ${rivet.length}`), 'the event at both');
    expect(own[0]).toEqual({ event: 'meeting.ended', event_ts: 7, payload: { object: { id: 7 } } });
    await receiver.stop();
    expect(client.state).toBe('closed');
    await receiver.stop(); // idempotent
  });

  it('start() outside a Rivet client is a config error that opens nothing', async () => {
    const s = await simulator();
    const receiver = receiverFor(s);
    await expect(receiver.start()).rejects.toMatchObject({ name: 'ZoomWsConfigError', field: 'receiver' });
    expect(s.stats.tokenRequests).toBe(0);
  });

  it('zoom-ws/rivet loads no @zoom/rivet at runtime, and package.json exports it with types', () => {
    const packages = new Set<string>();
    const files = new Set<string>();
    const visit = (file: string) => {
      if (files.has(file)) return;
      files.add(file);
      // Static imports and re-exports only: `import type` is erased.
      for (const match of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else packages.add(specifier);
      }
    };
    visit(resolve(root, 'src/rivet/index.ts'));
    expect([...packages].filter((name) => name.startsWith('@zoom/'))).toEqual([]);
    for (const file of [...files].filter((name) => name.includes('/src/rivet/'))) expect(readFileSync(file, 'utf8')).not.toMatch(/from '@zoom\/rivet/);
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    expect(pkg.exports['./rivet']).toEqual({ types: './dist/src/rivet/index.d.ts', default: './dist/src/rivet/index.js' });
  });
});
