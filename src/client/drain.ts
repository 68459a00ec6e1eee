/** A handler still running when `stop()` stopped waiting for it. */
export interface UnfinishedHandler {
  /** The event it was called with. */
  event: string;
  /** How long it had been running, in ms. */
  runningMs: number;
}

/** What `stop()` resolves with. */
export interface StopResult {
  /** Async handlers that had not settled when the drain timeout ran out (empty when all finished). */
  unfinishedHandlers: UnfinishedHandler[];
}

interface Running {
  event: string;
  startedAt: number;
}

/**
 * The async handlers still running. Only a handler that returned a promise is tracked (a Map entry until it
 * settles): synchronous handlers, the common case, cost nothing here.
 */
export class RunningHandlers {
  readonly #running = new Map<Promise<unknown>, Running>();
  #settled: (() => void) | undefined;

  get size(): number {
    return this.#running.size;
  }

  track(promise: Promise<unknown>, event: string): void {
    this.#running.set(promise, { event, startedAt: Date.now() });
    const done = () => {
      this.#running.delete(promise);
      if (this.#running.size === 0) this.#settled?.();
    };
    promise.then(done, done);
  }

  /** Waits until every tracked handler settled or `timeoutMs` passed; returns those still running. */
  async drain(timeoutMs: number): Promise<UnfinishedHandler[]> {
    if (this.#running.size > 0 && timeoutMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#settled = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.#settled = undefined;
    }
    const now = Date.now();
    return [...this.#running.values()].map(({ event, startedAt }) => ({ event, runningMs: now - startedAt }));
  }
}
