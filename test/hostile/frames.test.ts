/**
 * Hostile input (issue 3, part 3): arbitrary frames never crash the decoder or the client — they decode to a
 * typed result (an event, a refusal, a lifecycle frame) or to a logged skip.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { ZoomWsClient } from '../../src/index.js';
import { zoomEventSchema } from '../../src/protocol/events.js';
import { classifyRefusal, decodeEventContent, decodeFrame, frameSchema, type DecodedFrame } from '../../src/protocol/frames.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import { startRawZoomServer, type RawZoomServer } from '../support/raw-zoom-server.js';
import { eventually } from '../support/wait.js';

const SEED = 0x5eed_0003;
const KINDS = ['connected', 'heartbeat', 'event', 'refused', 'skipped'];

/** What a hostile frame can look like: near misses of real frames as well as arbitrary JSON and text. */
const moduleName = fc.oneof(fc.constantFrom('build_connection', 'heartbeat', 'message', 'Message', '', '__proto__', 'constructor'), fc.string());
const innerEvent = fc.oneof(
  fc.record({ event: fc.string(), event_ts: fc.oneof(fc.double(), fc.integer(), fc.string()), payload: fc.oneof(fc.object(), fc.jsonValue()) }, { requiredKeys: [] }),
  fc.jsonValue(),
  fc.constant({ event: 'meeting.started', event_ts: 1, payload: { __proto__: { polluted: true }, object: {} } }),
);
const content = fc.oneof(fc.string(), innerEvent.map((value) => JSON.stringify(value)), fc.constant('{"event":"x","event_ts":1e400,"payload":{}}'));
const frameObject = fc.record(
  { module: fc.oneof(moduleName, fc.jsonValue()), success: fc.oneof(fc.boolean(), fc.jsonValue()), content: fc.oneof(content, fc.jsonValue()), header: fc.jsonValue() },
  { requiredKeys: [] },
);
const frameText = fc.oneof(
  { weight: 4, arbitrary: frameObject.map((frame) => JSON.stringify(frame)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"message"', '{"module":"message","success":true,"content":"{\\"__proto__\\":{}}"}', '{"__proto__":{"module":"message"}}') },
);

/**
 * The decoder as the zod schemas alone define it (no fast path): the reference that hand-written shortcuts in
 * `decodeFrame` must agree with.
 */
function referenceKind(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'skipped';
  }
  const parsed = frameSchema.safeParse(json);
  if (!parsed.success || !['build_connection', 'heartbeat', 'message'].includes(parsed.data.module)) return 'skipped';
  if (!parsed.data.success) return `refused:${classifyRefusal(parsed.data.content ?? '')}`;
  if (parsed.data.module === 'build_connection') return 'connected';
  if (parsed.data.module === 'heartbeat') return 'heartbeat';
  let inner: unknown;
  try {
    inner = JSON.parse(parsed.data.content ?? '');
  } catch {
    return 'skipped';
  }
  return zoomEventSchema.safeParse(inner).success ? 'event' : 'skipped';
}

const kindOf = (decoded: DecodedFrame) => (decoded.kind === 'refused' ? `refused:${decoded.cause}` : decoded.kind);

describe('frame decoder (property tests)', () => {
  it('never throws, and always answers with one of the typed results', () => {
    fc.assert(
      fc.property(frameText, (text) => {
        const decoded = decodeFrame(text);
        expect(KINDS).toContain(decoded.kind);
        if (decoded.kind === 'skipped') expect(decoded.reason).toMatch(/\S/);
        if (decoded.kind === 'event') {
          expect(typeof decoded.event.event).toBe('string');
          const eventTs = decoded.event.event_ts;
          // Kept as sent: a finite number, a string (Rooms/Workspace) or absent (chatbot, app events).
          expect(eventTs === undefined || typeof eventTs === 'string' || Number.isFinite(eventTs)).toBe(true);
          expect(typeof decoded.event.payload).toBe('object');
        }
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it('agrees with the zod schemas on every frame (the fast path is only a shortcut)', () => {
    fc.assert(
      fc.property(frameText, (text) => {
        expect(kindOf(decodeFrame(text))).toBe(referenceKind(text));
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it('skips a message whose content is not an event, whatever the content', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value))), (text) => {
        const decoded = decodeEventContent(text);
        expect(['event', 'skipped']).toContain(decoded.kind);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('never lets a frame pollute Object.prototype', () => {
    for (const text of [
      '{"module":"message","success":true,"content":"{\\"event\\":\\"x\\",\\"event_ts\\":1,\\"payload\\":{\\"__proto__\\":{\\"polluted\\":1}}}","header":{}}',
      '{"__proto__":{"polluted":1},"module":"heartbeat","success":true}',
    ]) {
      decodeFrame(text);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });
});

describe('a real client fed hostile frames', () => {
  let raw: RawZoomServer | undefined;
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
  });

  it('stays connected and delivers the valid events in between; every other frame is a logged skip or a typed refusal', async () => {
    const sim = await createZoomSimulator();
    let server: WebSocket | undefined;
    raw = await startRawZoomServer((socket) => {
      server = socket;
      socket.on('message', () => socket.send(JSON.stringify({ module: 'heartbeat', success: true, content: 'live', header: {} })));
    });
    const warnings: string[] = [];
    const client = new ZoomWsClient({
      ...sim.credentials,
      oauthUrl: sim.oauthUrl,
      wsUrl: raw.wsUrl,
      heartbeatInterval: 50,
      heartbeatTimeout: 2_000,
      backoffInitial: 10,
      backoffMax: 20,
      logger: { debug: () => {}, info: () => {}, warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) },
    });
    const delivered: number[] = [];
    client.on('*', (event) => {
      delivered.push((event.payload as unknown as { seq: number }).seq);
    });
    try {
      await client.start();
      // Frames that refuse (success:false) end the connection by design; the hostile mix keeps to the others.
      const nonRefusing = frameText.filter((text) => decodeFrame(text).kind !== 'refused' && decodeFrame(text).kind !== 'event');
      const batches = fc.sample(fc.array(nonRefusing, { minLength: 1, maxLength: 40 }), { seed: SEED, numRuns: 25 });
      let seq = 0;
      let hostile = 0;
      for (const batch of batches) {
        for (const text of batch) {
          server!.send(text);
          hostile++;
        }
        server!.send(JSON.stringify({ module: 'message', success: true, content: JSON.stringify({ event: 'meeting.started', event_ts: seq, payload: { seq } }), header: {} }));
        seq++;
      }
      // Binary frames too.
      server!.send(Buffer.from([0, 1, 2, 255]));
      hostile++;
      await eventually(() => (delivered.length === seq ? undefined : `${delivered.length}/${seq} delivered`), 'valid events');
      expect(delivered).toEqual([...Array(seq).keys()]);
      expect(client.state).toBe('open');
      expect(client.stats.reconnects).toBe(0);
      // Each hostile frame was either skipped with a log line, or a harmless lifecycle frame (a heartbeat answer, a repeated build_connection).
      expect(client.stats.skipped).toBeGreaterThan(hostile / 2);
      expect(warnings.filter((line) => line.startsWith('Skipped a frame')).length).toBe(client.stats.skipped);
    } finally {
      await client.stop();
      await sim.stop();
    }
  });

  it('a success:false frame of any wording is a typed refusal: the client reconnects, it does not crash', async () => {
    const sim = await createZoomSimulator();
    const contents = fc.sample(fc.string({ maxLength: 200 }), { seed: SEED, numRuns: 6 });
    let connection = 0;
    raw = await startRawZoomServer((socket) => {
      const wording = contents[connection++];
      if (wording !== undefined) setImmediate(() => socket.send(JSON.stringify({ module: 'heartbeat', success: false, content: wording, header: {} })));
    });
    const client = new ZoomWsClient({ ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: raw.wsUrl, backoffInitial: 2, backoffMax: 5, displacedDelay: 5, heartbeatInterval: 1_000 });
    try {
      await client.start();
      await eventually(() => (connection > contents.length && client.state === 'open' ? undefined : `${connection} connections, ${client.state}`), 'reconnects after each refusal', 5_000);
      expect(client.stats.reconnects).toBe(contents.length);
    } finally {
      await client.stop();
      await sim.stop();
    }
  });
});
