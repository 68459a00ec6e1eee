/**
 * The events the benchmarks send, taken from the simulator's realistic scenario so that their size and shape
 * are those of real Zoom webhooks: a `meeting.participant_joined` (small) and a `recording.completed` (~8 KB).
 * Each copy gets `payload.object.seq` (numbering, to count losses and duplicates) and `payload.object.sent_us`
 * (a latency stamp, see {@link STAMP_BASE}).
 */
import { createEventScenario } from '../src/simulator/scenario.js';
import type { ZoomEvent } from '../src/simulator/types.js';
import { STAMP_BASE } from './clock.js';

export type PayloadSize = 'small' | 'large';

export const EVENT_NAMES: Readonly<Record<PayloadSize, string>> = {
  small: 'meeting.participant_joined',
  large: 'recording.completed',
};

let scenario: ZoomEvent[] | undefined;

function template(size: PayloadSize): ZoomEvent {
  scenario ??= createEventScenario({ seed: 7, meetings: 1 });
  const found = scenario.find((event) => event.event === EVENT_NAMES[size]);
  if (!found) throw new Error(`the scenario has no ${EVENT_NAMES[size]} event`);
  return found;
}

/** The inner event (what a subscriber receives) numbered `seq`, stamped with `sentUs` (0 = no stamp). */
export function benchEvent(size: PayloadSize, seq: number, sentUs = 0): ZoomEvent {
  const base = template(size);
  const payload = base.payload as { object: Record<string, unknown> } & Record<string, unknown>;
  return {
    ...base,
    event_ts: base.event_ts + seq,
    payload: { ...payload, object: { ...payload.object, seq, sent_us: STAMP_BASE + sentUs } },
  };
}

/** A `message` frame as Zoom sends it: the event JSON-encoded inside `content` (decode twice). */
export function messageFrameText(event: ZoomEvent): string {
  return JSON.stringify({ module: 'message', success: true, content: JSON.stringify(event), header: {} });
}

/** Reads the numbering and the stamp back from a delivered event. */
export function seqOf(event: { payload: unknown }): number {
  return (event.payload as { object: { seq: number } }).object.seq;
}

export function sentUsOf(event: { payload: unknown }): number {
  return (event.payload as { object: { sent_us: number } }).object.sent_us - STAMP_BASE;
}
