import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How finely the event-loop delay is sampled, ms; also the error of each estimate. */
const RESOLUTION_MS = 10;
/** The window a lag estimate covers (the current and the previous one), ms. */
const WINDOW_MS = 1_000;
/** Beyond this the process stood still (SIGSTOP): the lease, not the window start, handles that. */
const MAX_LAG_MS = 1_000;

/**
 * How late this process may have read a frame that had already reached the machine. A frame is stamped when our
 * event loop reads it; while the loop is busy the frame waits in the socket, and a Zoom drop (a reset) can purge
 * the frames still waiting behind it. So the window of an outage starts this much before the last frame we read.
 */
export class LoopLag {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  #previousMaxMs = 0;
  #windowStart = 0;

  start(): void {
    this.#histogram.enable();
    this.#windowStart = performance.now();
  }

  stop(): void {
    this.#histogram.disable();
  }

  /** The worst event-loop delay of the last one to two seconds, plus the sampling error, ms. */
  recentMaxMs(): number {
    const now = performance.now();
    const currentMs = this.#histogram.count > 0 ? this.#histogram.max / 1e6 : 0;
    if (now - this.#windowStart > WINDOW_MS) {
      this.#previousMaxMs = currentMs;
      this.#histogram.reset();
      this.#windowStart = now;
    }
    return Math.min(MAX_LAG_MS, Math.max(currentMs, this.#previousMaxMs)) + RESOLUTION_MS;
  }
}
