import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/protocol/frames.js';
import { eventTimeMs } from '../../src/protocol/events.js';
import { sampleEvent, useHarness } from '../support/harness.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'zoom-events');

/** Real bodies whose `event_ts` is not a number: a string (Rooms/Workspace) or absent (chatbot, app events). */
const unusual = readdirSync(FIXTURES)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, text: readFileSync(path.join(FIXTURES, file), 'utf8') }))
  .map(({ file, text }) => ({ file, body: JSON.parse(text) as Record<string, unknown> }))
  .filter(({ body }) => typeof body.event_ts !== 'number');

const frameOf = (body: unknown) => JSON.stringify({ module: 'message', success: true, content: JSON.stringify(body), header: {} });

describe('events with a string or missing event_ts (real Zoom bodies)', () => {
  const harness = useHarness();

  it('the fixtures hold both forms (else this file proves nothing)', () => {
    expect(unusual.some(({ body }) => typeof body.event_ts === 'string')).toBe(true);
    expect(unusual.some(({ body }) => !('event_ts' in body))).toBe(true);
  });

  it.each(unusual.map(({ file, body }) => [file, body] as const))('the decoder keeps %s as an event, event_ts as sent', (_file, body) => {
    const decoded = decodeFrame(frameOf(body));
    expect(decoded.kind).toBe('event');
    if (decoded.kind !== 'event') return;
    expect(decoded.event).toEqual(body);
    expect('event_ts' in decoded.event).toBe('event_ts' in body);
  });

  it('reads a time from each form where one is given', () => {
    expect(eventTimeMs({ event: 'x', event_ts: '290112312321', payload: {} })).toBe(290_112_312_321);
    expect(eventTimeMs({ event: 'x', event_ts: '2024-09-08 15:58:40', payload: {} })).toBe(Date.UTC(2024, 8, 8, 15, 58, 40));
    expect(eventTimeMs({ event: 'x', payload: { event_ts: 1_700_000_000_000 } })).toBe(1_700_000_000_000);
    expect(eventTimeMs({ event: 'x', event_ts: 'yesterday', payload: {} })).toBeUndefined();
    expect(eventTimeMs({ event: 'x', payload: {} })).toBeUndefined();
  });

  it('a real client delivers each of them once, raw event_ts kept, even when a second socket carries them again', async () => {
    const h = await harness();
    await h.client.start();
    for (const { body } of unusual) h.sim.sendRaw(frameOf(body));
    await h.until(() => h.events.length === unusual.length, 5_000, 'the unusual events');
    expect(h.events).toEqual(unusual.map(({ body }) => body));

    // A new socket (after a drop) that carries the same events again, as Zoom may resend around reconnects.
    const connectionsBefore = h.sim.stats.connections;
    h.sim.faults.drop();
    await h.until(() => h.sim.stats.connections > connectionsBefore && h.client.state === 'open', 5_000, 'the second socket');
    for (const { body } of unusual) h.sim.sendRaw(frameOf(body));
    h.sim.emit(sampleEvent(1));
    await h.until(() => h.events.length === unusual.length + 1, 5_000, 'the marker event');
    expect(h.events.slice(unusual.length)).toEqual([sampleEvent(1)]);
    expect(h.client.stats.duplicates).toBe(unusual.length);
    expect(h.client.stats.skipped).toBe(0);
  });
});
