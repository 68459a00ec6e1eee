import type { PlayHandle, PlayOptions, ZoomEventInput } from './types.js';

/**
 * Plays playlists through a `send` function, one event per `intervalMs`. Owns every playback timer so
 * that `stopAll()` (called by the simulator's `stop()`) leaves none behind.
 */
export class EventPlayer {
  private readonly running = new Set<() => void>();

  constructor(private readonly send: (event: ZoomEventInput) => void) {}

  play(events: readonly ZoomEventInput[], options: PlayOptions = {}): PlayHandle {
    const intervalMs = options.intervalMs ?? 1000;
    const loop = options.loop ?? false;
    const restamp = options.restamp ?? loop;
    if (!(intervalMs >= 0) || !Number.isFinite(intervalMs)) {
      throw new RangeError(`intervalMs must be >= 0, got ${intervalMs}`);
    }
    // A snapshot, so that a caller mutating its array does not change a running playback.
    const playlist = [...events];

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

    let index = 0;
    const playNext = (): void => {
      timer = undefined;
      if (index >= playlist.length) {
        if (!loop || playlist.length === 0) {
          stop();
          return;
        }
        index = 0;
      }
      const event = playlist[index] as ZoomEventInput;
      index += 1;
      this.send(restamp ? { ...event, event_ts: Date.now() } : event);
      if (index >= playlist.length && !loop) {
        stop();
        return;
      }
      timer = setTimeout(playNext, intervalMs);
    };

    this.running.add(stop);
    // The first event goes out on the next turn of the event loop rather than inside play(), so that a
    // caller can attach to `done` or register hooks before anything is sent.
    timer = setTimeout(playNext, 0);
    return { stop, done };
  }

  stopAll(): void {
    for (const stop of [...this.running]) stop();
  }
}
