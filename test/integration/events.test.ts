import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ZoomEvent } from '../../src/index.js';
import { useHarness, sampleEvent } from '../support/harness.js';

describe('events (behaviour 4)', () => {
  const harness = useHarness();

  it('decodes double-encoded message frames and delivers them in arrival order, exactly once', async () => {
    const h = await harness();
    await h.client.start();
    for (let i = 0; i < 200; i++) h.sim.emit(sampleEvent(i));
    await h.until(() => h.events.length === 200);
    expect(h.events.map((event) => (event.payload.object as { seq: number }).seq)).toEqual([...Array(200).keys()]);
    expect(h.events[0]).toEqual(sampleEvent(0));
    expect(h.client.stats.events).toBe(200);
  });

  it('logs, counts and skips malformed frames, unknown modules and bad inner JSON; the next good event still arrives', async () => {
    const h = await harness();
    await h.client.start();
    const bad = [
      'not json',
      '[]',
      '{"success":true}',
      '{"module":"surprise","success":true,"content":"x","header":{}}',
      '{"module":"message","success":true,"content":"{not json","header":{}}',
      '{"module":"message","success":true,"content":"{\\"event\\":\\"x\\"}","header":{}}',
      '{"module":"message","success":true,"content":"{\\"event\\":\\"x\\",\\"event_ts\\":1e400,\\"payload\\":{}}","header":{}}',
      '{"module":"message","success":true,"header":{}}',
    ];
    for (const frame of bad) h.sim.sendRaw(frame);
    // A string `event_ts` is a real Zoom form (Rooms/Workspace events): delivered, the value kept as sent.
    h.sim.sendRaw('{"module":"message","success":true,"content":"{\\"event\\":\\"x\\",\\"event_ts\\":\\"yesterday\\",\\"payload\\":{}}","header":{}}');
    h.sim.emit(sampleEvent(7));
    await h.until(() => h.events.length === 2);
    expect(h.events[0]).toEqual({ event: 'x', event_ts: 'yesterday', payload: {} });
    expect(h.events[1]).toEqual(sampleEvent(7));
    expect(h.client.stats.skipped).toBe(bad.length);
    expect(h.logs.filter((line) => line.level === 'warn' && line.message.startsWith('Skipped a frame'))).toHaveLength(bad.length);
    expect(h.client.state).toBe('open');
  });

  it('typed subscriptions by name, catch-all, unsubscribe, and a throwing handler does not stop the others', async () => {
    const h = await harness();
    const topics: string[] = [];
    const off = h.client.on('meeting.started', (event) => {
      expectTypeOf(event.payload.object.uuid).toEqualTypeOf<string>();
      topics.push(String(event.payload.object.topic));
    });
    h.client.on('meeting.started', () => {
      throw new Error('handler bug');
    });
    h.client.on('meeting.started', async () => {
      throw new Error('async handler bug');
    });
    await h.client.start();
    h.sim.emit({ event: 'meeting.started', payload: { object: { uuid: 'u', id: 1, host_id: 'h', topic: 'Standup' } } });
    h.sim.emit({ event: 'user.created', payload: { object: { id: 'u1' } } });
    await h.until(() => h.events.length === 2);
    off();
    h.sim.emit({ event: 'meeting.started', payload: { object: { uuid: 'u', id: 2, host_id: 'h', topic: 'Retro' } } });
    await h.until(() => h.events.length === 3);
    await h.until(() => h.client.stats.handlerErrors === 4);
    expect(topics).toEqual(['Standup']);
    expect(h.logs.filter((line) => line.level === 'error')).toHaveLength(4);
  });

  it('events() is an async iterator that yields in order and ends when the client stops', async () => {
    const h = await harness();
    const iterator = h.client.events();
    await h.client.start();
    for (let i = 0; i < 5; i++) h.sim.emit(sampleEvent(i));
    const seen: ZoomEvent[] = [];
    for await (const event of iterator) {
      seen.push(event);
      if (seen.length === 5) break;
    }
    expect(seen.map((event) => event.event_ts)).toEqual(seen.map((_, i) => sampleEvent(i).event_ts));
    const second = h.client.events();
    const ended = (async () => {
      const rest: ZoomEvent[] = [];
      for await (const event of second) rest.push(event);
      return rest;
    })();
    h.sim.emit(sampleEvent(9));
    await h.until(() => h.events.length === 6);
    await h.client.stop();
    expect((await ended).map((event) => event.event_ts)).toEqual([sampleEvent(9).event_ts]);
  });
});
