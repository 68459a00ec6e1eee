import { planPass, type JitterSettings } from './delivery-jitter.js';
import { SeededRandom } from './random.js';
import type { PlayHandle, PlayOptions, ZoomEventInput } from './types.js';

/**
 * Plays playlists through a `send` function, one event per `intervalMs` (reordered and delayed when the
 * simulator has a delivery jitter). Owns every playback timer so that `stopAll()` (called by the
 * simulator's `stop()`) leaves none behind.
 */
export class EventPlayer {
  private readonly running = new Set<() => void>();

  constructor(
    private readonly send: (event: ZoomEventInput) => void,
    private readonly jitter?: JitterSettings,
  ) {}

  play(events: readonly ZoomEventInput[], options: PlayOptions = {}): PlayHandle {
    const intervalMs = options.intervalMs ?? 1000;
    const loop = options.loop ?? false;
    const restamp = options.restamp ?? loop;
    if (!(intervalMs >= 0) || !Number.isFinite(intervalMs)) {
      throw new RangeError(`intervalMs must be >= 0, got ${intervalMs}`);
    }
    // A snapshot, so that a caller mutating its array does not change a running playback.
    const playlist = [...events];
    // Each playback starts from the seed, so that its order does not depend on other playbacks; the passes
    // of a loop draw on, so that they differ from each other.
    const jitter = this.jitter ? { settings: this.jitter, random: new SeededRandom(this.jitter.seed) } : undefined;
    const plan = () => planPass(playlist.length, intervalMs, jitter);

    let timer: NodeJS.Timeout | undefined;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const stop = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      this.running.delete(stop);
      finish();
    };

    let pass = plan();
    let position = 0;
    const playNext = (): void => {
      timer = undefined;
      const step = pass[position];
      if (!step) {
        stop();
        return;
      }
      position += 1;
      const event = playlist[step.index] as ZoomEventInput;
      // A late event keeps the time it "happened", so that its event_ts is older than that of what overtook it.
      this.send(restamp ? { ...event, event_ts: Date.now() - step.lateness } : event);
      const following = pass[position];
      if (following) {
        timer = setTimeout(playNext, following.at - step.at);
        return;
      }
      if (!loop) {
        stop();
        return;
      }
      pass = plan();
      position = 0;
      timer = setTimeout(playNext, intervalMs + (pass[0]?.at ?? 0));
    };

    this.running.add(stop);
    // The first event goes out on the next turn of the event loop rather than inside play(), so that a
    // caller can attach to `done` or register hooks before anything is sent.
    timer = setTimeout(playNext, pass[0]?.at ?? 0);
    return { stop, done };
  }

  stopAll(): void {
    for (const stop of [...this.running]) stop();
  }
}
