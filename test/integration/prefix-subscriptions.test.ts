import { describe, expect, expectTypeOf, it } from 'vitest';
import { isZoomEvent, ZoomWsConfigError } from '../../src/index.js';
import { sampleEvent, useHarness } from '../support/harness.js';

describe("prefix subscriptions: on('meeting.*')", () => {
  const harness = useHarness();

  it('calls exact-name handlers, then prefix handlers, then catch-all, for the names under the prefix only', async () => {
    const h = await harness();
    const calls: string[] = [];
    h.client.on('*', (event) => void calls.push(`*:${event.event}`));
    h.client.on('meeting.*', (event) => {
      expectTypeOf(event.event).toExtend<`meeting.${string}`>();
      if (isZoomEvent(event, 'meeting.started')) expectTypeOf(event.payload.object.uuid).toEqualTypeOf<string>();
      calls.push(`meeting.*:${event.event}`);
    });
    h.client.on('meeting.participant_joined', () => void calls.push('exact:meeting.participant_joined'));
    const offPhone = h.client.on('phone.*', (event) => void calls.push(`phone.*:${event.event}`));
    await h.client.start();
    h.sim.emit(sampleEvent(1, 'meeting.participant_joined'));
    h.sim.emit(sampleEvent(2, 'meetingX.started'));
    h.sim.emit(sampleEvent(3, 'phone.callee_ringing'));
    await h.until(() => h.events.length === 3);
    offPhone();
    h.sim.emit(sampleEvent(4, 'phone.callee_answered'));
    await h.until(() => h.events.length === 4);
    expect(calls).toEqual([
      'exact:meeting.participant_joined',
      'meeting.*:meeting.participant_joined',
      '*:meeting.participant_joined',
      '*:meetingX.started',
      'phone.*:phone.callee_ringing',
      '*:phone.callee_ringing',
      '*:phone.callee_answered',
    ]);
  });

  it.each(['mee*ting', '*.started', 'meeting*', 'meeting.**', '.*', '**'])('refuses the unsupported pattern %s with a typed error', async (pattern) => {
    const h = await harness();
    expect(() => h.client.on(pattern, () => {})).toThrow(ZoomWsConfigError);
    expect(() => h.client.on(pattern, () => {})).toThrow(/unsupported pattern/);
  });

});
