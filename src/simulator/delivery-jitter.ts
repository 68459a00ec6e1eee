/**
 * The delivery schedule of one pass over a playlist: when each event is sent, and how late it is. Without
 * jitter every event goes out in list order, `intervalMs` apart. With jitter some neighbours swap places and
 * some events are held back and overtaken, as in real traffic (protocol §6: 12 of 79 adjacent captured
 * deliveries out of `event_ts` order, `meeting.ended` ~17 s late).
 */
import type { SeededRandom } from './random.js';

/** `deliveryJitter` with every default applied except `maxDelayMs`, which depends on the playback. */
export interface JitterSettings {
  readonly seed: number;
  readonly reorderProbability: number;
  readonly delayProbability: number;
  /** `undefined`: three times the playback's `intervalMs`. */
  readonly maxDelayMs: number | undefined;
}

/** One send of a pass. */
export interface PlannedSend {
  /** Position of the event in the playlist. */
  readonly index: number;
  /** Milliseconds after the start of the pass. */
  readonly at: number;
  /** How much later than its in-order time (`index × intervalMs`) it goes out; `0` without jitter. */
  readonly lateness: number;
}

/** How many playback intervals a delayed event may wait by default. */
export const DEFAULT_MAX_DELAY_INTERVALS = 3;

/** The sends of one pass over `count` events, sorted by time. `jitter` absent: in order, no lateness. */
export function planPass(
  count: number,
  intervalMs: number,
  jitter?: { readonly settings: JitterSettings; readonly random: SeededRandom },
): PlannedSend[] {
  const lateness = new Array<number>(count).fill(0);
  // Breaks ties between equal times (always the case with intervalMs 0): a swapped event ranks between its
  // successor and the one after, so a swap stays a swap of neighbours whatever the pace.
  const rank = Array.from({ length: count }, (_, index) => index);
  if (jitter) {
    const { settings, random } = jitter;
    for (let index = 0; index < count - 1; index += 1) {
      if (random.float() < settings.reorderProbability) {
        lateness[index] = intervalMs + Math.floor(intervalMs / 2);
        rank[index] = index + 1.5;
        // The successor is not swapped in turn: each event moves one place at most through reordering.
        index += 1;
      }
    }
    const maxDelayMs = Math.floor(settings.maxDelayMs ?? DEFAULT_MAX_DELAY_INTERVALS * intervalMs);
    for (let index = 0; index < count; index += 1) {
      const delayed = random.float() < settings.delayProbability;
      if (delayed && lateness[index] === 0 && maxDelayMs >= 1) lateness[index] = random.int(1, maxDelayMs);
    }
  }
  return rank
    .map((position, index) => ({ index, at: index * intervalMs + lateness[index]!, lateness: lateness[index]!, position }))
    .sort((a, b) => a.at - b.at || a.position - b.position)
    .map(({ index, at, lateness: late }) => ({ index, at, lateness: late }));
}
